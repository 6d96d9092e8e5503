"""What users already have, read as snapshots for ``diff`` and ``check``: ``pip inspect``
reports, ``pip list --format json`` / ``uv pip list --format json``, ``pip freeze`` output
and requirements files, and ``pylock.toml`` lock files (PEP 751).

A report of an installed environment (pip inspect) carries its interpreter's markers, so
its Python and platform are known. The others are *declared* environments: package names
and versions without an interpreter, files, variables or sys.path. Their snapshots say so
(``created_by.scanner == "declared"``): a comparison then compares packages only, and says
that it could not compare Python and platform.
"""

from __future__ import annotations

import json
import os
import re
import sys
from typing import Any

from genevars._probe import normalized_name

_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
# name[extras] == version ; markers   (what pip freeze and pinned requirements hold)
_PINNED = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?\s*"
    r"===?\s*(?P<version>[^\s;#\\]+)\s*(?:;[^#]*)?(?:\s#.*)?$"
)
_EGG_FRAGMENT = re.compile(r"[#&]egg=([A-Za-z0-9._-]+)")



def as_snapshot_text(text: str, source: str) -> str:
    """``text`` itself when it is (or may be) snapshot JSON, else the snapshot JSON of the
    report, listing, requirements or lock file it is. Raises SnapshotError when it is one
    of those formats but unusable."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("{"):
        try:
            value = json.loads(stripped)
        except ValueError:
            return text
        if isinstance(value, dict) and "schema" not in value and isinstance(value.get("installed"), list):
            return json.dumps(_from_pip_inspect(value, source))
        return text
    if stripped.startswith("["):
        try:
            value = json.loads(stripped)
        except ValueError:
            return text
        if isinstance(value, list) and value and all(isinstance(v, dict) and "name" in v and "version" in v for v in value):
            return json.dumps(_from_pip_list(value, source))
        return text
    name = os.path.basename(source).lower()
    if name.startswith("pylock") and name.endswith(".toml") or re.search(r"(?m)^\s*lock-version\s*=", stripped):
        return json.dumps(_from_pylock(stripped, source))
    if _looks_like_requirements(stripped):
        return json.dumps(_from_requirements(stripped, source))
    return text


def _looks_like_requirements(text: str) -> bool:
    lines = [ln.split(" #", 1)[0].strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    return bool(lines) and any(_PINNED.match(ln) for ln in lines) and all(
        _PINNED.match(ln) or ln.startswith("-") or " @ " in ln or _NAME.fullmatch(ln.split(";")[0].strip().split("[")[0]) is not None
        or re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*[<>=!~]", ln)
        for ln in lines
    )


# --------------------------------------------------------------------------- building


def _base(tool: str, scanner: str, source: str, markers: dict[str, Any] | None) -> dict[str, Any]:
    """A snapshot with no interpreter facts (unknown) unless ``markers`` give them."""
    from genevars import _probe
    from genevars._tree import apply

    facts = _probe._interpreter_facts()
    facts = apply(facts, [])  # nothing to infer from: Python and platform unknown
    for part in ("python", "platform"):
        facts[part]["inferred"]["from"] = f"nothing in {os.path.basename(source)}"
    if markers:
        facts = _with_markers(facts, markers, tool)
    return {
        "schema": _probe.SCHEMA,
        "created_by": {"tool": tool, "version": "", "scanner": scanner},
        "python": facts["python"],
        "platform": facts["platform"],
        "markers": facts["markers"],
        "cwd": "",
        "env": {},
        "sys_path": [],
        "packages": [],
        "unreadable": [],
        "genevars_version": None,
    }


def _with_markers(facts: dict[str, Any], markers: dict[str, Any], tool: str) -> dict[str, Any]:
    version = str(markers.get("python_full_version", ""))
    m = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", version)
    if m:
        major, minor, micro = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        implementation = str(markers.get("platform_python_implementation") or "CPython")
        facts["python"] = {
            "version": version,
            "version_info": {"major": major, "minor": minor, "micro": micro, "releaselevel": "final", "serial": 0},
            "implementation": implementation,
            "executable": "",
            "abi_tag": "cp%d%d" % (major, minor) if implementation == "CPython" else "",
        }
    system, machine = markers.get("platform_system"), markers.get("platform_machine")
    if system and machine:
        facts["platform"] = {
            "system": str(system), "release": str(markers.get("platform_release", "")),
            "machine": str(machine), "processor": "", "libc": None,
        }
    merged = dict(facts["markers"])
    merged.update({k: str(v) for k, v in markers.items() if k in merged})
    facts["markers"] = merged
    return facts


def _package(name: str, version: str, where: str, kind: str = "dist-info", **extra: Any) -> dict[str, Any]:
    package = {
        "name": normalized_name(name),
        "display_name": name,
        "version": version,
        "location": where,
        "metadata_path": extra.pop("metadata_path", where),
        "kind": kind,
        "installer": None,
        "direct_url": None,
        "requires_dist": [],
        "provides_extra": [],
        "requires_python": None,
    }
    package.update(extra)
    return package


def _add(snapshot: dict[str, Any], package: dict[str, Any]) -> None:
    for existing in snapshot["packages"]:
        if existing["name"] == package["name"]:
            existing.setdefault("shadowed", []).append(
                {k: package[k] for k in ("version", "location", "metadata_path")}
            )
            return
    snapshot["packages"].append(package)


def _finish(snapshot: dict[str, Any]) -> dict[str, Any]:
    snapshot["packages"].sort(key=lambda p: p["name"])
    return snapshot


def _invalid(source: str, what: str) -> Exception:
    from genevars._core import SnapshotError

    return SnapshotError(f"{source}: {what}")


def _direct_url(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        return None
    from genevars import _core, _probe

    parsed = _probe.parse_direct_url(json.dumps(value))
    if parsed is None:
        return None
    masked = _probe.mask_credentials(parsed["url"], _core.secret_rules())
    if masked is not None:
        parsed["url"] = masked
    return parsed


# --------------------------------------------------------------------------- formats


def _from_pip_inspect(report: dict[str, Any], source: str) -> dict[str, Any]:
    """``pip inspect``: every installed distribution with its metadata and origin."""
    environment = report.get("environment") if isinstance(report.get("environment"), dict) else None
    snapshot = _base("pip inspect", "pip-inspect", source, environment)
    for i, item in enumerate(report["installed"]):
        metadata = item.get("metadata") if isinstance(item, dict) else None
        if not isinstance(metadata, dict) or not metadata.get("name") or not metadata.get("version"):
            snapshot["unreadable"].append(
                {"path": f"{source} installed[{i}]", "reason": "has no metadata name and version"}
            )
            continue
        location = str(item.get("metadata_location") or "")
        kind = "egg-info" if location.endswith(".egg-info") else "dist-info"
        _add(snapshot, _package(
            str(metadata["name"]), str(metadata["version"]), os.path.dirname(location) or source, kind,
            metadata_path=location or source,
            installer=item.get("installer") or None,
            direct_url=_direct_url(item.get("direct_url")),
            requires_dist=[str(r) for r in metadata.get("requires_dist") or []],
            provides_extra=[str(r) for r in metadata.get("provides_extra") or []],
            requires_python=metadata.get("requires_python"),
        ))
    return _finish(snapshot)


def _from_pip_list(items: list[Any], source: str) -> dict[str, Any]:
    """``pip list --format json`` / ``uv pip list --format json``: names and versions, an
    editable's project directory where it has one."""
    snapshot = _base("pip list", "declared", source, None)
    for item in items:
        extra: dict[str, Any] = {}
        project = item.get("editable_project_location")
        if project:
            extra["direct_url"] = {"url": "file://" + str(project), "editable": True, "kind": "dir"}
        _add(snapshot, _package(str(item["name"]), str(item["version"]), source, **extra))
    return _finish(snapshot)


