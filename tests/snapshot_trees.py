"""Builders of installed-distribution trees for the scanner, probe and snapshot tests,
and the two scanners side by side (native Rust and the stdlib probe's)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

from genevars import _core, _probe


def write(path: Path, content: "str | bytes") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def metadata(name: str, version: str, extra: str = "", body: str = "A long description.\n") -> str:
    return f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{extra}\n{body}"


def dist_info(
    site: Path,
    name: str,
    version: str,
    *,
    extra: str = "",
    installer: Optional[str] = "pip",
    direct_url: Optional[Dict[str, Any]] = None,
) -> Path:
    """A ``<name>-<version>.dist-info`` directory with METADATA (and INSTALLER)."""
    directory = site / f"{name.replace('-', '_')}-{version}.dist-info"
    write(directory / "METADATA", metadata(name, version, extra))
    if installer is not None:
        write(directory / "INSTALLER", installer + "\n")
    if direct_url is not None:
        write(directory / "direct_url.json", json.dumps(direct_url))
    return directory


def native_scan(paths: Sequence["str | Path"]) -> Dict[str, Any]:
    return _core.scan_paths([str(p) for p in paths])


def python_scan(paths: Sequence["str | Path"]) -> Dict[str, Any]:
    return _probe.scan_paths([str(p) for p in paths], _core.secret_rules())


SCANNERS: Dict[str, Callable[[Sequence["str | Path"]], Dict[str, Any]]] = {
    "native": native_scan,
    "python": python_scan,
}


def reasons(result: Dict[str, Any]) -> List[tuple]:
    return [(u["path"], u["reason"]) for u in result["unreadable"]]


def by_name(result: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    return {p["name"]: p for p in result["packages"]}


def package_view(result: Dict[str, Any]) -> Dict[str, tuple]:
    """What must agree between scanners: name, version, location, shadowed copies."""
    return {
        p["name"]: (
            p["version"],
            p["location"],
            tuple((s["version"], s["location"]) for s in p.get("shadowed", [])),
        )
        for p in result["packages"]
    }


def environ_without(*names: str) -> Dict[str, str]:
    env = dict(os.environ)
    for name in names:
        env.pop(name, None)
    return env
