"""Another Python interpreter describing itself, for ``genevars snapshot --python EXE``.

Only the interpreter can say what its sys.path, markers and platform are; its packages
are then scanned here, natively. It is started before anything else is done (this
module imports nothing heavy) and runs the query in ``_describe.py``, whose answers are
tagged JSON lines (errors become an ``InterpreterError`` of a known ``kind``); it answers
its sys.path first, so that the scan here runs while it finishes describing itself. ``genevars snapshot`` keeps the description
for the next run (``DescriptionCache``: used only while nothing it depends on has
changed), so that usually no interpreter is started at all.

    >>> with InterpreterDescription("/usr/bin/python3") as other:    # doctest: +SKIP
    ...     paths = other.sys_path()     # as soon as it has printed it
    ...     facts = other.facts()        # python, platform, markers, genevars_version
    >>> other = describe_interpreter("/opt/venv/bin/python")        # doctest: +SKIP
    >>> other.facts()["sys_path"]; other.remember(); other.close()  # doctest: +SKIP
"""

from __future__ import annotations

import os
import time

from genevars._core import SnapshotError

# Not `typing.TYPE_CHECKING`: importing typing costs `genevars snapshot` a few ms.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, NoReturn

#: How long ``--python EXE`` may take to describe itself.
DESCRIBE_TIMEOUT = 60.0

# ``--python EXE`` runs ``EXE -c _BOOTSTRAP DESCRIBE_FILE PROBE_FILE`` with no flag of ours
# and this environment, so that the sys.path it reports is the one it really has. The
# query is ``_describe.main`` (its answers are described there), loaded from its cached
# bytecode. The ``''`` that ``-c`` puts first on sys.path is not the interpreter's own, and
# is removed before any import so that nothing in the current directory can shadow the
# standard library.
_BOOTSTRAP = """\
import sys
if sys.path and sys.path[0] == "" and not getattr(sys.flags, "safe_path", False):
    del sys.path[0]
sys.dont_write_bytecode = True
from importlib.machinery import SourceFileLoader
query = type(sys)("_genevars_describe")
query.__file__ = sys.argv[1]
SourceFileLoader(query.__name__, sys.argv[1]).exec_module(query)
query.main(sys.argv[2])
"""

#: Why another interpreter gave no description, by kind: the message, filled with the
#: error's details. ``unsupported_python`` and ``describe_failed`` are the interpreter's
#: own answers (``_describe.py``); the others are what this side saw.
ERRORS = {
    "not_found": "no such interpreter (give the path of a python executable)",
    "not_executable": "not executable (give the path of a python executable)",
    "cannot_run": "cannot run it: {reason}",
    "timed_out": "gave no answer within {seconds:.0f} s",
    "failed": "{how} ({last}); is it Python 3.8 or newer?",
    "failed_at_start": (
        "{how} while starting ({last}), and starts with -S: a .pth file or sitecustomize in "
        "its site-packages crashes it at startup"
    ),
    "unsupported_python": "is Python {python_version}, and genevars needs Python 3.8 or newer",
    "describe_failed": "could not describe itself ({exception}: {message})",
    "bad_answer": "its answer was not the expected JSON; is it a Python interpreter?",
}


class InterpreterError(SnapshotError):
    """``--python EXE`` gave no usable description: one line naming it, and ``kind`` (a
    key of ``ERRORS``) saying why."""

    def __init__(self, label: str, kind: str, **details: object) -> None:
        super().__init__(f"{label}: {ERRORS[kind].format(**details)}")
        self.kind = kind


def _one_line(text: str, limit: int = 300) -> str:
    """``text`` from another interpreter, fit for an error: its credentials masked, its
    first line only, at most ``limit`` characters."""
    from genevars._core import mask_credentials

    lines = [line.strip() for line in text.splitlines() if line.strip()]
    line = mask_credentials(lines[0]) if lines else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(entry, str) for entry in value)


