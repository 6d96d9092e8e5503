"""Reading the files a user names and writing what genevars prints.

Every file a command or the API is given by path (snapshots, manifests, rules,
requirements and conda files, ``--runtime-env @FILE``, ``check --pins @FILE``) is read
by :func:`read_input`: one bounded reader (``_core.read_input``) that refuses FIFOs,
devices and directories without blocking, reads at most the kind's limit, accepts a
UTF-8 byte-order mark, calls a binary file binary and a symlink loop a symlink loop, and
names the file in its one-line error. The limits are :data:`LIMITS`.

Every text genevars prints that carries data read from a node, a snapshot or package
metadata goes through :func:`shown`, which writes control characters (ESC sequences,
``\\r``, a newline inside a value), line separators and bidi controls as visible escapes,
as the native text report does.
"""

from __future__ import annotations

import os

from genevars import _core

#: Size limit per kind of input file, in MiB (a larger file is refused, naming the limit).
LIMITS = {
    "snapshot": 1024,
    "manifest": 16,
    "runtime_env": 32,
    "rules": 16,
    "requirements": 16,
    "conda": 16,
}


def read_input(path: str | os.PathLike[str], kind: str) -> str:
    """The text of the file at ``path`` read as ``kind`` (a key of :data:`LIMITS`).

    Raises the kind's :class:`genevars.GenevarsError` subclass (``SnapshotError`` for a
    snapshot, ``ManifestError`` for a manifest, requirements or conda file, ``RuleError``
    for rules) with one line naming the file and what is wrong with it.
    """
    return _core.read_input(os.fspath(path), kind)


def shown(text: str) -> str:
    """``text`` safe to print: every line's control characters written as escapes
    (``\\x1b``, ``\\r``, ``\\u202e``); the newlines between lines are kept."""
    return "\n".join(_core.escape_controls(line) for line in text.split("\n"))


def shown_line(text: str) -> str:
    """``text`` as one printable line: its newlines are escaped too."""
    return _core.escape_controls(text)
