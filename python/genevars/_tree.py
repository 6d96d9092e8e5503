"""The Python and platform of a tree scanned without its interpreter (``snapshot --path``).

A mounted image's ``/usr/lib/python3.12/site-packages`` says its Python in its path; its
compiled extension modules (``_cffi_backend.cpython-312-x86_64-linux-gnu.so``) and the
``Tag:`` lines of its wheels' WHEEL files (``cp312-cp312-manylinux_2_17_x86_64``) say the
Python and the platform they were built for. What nothing says is recorded as unknown,
never as the scanning interpreter's.
"""

from __future__ import annotations

import os
import re
from collections import Counter

# Not `typing.TYPE_CHECKING`: importing typing costs `genevars snapshot --path` a few ms.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Iterable

_PATH_PYTHON = re.compile(r"(?:^|/)lib(?:64)?/(python|pypy)(\d+)\.(\d+)t?(?:/|$)")
# name.cpython-312-x86_64-linux-gnu.so, name.cpython-313t-darwin.so, name.cp312-win_amd64.pyd
_EXTENSION = re.compile(
    r"\.(?:cpython-(\d)(\d+)t?(?:d)?-(?:([a-z0-9_]+)-([a-z]+)(?:-([a-z0-9]+))?|(darwin))\.so"
    r"|cp(\d)(\d+)-(win32|win_amd64|win_arm64)\.pyd)$"
)
_INTERPRETER_TAG = re.compile(r"^cp(\d)(\d+)$")
_WHEEL_LIMIT = 64 * 1024
# Evidence enough: a few agreeing tags settle it; reading on costs time, not certainty.
_ENOUGH = 3


class TreeFacts:
    """What the evidence says: Python ``(major, minor)`` and platform ``(system, machine)``
    with the evidence in words, each ``None`` when nothing told it."""

    def __init__(self) -> None:
        self.path_versions: Counter[tuple[int, int]] = Counter()
        self.tag_versions: Counter[tuple[int, int]] = Counter()
        self.platforms: Counter[tuple[str, str]] = Counter()
        self.implementation = "CPython"

    def python(self) -> tuple[tuple[int, int], str] | None:
        if self.path_versions:
            (version, _), = self.path_versions.most_common(1)
            return version, "path lib/python%d.%d" % version
        if self.tag_versions:
            (version, _), = self.tag_versions.most_common(1)
            return version, "ABI tags cp%d%d" % version
        return None

    def platform(self) -> tuple[tuple[str, str], str] | None:
        if not self.platforms:
            return None
        (platform, _), = self.platforms.most_common(1)
        return platform, "ABI tags of compiled modules"

    def enough(self) -> bool:
        known = self.path_versions or sum(self.tag_versions.values()) >= _ENOUGH
        return bool(known) and sum(self.platforms.values()) >= _ENOUGH


def _system_and_machine(os_part: str, machine: str) -> tuple[str, str] | None:
    if os_part == "linux":
        return "Linux", machine
    if os_part == "darwin":
        return "Darwin", machine
    return None


def _wheel_platform(tag: str) -> tuple[str, str] | None:
    """(system, machine) of a wheel platform tag, or None for ``any``."""
    if tag == "any":
        return None
    m = re.match(r"^(?:many|musl)linux_\d+_\d+_(.+)$|^manylinux\d+_(.+)$|^linux_(.+)$", tag)
    if m:
        return "Linux", next(g for g in m.groups() if g)
    m = re.match(r"^macosx_\d+_\d+_(.+)$", tag)
    if m:
        machine = m.group(1)
        return ("Darwin", machine) if machine in ("x86_64", "arm64") else None
    windows = {"win_amd64": "AMD64", "win32": "x86", "win_arm64": "ARM64"}
    if tag in windows:
        return "Windows", windows[tag]
    return None