class InterpreterDescription:
    """Another interpreter describing itself (``--python EXE``), started at once.

    ``sys_path()`` returns as soon as the interpreter has printed it; ``facts()`` waits
    for the rest of ``describe()`` (python, platform, markers, genevars version). Errors
    are SnapshotErrors of one line naming ``--python EXE``.
    """

    def __init__(self, exe: str, cache: DescriptionCache | None = None) -> None:
        self.label = f"--python {exe}"
        self.exe = exe
        self.cache = cache
        self.started_ns = time.time_ns()
        here = os.path.dirname(os.path.abspath(__file__))
        query = [os.path.join(here, "_describe.py"), os.path.join(here, "_probe.py")]
        try:
            self.proc = _start([exe, "-c", _BOOTSTRAP, *query])
        except FileNotFoundError:
            raise InterpreterError(self.label, "not_found") from None
        except PermissionError:
            raise InterpreterError(self.label, "not_executable") from None
        except OSError as e:
            raise InterpreterError(self.label, "cannot_run", reason=e.strerror or e) from None
        # Read stderr all along (a chatty interpreter must not block on a full pipe), and
        # kill the interpreter if it has not answered in time.
        import threading  # here: a saved description (the usual case) needs no thread

        self.stderr: list[bytes] = []
        self.stderr_reader = threading.Thread(target=lambda: self.stderr.append(self.proc.stderr.read()), daemon=True)
        self.stderr_reader.start()
        self.timed_out = False
        self.timer = threading.Timer(DESCRIBE_TIMEOUT, self._time_out)
        self.timer.daemon = True
        self.timer.start()
        self.path: list[str] | None = None
        self.described: dict[str, Any] | None = None

    def sys_path(self) -> list[str]:
        path = self.path
        if path is None:
            path = self.path = self._answer("sys_path", "sys_path", _strings)
        return path

    def facts(self) -> dict[str, Any]:
        described = self.described
        if described is None:
            path = self.sys_path()
            described = self._answer("description", "description", lambda value: isinstance(value, dict))
            described["sys_path"] = path
            self.described = described
        return described

    def facts_json(self) -> str:
        """``facts()`` as JSON text."""
        import json

        return json.dumps(self.facts())

    def witness(self) -> list[str] | None:
        """The files whose state decided the description, or None when the interpreter
        did not finish cleanly (then nothing is cached)."""
        self.facts()
        try:
            files = self._answer("witness", "files", _strings)
        except SnapshotError:
            return None
        return files if self.proc.wait() == 0 else None

    def remember(self) -> None:
        """Saves the description for the next run with the same interpreter (when it was
        made with a ``DescriptionCache``): call once it has been used successfully."""
        if self.cache is not None:
            files = self.witness()
            if files is not None:
                self.cache.save(self.facts(), files, self.started_ns)

    def __enter__(self) -> "InterpreterDescription":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stops the interpreter if it is still running (an error on this side), and
        anything it started that is still running."""
        self.timer.cancel()
        self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()
        self.stderr_reader.join()
        self.proc.stderr.close()

    def _time_out(self) -> None:
        self.timed_out = True
        self.proc.kill()

    def _answer(self, kind: str, field: str, valid: Callable[[object], bool]) -> Any:
        """The ``field`` of the next answer, which must be ``kind``; an error answer, or
        anything else, raises the InterpreterError that says why."""
        import json

        try:
            answer = json.loads(self.proc.stdout.readline())
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            self._fail()
        if answer.get("result") == "error":
            self._refused(answer)
        value = answer.get(field)
        if answer.get("result") != "ok" or answer.get("kind") != kind or not valid(value):
            self._fail()
        return value

    def _refused(self, answer: dict[str, Any]) -> NoReturn:
        """Raises the InterpreterError of an error the interpreter answered."""
        kind = answer.get("kind")
        fields = {"unsupported_python": ("python_version",), "describe_failed": ("exception", "message")}
        if kind not in fields or not all(isinstance(answer.get(name), str) for name in fields[kind]):
            self._fail()
        details = {name: _one_line(answer[name], 60 if name != "message" else 300) for name in fields[kind]}
        raise InterpreterError(self.label, kind, **details)

    def _fail(self) -> NoReturn:
        """Raises the InterpreterError that says why there was no usable answer."""
        self.proc.stdout.close()
        status = self.proc.wait()
        if self.timed_out:
            raise InterpreterError(self.label, "timed_out", seconds=DESCRIBE_TIMEOUT)
        if status != 0:
            self.stderr_reader.join()
            text = b"".join(self.stderr).decode("utf-8", "replace")
            lines = [line for line in text.strip().splitlines() if line.strip()]
            last = _one_line(lines[-1]) if lines else "no error output"
            how = f"exited with status {status}" if status > 0 else f"was killed by {_signal_name(-status)}"
            if self.path is None and _starts_without_site(self.exe):
                raise InterpreterError(self.label, "failed_at_start", how=how, last=last)
            raise InterpreterError(self.label, "failed", how=how, last=last)
        raise InterpreterError(self.label, "bad_answer")


def _signal_name(number: int) -> str:
    import signal

    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _starts_without_site(exe: str) -> bool:
    """True when the interpreter ``exe`` runs fine with ``-S`` (no site module: no
    ``.pth`` files, no sitecustomize), asked only after it failed without it."""
    import subprocess

    try:
        done = subprocess.run(
            [exe, "-S", "-c", "pass"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=DESCRIBE_TIMEOUT,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def _start(argv: list[str]) -> _Spawned:
    """``argv`` running with stdin from the null device and stdout and stderr piped, as a
    ``subprocess.Popen`` or, where ``os.posix_spawnp`` exists, a ``_Spawned`` (importing
    ``subprocess`` costs more than the spawn itself, and comes before the other
    interpreter can start)."""
    if not hasattr(os, "posix_spawnp"):
        import subprocess

        # No posix_spawn, no process groups to speak of (Windows): kill() stops the
        # interpreter alone.
        from typing import cast

        # With both pipes, a Popen has the part of its interface _Spawned has.
        return cast(_Spawned, subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
        ))
    return _Spawned(argv)


def _kill_group(pid: int) -> None:
    """SIGKILL to the process group ``pid`` leads (the interpreter starts a session of
    its own): a wrapper script that hangs is stopped with what it started, which would
    otherwise hold the pipes open. Nothing when the group is gone: while any member
    lives, no other process can get its id."""
    import signal

    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class _Spawned:
    """The part of ``subprocess.Popen`` used here: ``stdout``, ``stderr``, ``poll()``,
    ``wait()``, ``kill()`` (of the whole process group: the process leads a session of its
    own). Spawning errors are OSErrors, as with Popen. Unlike Popen it closes no
    inherited descriptor and resets no signal: Python opens its own descriptors
    non-inheritable, and the interpreter started sets its own signal handling."""

    def __init__(self, argv: list[str]) -> None:
        out_read, out_write = os.pipe()
        err_read, err_write = os.pipe()
        null = os.open(os.devnull, os.O_RDONLY)
        try:
            self.pid = os.posix_spawnp(
                argv[0],
                argv,
                os.environ,
                file_actions=[
                    (os.POSIX_SPAWN_DUP2, null, 0),
                    (os.POSIX_SPAWN_DUP2, out_write, 1),
                    (os.POSIX_SPAWN_DUP2, err_write, 2),
                ],
                setsid=True,
            )
        except BaseException:
            os.close(out_read)
            os.close(err_read)
            raise
        finally:
            os.close(null)
            os.close(out_write)
            os.close(err_write)
        self.stdout = open(out_read, "rb")
        self.stderr = open(err_read, "rb")
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self) -> int:
        if self.returncode is None:
            _, status = os.waitpid(self.pid, 0)
            self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def kill(self) -> None:
        _kill_group(self.pid)


# --------------------------------------------------------------------------- cache

#: Files modified this close to (or after) the interpreter's start may have changed after
#: it read them, or within the file system's timestamp granularity: then the description
#: is not kept ("racy" timestamps, as git calls them).
_RACY_NS = 2_000_000_000


def describe_interpreter(exe: str) -> InterpreterDescription | CachedDescription:
    """``exe`` describing itself, or the description an earlier run saved, when nothing it
    depends on has changed since (see ``DescriptionCache``). ``remember()`` the result
    once the snapshot is written; ``close()`` it in any case."""
    from genevars._core import load_description

    # Looked up first: the key is made once on the way that starts no interpreter.
    text = load_description(exe, environ())
    if text is not None:
        return CachedDescription(text)
    return InterpreterDescription(exe, DescriptionCache.for_interpreter(exe))


class CachedDescription:
    """A saved description (its JSON text), with the interface of
    ``InterpreterDescription``."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.described: dict[str, Any] | None = None

    def sys_path(self) -> list[str]:
        return list(self.facts()["sys_path"])

    def facts(self) -> dict[str, Any]:
        described = self.described
        if described is None:
            import json

            described = self.described = json.loads(self.text)
        return described

    def facts_json(self) -> str:
        return self.text

    def remember(self) -> None:
        pass

    def close(self) -> None:
        pass


