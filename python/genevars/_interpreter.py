"""Another Python interpreter describing itself, for ``genevars snapshot --python EXE``.

Only the interpreter can say what its sys.path, markers and platform are; its packages
are then scanned here, natively. It is started before anything else is done (this
module imports nothing heavy), and it prints its sys.path first, so that the scan here
runs while it finishes describing itself.

    >>> with InterpreterDescription("/usr/bin/python3") as other:    # doctest: +SKIP
    ...     paths = other.sys_path()     # as soon as it has printed it
    ...     facts = other.facts()        # python, platform, markers, genevars_version
"""

from __future__ import annotations

import os
import threading

from genevars._core import SnapshotError

#: How long ``--python EXE`` may take to describe itself.
DESCRIBE_TIMEOUT = 60.0

# ``--python EXE`` runs ``EXE -c _DESCRIBE_CODE PROBE_FILE`` with no flag of ours and this
# environment, so that the sys.path it reports is the one it really has. Line 1 is that
# sys.path (JSON), written before anything is imported, so that the scan here starts while
# the interpreter computes line 2: ``describe()`` of the probe, loaded from its cached
# bytecode (running ``_probe.py`` as a script would compile it every time). The ``''``
# that ``-c`` puts first on sys.path is not the interpreter's own, and is removed before
# any import so that nothing in the current directory can shadow the standard library.
# ``text`` is the probe's ``_text``, needed before the probe is loaded. A process this
# short needs no cycle collector.
_DESCRIBE_CODE = """\
import gc, sys
gc.disable()
if sys.path and sys.path[0] == "" and not getattr(sys.flags, "safe_path", False):
    del sys.path[0]
try:
    from _json import encode_basestring_ascii as quote
except ImportError:
    from json.encoder import encode_basestring_ascii as quote
def text(entry):
    try:
        entry.encode("utf-8")
        return entry
    except UnicodeEncodeError:
        return entry.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
sys.stdout.write("[%s]\\n" % ", ".join(quote(text(e)) for e in sys.path if isinstance(e, str)))
sys.stdout.flush()
from importlib.machinery import SourceFileLoader
sys.dont_write_bytecode = True
probe = type(sys)("_genevars_probe")
probe.__file__ = sys.argv[1]
SourceFileLoader(probe.__name__, sys.argv[1]).exec_module(probe)
import json
sys.stdout.write(json.dumps(probe.describe()) + "\\n")
"""


class InterpreterDescription:
    """Another interpreter describing itself (``--python EXE``), started at once.

    ``sys_path()`` returns as soon as the interpreter has printed it; ``facts()`` waits
    for the rest of ``describe()`` (python, platform, markers, genevars version). Errors
    are SnapshotErrors of one line naming ``--python EXE``.
    """

    def __init__(self, exe: str) -> None:
        self.label = f"--python {exe}"
        probe_file = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_probe.py")
        try:
            self.proc = _start([exe, "-c", _DESCRIBE_CODE, probe_file])
        except FileNotFoundError:
            raise SnapshotError(f"{self.label}: no such interpreter (give the path of a python executable)") from None
        except PermissionError:
            raise SnapshotError(f"{self.label}: not executable (give the path of a python executable)") from None
        except OSError as e:
            raise SnapshotError(f"{self.label}: cannot run it: {e.strerror or e}") from None
        # Read stderr all along (a chatty interpreter must not block on a full pipe), and
        # kill the interpreter if it has not answered in time.
        self.stderr: list[bytes] = []
        self.stderr_reader = threading.Thread(target=lambda: self.stderr.append(self.proc.stderr.read()), daemon=True)
        self.stderr_reader.start()
        self.timed_out = False
        self.timer = threading.Timer(DESCRIBE_TIMEOUT, self._time_out)
        self.timer.daemon = True
        self.timer.start()
        self.path: list[str] | None = None
        self.described: dict | None = None

    def sys_path(self) -> list[str]:
        if self.path is None:
            path = self._answer(self.proc.stdout.readline())
            if not isinstance(path, list) or not all(isinstance(entry, str) for entry in path):
                self._fail()
            self.path = path
        return self.path

    def facts(self) -> dict:
        if self.described is None:
            self.sys_path()
            described = self._answer(self.proc.stdout.read())
            if self.proc.wait() != 0 or not isinstance(described, dict):
                self._fail()
            described["sys_path"] = self.path
            self.described = described
        return self.described

    def __enter__(self) -> "InterpreterDescription":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stops the interpreter if it is still running (an error on this side)."""
        self.timer.cancel()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()
        self.stderr_reader.join()
        self.proc.stderr.close()

    def _time_out(self) -> None:
        self.timed_out = True
        self.proc.kill()

    def _answer(self, line: bytes) -> object:
        import json

        try:
            return json.loads(line)
        except ValueError:
            self._fail()

    def _fail(self) -> None:
        """Raises the SnapshotError that says why there was no usable answer."""
        self.proc.stdout.close()
        status = self.proc.wait()
        if self.timed_out:
            raise SnapshotError(f"{self.label}: gave no answer within {DESCRIBE_TIMEOUT:.0f} s")
        if status != 0:
            self.stderr_reader.join()
            text = b"".join(self.stderr).decode("utf-8", "replace")
            lines = [line for line in text.strip().splitlines() if line.strip()]
            last = lines[-1].strip() if lines else "no error output"
            raise SnapshotError(
                f"{self.label}: exited with status {status} ({last}); is it Python 3.8 or newer?"
            )
        raise SnapshotError(f"{self.label}: its answer was not the expected JSON; is it a Python interpreter?")


def _start(argv: list[str]):
    """``argv`` running with stdin from the null device and stdout and stderr piped, as a
    ``subprocess.Popen`` or, where ``os.posix_spawnp`` exists, a ``_Spawned`` (importing
    ``subprocess`` costs more than the spawn itself, and comes before the other
    interpreter can start)."""
    if not hasattr(os, "posix_spawnp"):
        import subprocess

        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return _Spawned(argv)


class _Spawned:
    """The part of ``subprocess.Popen`` used here: ``stdout``, ``stderr``, ``poll()``,
    ``wait()``, ``kill()``. Spawning errors are OSErrors, as with Popen. Unlike Popen it
    closes no inherited descriptor and resets no signal: Python opens its own descriptors
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
        if self.returncode is None:  # never a reaped pid, which may belong to another process now
            import signal

            os.kill(self.pid, signal.SIGKILL)
