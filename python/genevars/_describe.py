"""What ``genevars snapshot --python EXE`` runs in the other interpreter: it describes itself.

``_interpreter`` starts ``EXE -c BOOTSTRAP THIS_FILE PROBE_FILE`` (no flag of ours, the
caller's environment, so that the sys.path reported is the one EXE really has); the
bootstrap loads this file from its cached bytecode and calls ``main(PROBE_FILE)``. Every
answer is one line of JSON on stdout, tagged with ``result`` and ``kind``:

- ``{"result": "ok", "kind": "sys_path", "sys_path": [...]}`` first, before anything is
  imported, so that the asking side scans while the rest is worked out;
- ``{"result": "ok", "kind": "description", "description": {...}}``: the probe's
  ``describe()`` (python, platform, markers, genevars version);
- ``{"result": "ok", "kind": "witness", "files": [...]}``: the files whose state decided
  that sys.path, for the asking side's cache of descriptions;

or, in place of the next one, an error, after which nothing follows:

- ``{"result": "error", "kind": "unsupported_python", "python_version": "3.7.17"}``;
- ``{"result": "error", "kind": "describe_failed", "exception": "OSError",
  "message": "..."}``: the probe raised.

Known errors exit with status 0, as uv's ``get_interpreter_info.py`` does: a non-zero
status means the interpreter itself failed. Stdlib only, and no syntax newer than Python
3.0, so that an old interpreter gets as far as saying it is too old.
"""

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:  # type comments keep the syntax Python 3.0's; typing is imported for them only
    from typing import Any, Dict, List

#: The oldest Python the probe runs on.
MINIMUM = (3, 8)


def main(probe_file):
    # type: (str) -> None
    # A process this short needs no cycle collector.
    import gc

    gc.disable()
    if sys.version_info[:2] < MINIMUM:
        version = "%d.%d.%d" % tuple(sys.version_info[:3])
        return _answer_json('"result": "error", "kind": "unsupported_python", "python_version": "%s"' % version)
    try:
        from _json import encode_basestring_ascii as quote
    except ImportError:
        from json.encoder import encode_basestring_ascii as quote
    path = ", ".join(quote(_text(entry)) for entry in sys.path if isinstance(entry, str))
    _answer_json('"result": "ok", "kind": "sys_path", "sys_path": [%s]' % path)

    import json

    try:
        description = _load_probe(probe_file).describe()
    except Exception as e:  # the probe's failure is an answer, not a traceback
        return _answer(json, {"result": "error", "kind": "describe_failed",
                              "exception": type(e).__name__, "message": _text(str(e))})
    _answer(json, {"result": "ok", "kind": "description", "description": description})
    _answer(json, {"result": "ok", "kind": "witness", "files": [_text(f) for f in _witness()]})


def _answer_json(members):
    # type: (str) -> None
    sys.stdout.write("{" + members + "}\n")
    sys.stdout.flush()


def _answer(json, answer):
    # type: (Any, Dict[str, Any]) -> None
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()


def _text(entry):
    # type: (str) -> str
    """``entry`` as UTF-8 can carry it (the probe's ``_text``, needed before it is loaded)."""
    try:
        entry.encode("utf-8")
        return entry
    except UnicodeEncodeError:
        return entry.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _load_probe(probe_file):
    # type: (str) -> Any
    """The probe, from its cached bytecode (running it as a script would compile it every
    time), without writing bytecode into genevars' installation."""
    from importlib.machinery import SourceFileLoader

    sys.dont_write_bytecode = True
    probe = type(sys)("_genevars_probe")
    probe.__file__ = probe_file
    SourceFileLoader(probe.__name__, probe_file).exec_module(probe)
    return probe


def _witness():
    # type: () -> List[str]
    """The site directories and the .pth files in them, with the directories those name
    even when missing (site skips a missing one, which may appear later), sitecustomize,
    usercustomize and genevars' native module."""
    import os
    import site

    files = []
    dirs = list(getattr(site, "getsitepackages", lambda: [])())
    if site.ENABLE_USER_SITE:
        dirs.append(site.getusersitepackages())
    for directory in dirs:
        files.append(directory)
        try:
            names = sorted(name for name in os.listdir(directory) if name.endswith(".pth"))
        except OSError:
            continue
        for name in names:
            pth = os.path.join(directory, name)
            files.append(pth)
            try:
                with open(pth, "rb") as f:
                    lines = f.read().decode("utf-8", "replace").splitlines()
            except OSError:
                continue
            for line in lines:
                line = line.rstrip()
                if line and not line.startswith(("#", "import ", "import\t")):
                    files.append(os.path.abspath(os.path.join(directory, line)))
    for name in ("sitecustomize", "usercustomize", "genevars._core"):
        path = getattr(sys.modules.get(name), "__file__", None)
        if path:
            files.append(path)
    return files