def infer(paths: Iterable[str]) -> TreeFacts:
    """Looks at each path and at what its top level holds: extension modules and WHEEL
    files (one small read each, until the evidence is plain)."""
    facts = TreeFacts()
    for path in paths:
        absolute = os.path.abspath(path).replace(os.sep, "/")
        m = _PATH_PYTHON.search(absolute)
        if m:
            facts.path_versions[(int(m.group(2)), int(m.group(3)))] += 1
            if m.group(1) == "pypy":
                facts.implementation = "PyPy"
    for path in paths:
        try:
            names = sorted(os.listdir(path or "."))
        except OSError:
            continue
        for name in names:
            if facts.enough():
                return facts
            if name.endswith((".so", ".pyd")):
                _extension(facts, name)
            elif name.endswith(".dist-info"):
                _wheel(facts, os.path.join(path, name, "WHEEL"))
    return facts


def _extension(facts: TreeFacts, name: str) -> None:
    m = _EXTENSION.search(name)
    if not m:
        return
    if m.group(1):
        facts.tag_versions[(int(m.group(1)), int(m.group(2)))] += 1
        if m.group(6):
            return  # macOS: no machine in the name (universal builds)
        machine, os_part = m.group(3), m.group(4)
        platform = _system_and_machine(os_part, machine)
        if platform:
            facts.platforms[platform] += 1
    else:
        facts.tag_versions[(int(m.group(7)), int(m.group(8)))] += 1
        platform = _wheel_platform(m.group(9))
        if platform:  # not `any`: a None key would be taken for the tree's platform
            facts.platforms[platform] += 1


def _wheel(facts: TreeFacts, path: str) -> None:
    # os.read, not a file object: a tree of pure wheels has a WHEEL read per distribution,
    # and this halves their cost. O_NONBLOCK: a FIFO posing as WHEEL cannot block.
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            text = os.read(fd, _WHEEL_LIMIT).decode("utf-8", "replace")
        finally:
            os.close(fd)
    except OSError:
        return
    for line in text.splitlines():
        if not line.lower().startswith("tag:"):
            continue
        parts = line.split(":", 1)[1].strip().split("-")
        if len(parts) != 3:
            continue
        interpreter, _abi, platforms = parts
        m = _INTERPRETER_TAG.match(interpreter)
        if m:
            facts.tag_versions[(int(m.group(1)), int(m.group(2)))] += 1
        for tag in platforms.split("."):
            platform = _wheel_platform(tag)
            if platform:
                facts.platforms[platform] += 1
                break


def parse_python_version(text: str) -> tuple[int, int, int | None]:
    """``3.12`` or ``3.12.4`` as ``(major, minor, micro or None)``; ValueError otherwise."""
    m = re.fullmatch(r"(\d+)\.(\d+)(?:\.(\d+))?", text.strip())
    if not m:
        raise ValueError(f"--python-version {text!r}: give it as 3.12 or 3.12.4")
    micro = int(m.group(3)) if m.group(3) is not None else None
    return int(m.group(1)), int(m.group(2)), micro


def parse_platform(text: str) -> tuple[str, str]:
    """``linux-x86_64``, ``macosx-11.0-arm64``, ``win-amd64`` (sysconfig.get_platform()'s
    form) or a wheel tag (``manylinux_2_17_x86_64``) as ``(system, machine)``."""
    value = text.strip()
    wheel = _wheel_platform(value.replace("-", "_").replace(".", "_"))
    if wheel:
        return wheel
    parts = value.split("-")
    systems = {"linux": "Linux", "macosx": "Darwin", "darwin": "Darwin", "win": "Windows"}
    if len(parts) >= 2 and parts[0].lower() in systems and parts[-1]:
        machine = parts[-1]
        if parts[0].lower() == "win":
            machine = {"amd64": "AMD64", "arm64": "ARM64", "32": "x86"}.get(machine.lower(), machine)
        return systems[parts[0].lower()], machine
    raise ValueError(
        f"--platform {text!r}: give it as linux-x86_64, macosx-11.0-arm64, win-amd64 "
        "or a wheel platform tag"
    )


