"""Real installs made by the tests themselves: wheels written here (no index, no build
backend), temporary venvs, and pip / setuptools run in them for real."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import venv
import zipfile
from pathlib import Path
from typing import Dict, List, Optional

PIP_FLAGS = ["--disable-pip-version-check", "--no-input", "-q", "--no-index"]


def make_wheel(
    out_dir: Path,
    name: str,
    version: str,
    files: Dict[str, str],
    *,
    extra_metadata: str = "",
    tag: str = "py3-none-any",
    top_level: bool = True,
) -> Path:
    """A valid wheel (METADATA, WHEEL, RECORD with hashes) holding ``files``."""
    dist = name.replace("-", "_")
    path = out_dir / f"{dist}-{version}-{tag}.whl"
    info = f"{dist}-{version}.dist-info"
    entries = dict(files)
    entries[f"{info}/METADATA"] = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{extra_metadata}\n"
    entries[f"{info}/WHEEL"] = f"Wheel-Version: 1.0\nGenerator: genevars-tests\nRoot-Is-Purelib: true\nTag: {tag}\n"
    top = sorted({f.split("/")[0] for f in files if "/" in f})
    if top_level:
        entries[f"{info}/top_level.txt"] = "".join(t + "\n" for t in top)
    record = []
    for entry, content in entries.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(content.encode()).digest()).rstrip(b"=")
        record.append(f"{entry},sha256={digest.decode()},{len(content.encode())}")
    record.append(f"{info}/RECORD,,")
    entries[f"{info}/RECORD"] = "\n".join(record) + "\n"
    out_dir.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry, content in entries.items():
            archive.writestr(entry, content)
    return path


def run(args: List[str], cwd: Optional[Path] = None, env: Optional[Dict[str, str]] = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env
    )
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def pip(python: Path, *args: str) -> str:
    return run([python, "-m", "pip", *args[:1], *PIP_FLAGS, *args[1:]])


def make_venv(root: Path) -> Path:
    """A venv with pip (and, where ensurepip brings it, setuptools); its python."""
    venv.EnvBuilder(with_pip=True).create(root)
    return root / "bin" / "python"


def site_packages(python: Path) -> Path:
    out = run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    return Path(out.strip())


def sys_path_of(python: Path, cwd: Path, env: Optional[Dict[str, str]] = None) -> List[str]:
    """The interpreter's own sys.path, .pth files processed (run from ``cwd``)."""
    out = run([python, "-c", "import json, sys; print(json.dumps(sys.path))"], cwd=cwd, env=env)
    import json

    return [p for p in json.loads(out)]


def setuptools_version(python: Path) -> Optional[tuple]:
    done = subprocess.run(
        [str(python), "-c", "import setuptools; print(setuptools.__version__)"],
        capture_output=True, text=True, timeout=120,
    )
    if done.returncode != 0:
        return None
    return tuple(int(p) for p in done.stdout.strip().split(".")[:2] if p.isdigit())


def clean_env() -> Dict[str, str]:
    """This process's environment without what would leak its own venv into another."""
    env = dict(os.environ)
    for name in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "PYTHONNOUSERSITE"):
        env.pop(name, None)
    env["PYTHONNOUSERSITE"] = "1"
    return env