class DescriptionCache:
    """``--python EXE``'s description saved between runs (as uv saves interpreter facts),
    in ``$XDG_CACHE_HOME/genevars/interpreters`` (``~/.cache/...``), one file per
    interpreter and setting below, the newest ``CACHE_ENTRIES`` kept;
    ``GENEVARS_NO_CACHE=1`` turns it off.

    A saved description is used only when all of these are as they were when the
    interpreter described itself: its path (given with a directory: one found on PATH is
    always asked), the current directory, ``os.uname()``, the variables that steer
    ``sys.path`` (``PYTHON*``, ``HOME``, ``PATH``; a secret-looking one turns the cache
    off), and the state (mtime, ctime, size, inode, device; or absence) of the executable
    and its symlink, both possible ``pyvenv.cfg``, every sys.path entry, the site
    directories, every ``.pth`` file in them and every directory those name,
    ``sitecustomize``/``usercustomize`` and genevars' native module there, and the
    describing code (this genevars' version, ``_interpreter.py``, ``_describe.py``,
    ``_probe.py``). What ``import`` lines of ``.pth`` files or sitecustomize read elsewhere is beyond it.

    The key, the file's name and loading are native (``src/snapshot/described.rs``, which
    the native ``genevars`` launcher reads too: ``_core.load_description``); saving is done
    here, in the record shape the native side reads: ``{"key": KEY, "files": [[path,
    follow, state], ...], "facts": {...}}``.
    """

    def __init__(self, exe: str, file: str, key: str) -> None:
        self.exe = exe
        self.file = file
        #: The key as JSON text (it holds no secret: such a setting keeps no cache).
        self.key = key

    @classmethod
    def for_interpreter(cls, exe: str) -> DescriptionCache | None:
        from genevars._core import description_cache

        found = description_cache(exe, environ())
        if found is None:
            return None
        file, key = found
        return cls(os.path.abspath(exe), file, key)

    def save(self, facts: dict[str, Any], witness: list[str], started_ns: int) -> None:
        """Saves ``facts`` with the state of the files they depend on, unless one of them
        changed too recently to be sure the interpreter saw it as it is now."""
        import json

        bin_dir = os.path.dirname(self.exe)
        watched = [(self.exe, False), (self.exe, True)]
        watched += [(os.path.join(d, "pyvenv.cfg"), True) for d in (bin_dir, os.path.dirname(bin_dir))]
        watched += [(path, True) for path in facts["sys_path"]]
        watched += [(path, True) for path in witness]
        # The code that described it (``describe()`` may change without a version bump).
        here = os.path.dirname(os.path.abspath(__file__))
        watched += [(os.path.join(here, name), True) for name in ("_interpreter.py", "_describe.py", "_probe.py")]
        files = []
        for path, follow in dict.fromkeys(watched):
            state = _state(path, follow)
            if state is not None and state[0] >= started_ns - _RACY_NS:
                return
            files.append([path, follow, state])
        # A .pth or sitecustomize may put a URL with credentials on sys.path: what is
        # written is masked (the entry does not exist either way, so the cache still holds).
        text = '{"key": %s, "files": %s, "facts": %s}' % (self.key, json.dumps(_masked(files)), json.dumps(_masked(facts)))
        temporary = f"{self.file}.{os.getpid()}.tmp"
        try:
            os.makedirs(os.path.dirname(self.file), mode=0o700, exist_ok=True)
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with open(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(temporary, self.file)
            _prune(os.path.dirname(self.file))
        except OSError:  # a cache is an optimisation: an unwritable one is no error
            try:
                os.unlink(temporary)
            except OSError:
                pass


def environ() -> list[tuple[bytes, bytes]] | None:
    """``os.environ`` as the native side takes it (``os.environb``'s items): what Python
    reads, which a library may have made differ from the C environment."""
    return list(os.environb.items()) if os.name == "posix" else None


def _masked(value: Any) -> Any:
    """``value`` (JSON data) with the credentials in every string masked."""
    from genevars._core import mask_credentials

    if isinstance(value, str):
        return mask_credentials(value)
    if isinstance(value, list):
        return [_masked(item) for item in value]
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    return value


#: Saved descriptions kept (one per interpreter, directory and setting); the oldest go.
CACHE_ENTRIES = 64


def _prune(directory: str) -> None:
    entries = [entry for entry in os.scandir(directory) if entry.name.endswith(".json")]
    if len(entries) > CACHE_ENTRIES:
        entries.sort(key=lambda entry: entry.stat().st_mtime_ns)
        for entry in entries[: len(entries) - CACHE_ENTRIES]:
            try:
                os.unlink(entry.path)
            except OSError:
                pass


def _state(path: str, follow: bool) -> list[int] | None:
    """What changes when ``path`` is written, replaced, created or removed."""
    try:
        st = os.stat(path) if follow else os.lstat(path)
    except (OSError, ValueError):
        return None
    return [st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino, st.st_dev]