def _from_requirements(text: str, source: str) -> dict[str, Any]:
    """``pip freeze`` output or a requirements file: what is pinned to one version."""
    snapshot = _base("requirements", "declared", source, None)
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        m = _PINNED.match(line)
        if m:
            _add(snapshot, _package(m.group("name"), m.group("version"), source))
            continue
        if line.startswith("-") and not line.startswith(("-e", "--editable")):
            continue  # index and other global options
        direct = _direct_reference(line)
        if direct is not None:
            name, version, url = direct
            archive = {"url": _mask(url), "editable": False, "kind": "archive"}
            _add(snapshot, _package(name, version, source, direct_url=archive))
            continue
        egg = _EGG_FRAGMENT.search(line)
        shown = f"{source} line {number}"
        what = egg.group(1) if egg else line.split()[0] if " @ " not in line else line.split(" @ ")[0]
        snapshot["unreadable"].append({
            "path": shown,
            "reason": f"{_mask(what)} is not pinned to one version (==); not compared",
        })
    return _finish(snapshot)


def _direct_reference(line: str) -> tuple[str, str, str] | None:
    """``(name, version, url)`` of ``name @ URL`` when the URL names a wheel or sdist
    whose file name carries the version (what ``pip freeze`` writes for a file install)."""
    name, sep, rest = line.partition(" @ ")
    if not sep or not _NAME.fullmatch(name.strip().split("[")[0]):
        return None
    url = rest.split(";")[0].strip()
    file = url.split("#")[0].split("?")[0].rstrip("/").rsplit("/", 1)[-1]
    from urllib.parse import unquote

    file = unquote(file)
    if file.endswith(".whl"):
        parts = file[:-4].split("-")
        version = parts[1] if len(parts) >= 5 else None
    else:
        stem = next((file[: -len(ext)] for ext in (".tar.gz", ".zip") if file.endswith(ext)), None)
        prefix = stem and re.match(r"(.+?)-(\d[^-]*)$", stem)
        version = prefix.group(2) if prefix and normalized_name(prefix.group(1)) == normalized_name(name.strip()) else None
    if not version:
        return None
    return name.strip().split("[")[0], version, url


