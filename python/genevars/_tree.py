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
            version = _most_common(self.path_versions)
            return version, "path lib/python%d.%d" % version
        if self.tag_versions:
            version = _most_common(self.tag_versions)
            return version, "ABI tags cp%d%d" % version
        return None

    def platform(self) -> tuple[tuple[str, str], str] | None:
        if not self.platforms:
            return None
        return _most_common(self.platforms), "ABI tags of compiled modules"


def _most_common(counts: Counter[Any]) -> Any:
    """The key counted most, the first met among equals: ``counts.most_common(1)``'s,
    without the heapq import that costs."""
    return max(counts.items(), key=lambda item: item[1])[0]


def infer(paths: Iterable[str]) -> TreeFacts:
    """Looks at each path and at what its top level holds: extension modules and WHEEL
    files, read natively until the evidence is plain (``_core.tree_evidence``)."""
    from genevars import _core

    paths = list(paths)
    facts = TreeFacts()
    absolute = [os.path.abspath(path).replace(os.sep, "/") for path in paths]
    for kind, first, second in _core.tree_evidence(paths, absolute):
        if kind == "platform":
            facts.platforms[(str(first), str(second))] += 1
        elif kind == "tag":
            facts.tag_versions[(int(first), int(second))] += 1
        else:
            facts.path_versions[(int(first), int(second))] += 1
            if kind == "pypy":
                facts.implementation = "PyPy"
    return facts


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
    from genevars import _core

    value = text.strip()
    wheel = _core.wheel_platform(value.replace("-", "_").replace(".", "_"))
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
