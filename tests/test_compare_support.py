"""Snapshot dicts for the comparison, report and CLI tests (no tests of its own).

They follow the ``genevars.snapshot/1`` contract (src/snapshot/model.rs) field for field,
so the tests do not depend on the scanner.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

SITE = "/venv/lib/python3.11/site-packages"


def package(name: str, version: str, location: str = SITE, **extra: Any) -> dict[str, Any]:
    pkg = {
        "name": name,
        "display_name": name,
        "version": version,
        "location": location,
        "metadata_path": f"{location}/{name.replace('-', '_')}-{version}.dist-info",
        "kind": "dist-info",
        "installer": "pip",
        "direct_url": None,
        "requires_dist": [],
        "provides_extra": [],
        "requires_python": None,
    }
    pkg.update(extra)
    return pkg


def snapshot(
    packages: dict[str, str] | None = None,
    env: dict[str, Any] | None = None,
    *,
    python: tuple[int, int, int] = (3, 11, 9),
    system: str = "Linux",
    machine: str = "x86_64",
    sys_path: list[str] | None = None,
    origin: dict[str, Any] | None = None,
    genevars_version: str | None = None,
) -> dict[str, Any]:
    major, minor, micro = python
    dotted = f"{major}.{minor}.{micro}"
    snap = {
        "schema": "genevars.snapshot/1",
        "created_by": {"tool": "genevars", "version": "0.1.0", "scanner": "python"},
        "python": {
            "version": f"{dotted} (main, Apr 19 2024, 16:48:06) [GCC 11.2.0]",
            "version_info": {"major": major, "minor": minor, "micro": micro, "releaselevel": "final", "serial": 0},
            "implementation": "CPython",
            "executable": "/venv/bin/python",
            "abi_tag": f"cp{major}{minor}",
        },
        "platform": {
            "system": system,
            "release": "5.15.0",
            "machine": machine,
            "processor": machine,
            "libc": {"family": "glibc", "version": "2.35"} if system == "Linux" else None,
        },
        "markers": {
            "implementation_name": "cpython",
            "implementation_version": dotted,
            "os_name": "posix",
            "platform_machine": machine,
            "platform_python_implementation": "CPython",
            "platform_release": "5.15.0",
            "platform_system": system,
            "platform_version": "#1 SMP",
            "python_full_version": dotted,
            "python_version": f"{major}.{minor}",
            "sys_platform": "linux" if system == "Linux" else system.lower(),
        },
        "cwd": "/work",
        "env": dict(env or {}),
        "sys_path": list(sys_path if sys_path is not None else ["/usr/lib/python3.11", SITE]),
        "packages": [package(n, v) for n, v in (packages or {}).items()],
        "unreadable": [],
        "genevars_version": genevars_version,
    }
    if origin is not None:
        snap["origin"] = origin
    return snap


def withheld(fingerprint: str | None = None, display: str | None = None, why: str = "secret") -> dict[str, Any]:
    return {"withheld": why, "fingerprint": fingerprint, "display": display}


def variant(snap: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy with top-level keys replaced."""
    out = copy.deepcopy(snap)
    out.update(changes)
    return out


def write(path: Path, snap: dict[str, Any]) -> Path:
    path.write_text(json.dumps(snap, indent=2), encoding="utf-8")
    return path


LOCAL = snapshot(
    {"numpy": "1.26.4", "attrs": "23.2.0", "pandas": "2.3.3", "my-custom-package": "1.0", "six": "5.0"},
    {"HOME": "/home/me", "AWS_ACCESS_KEY_ID": withheld(), "CONDA_PREFIX": "/opt/conda", "MY_SETTING": "a"},
)
REMOTE = snapshot(
    {"numpy": "2.2.6", "attrs": "24.2.0", "pandas": "2.3.3", "kuberay-client": "1.1", "six": "5.0.0"},
    {"HOME": "/home/ray", "RAY_JOB_ID": "01000000", "OMP_NUM_THREADS": "1", "MY_SETTING": "b", "KUBERNETES_SERVICE_HOST": "10.0.0.1"},
    sys_path=["/usr/lib/python3.11", SITE, f"{SITE}/ray/thirdparty_files"],
)