def _mask(text: str) -> str:
    from genevars import _core, _probe

    return _probe.mask_credentials(text, _core.secret_rules()) or text


def _from_pylock(text: str, source: str) -> dict[str, Any]:
    """``pylock.toml`` (PEP 751): each ``[[packages]]`` entry with its version."""
    if sys.version_info < (3, 11):
        raise _invalid(source, "reading pylock.toml needs Python 3.11 or later (tomllib)")
    import tomllib
    try:
        lock = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _invalid(source, f"not valid TOML: {exc}") from None
    version = str(lock.get("lock-version", ""))
    if not version.startswith("1"):
        raise _invalid(source, f"lock-version {version!r} is not one this build reads (1.x)")
    packages = lock.get("packages")
    if not isinstance(packages, list):
        raise _invalid(source, "has no [[packages]] array")
    snapshot = _base("pylock.toml", "declared", source, None)
    for i, entry in enumerate(packages):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            snapshot["unreadable"].append({"path": f"{source} packages[{i}]", "reason": "has no name"})
            continue
        name = entry["name"]
        if not isinstance(entry.get("version"), str):
            # PEP 751: directory and VCS sources may have no version.
            snapshot["unreadable"].append({
                "path": f"{source} packages[{i}] {name}",
                "reason": "has no version (a directory or VCS source); not compared",
            })
            continue
        if isinstance(entry.get("marker"), str):
            # The environment the lock describes has no interpreter to evaluate it with.
            snapshot["unreadable"].append({
                "path": f"{source} packages[{i}] {name}",
                "reason": f"applies only where {entry['marker']!r} holds; not compared",
            })
            continue
        extra: dict[str, Any] = {}
        directory = entry.get("directory")
        if isinstance(directory, dict) and isinstance(directory.get("path"), str):
            extra["direct_url"] = {
                "url": "file://" + directory["path"],
                "editable": directory.get("editable") is True,
                "kind": "dir",
            }
        _add(snapshot, _package(name, entry["version"], source, **extra))
    return _finish(snapshot)