class TreeOptions:
    """What the user said about a ``--path`` tree (checked at once: ValueError)."""

    def __init__(self, python_version: str | None = None, platform: str | None = None) -> None:
        if python_version:
            parse_python_version(python_version)
        if platform:
            parse_platform(platform)
        self.python_version = python_version
        self.platform = platform


_SYS_PLATFORM = {"Linux": ("linux", "posix"), "Darwin": ("darwin", "posix"), "Windows": ("win32", "nt")}


def apply(facts: dict[str, Any], paths: list[Any], python_version: str | None = None, platform: str | None = None) -> dict[str, Any]:
    """``facts`` (python, platform, markers as ``describe()`` gives them) rewritten to be
    the tree's: from ``--python-version`` / ``--platform`` where given, else inferred from
    ``paths``, else unknown. Raises ValueError for a malformed option."""
    told_version = parse_python_version(python_version) if python_version else None
    told_platform = parse_platform(platform) if platform else None
    tree = infer(paths) if told_version is None or told_platform is None else TreeFacts()
    facts = dict(facts)
    markers = dict(facts["markers"])
    if told_version is not None:
        major, minor, micro = told_version
        from_ = "--python-version"
        implementation = "CPython"
    else:
        found = tree.python()
        major, minor, micro = (found[0] + (None,)) if found else (0, 0, None)
        from_ = found[1] if found else "nothing in the tree"
        implementation = tree.implementation if found else "unknown"
    known = told_version is not None or tree.python() is not None
    dotted = "%d.%d" % (major, minor) + ("" if micro is None else ".%d" % micro)
    facts["python"] = {
        "version": dotted if known else "unknown",
        "version_info": {
            "major": major, "minor": minor, "micro": micro or 0,
            "releaselevel": "final", "serial": 0,
        },
        "implementation": implementation,
        "executable": "",
        "abi_tag": "cp%d%d" % (major, minor) if known and implementation == "CPython" else "",
        "inferred": {"from": from_, "known": known},
    }
    # Unknown: the markers keep this interpreter's Python fields, which only requirement
    # markers read; the python record itself says unknown and comparisons say so.
    if known:
        markers["python_version"] = "%d.%d" % (major, minor)
        markers["python_full_version"] = dotted
        markers["platform_python_implementation"] = implementation
        markers["implementation_name"] = implementation.lower()
        markers["implementation_version"] = dotted
    if told_platform is not None:
        (system, machine), pfrom = told_platform, "--platform"
    else:
        found_platform = tree.platform()
        (system, machine), pfrom = found_platform or (("unknown", "unknown"), "nothing in the tree")
    pknown = system != "unknown"
    facts["platform"] = {
        "system": system, "release": "", "machine": machine, "processor": "", "libc": None,
        "inferred": {"from": pfrom, "known": pknown},
    }
    if pknown:
        sys_platform, os_name = _SYS_PLATFORM[system]
        markers.update(
            platform_system=system, platform_machine=machine, sys_platform=sys_platform,
            os_name=os_name, platform_release="", platform_version="",
        )
    facts["markers"] = markers
    conda = _tree_conda(paths)
    if conda:
        facts["conda"] = conda
    else:
        facts.pop("conda", None)
    return facts


def _tree_conda(paths: list[Any]) -> list[Any]:
    """The conda packages of the prefix a tree belongs to (``PREFIX/lib/pythonX.Y/
    site-packages`` or ``PREFIX/Lib/site-packages``), never this interpreter's."""
    from genevars._probe import conda_packages

    for path in paths:
        folder = os.path.abspath(path)
        for _ in range(4):
            if os.path.isdir(os.path.join(folder, "conda-meta")):
                return conda_packages(folder)
            folder = os.path.dirname(folder)
    return []
