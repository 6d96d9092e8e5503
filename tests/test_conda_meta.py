"""conda-meta/*.json: the packages of a conda prefix, Python or not, compared between
environments (ffmpeg, cudatoolkit, libstdcxx-ng). The prefixes are built in the format
conda documents for its package records: conda-meta/NAME-VERSION-BUILD.json."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from genevars import Snapshot, compare_snapshots
from snapshot_trees import dist_info


def record(prefix: Path, name: str, version: str, build: str, build_number: int = 0) -> None:
    """A package record as conda writes it (the fields of its PrefixRecord)."""
    meta = prefix / "conda-meta"
    meta.mkdir(parents=True, exist_ok=True)
    (meta / f"{name}-{version}-{build}.json").write_text(json.dumps({
        "name": name, "version": version, "build": build, "build_number": build_number,
        "channel": "https://conda.anaconda.org/conda-forge/linux-64",
        "subdir": "linux-64", "fn": f"{name}-{version}-{build}.conda",
        "url": f"https://conda.anaconda.org/conda-forge/linux-64/{name}-{version}-{build}.conda",
        "md5": "0" * 32, "depends": [], "files": [f"lib/lib{name}.so"],
        "paths_data": {"paths": [], "paths_version": 1},
        "requested_spec": name, "license": "LGPL",
    }))
    (meta / "history").write_text("==> 2024-01-01 <==\n")


def prefix(root: Path, packages: list) -> Path:
    for p in packages:
        record(root, *p)
    site = root / "lib" / "python3.11" / "site-packages"
    dist_info(site, "numpy", "1.26.4", installer="conda")
    return site


def snapshot(tmp_path: Path, site: Path) -> dict:
    out = tmp_path / f"{site.parts[-4]}.json"
    proc = subprocess.run([sys.executable, "-m", "genevars", "snapshot", "--path", str(site), "-o", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(out.read_text())


def test_conda_packages_are_read_and_compared(tmp_path: Path) -> None:
    local = snapshot(tmp_path, prefix(tmp_path / "envA", [
        ("ffmpeg", "6.1.1", "gpl_h0b1bd2e_110"), ("cudatoolkit", "11.8.0", "h4ba93d1_13"),
        ("libstdcxx-ng", "13.2.0", "h7e041cc_5"), ("numpy", "1.26.4", "py311h64a7726_0"),
        ("sox", "14.4.2", "h3ec6a3c_1"),
    ]))
    remote = snapshot(tmp_path, prefix(tmp_path / "envB", [
        ("ffmpeg", "4.4.2", "gpl_hdf48244_113"), ("cudatoolkit", "11.8.0", "h4ba93d1_13"),
        ("libstdcxx-ng", "13.2.0", "h7e041cc_6"), ("numpy", "1.26.4", "py311h64a7726_0"),
    ]))
    assert {c["name"] for c in local["conda"]} == {"ffmpeg", "cudatoolkit", "libstdcxx-ng", "numpy", "sox"}
    assert Snapshot.from_dict(local).to_dict()["conda"] == local["conda"], "valid snapshot JSON"
    result = compare_snapshots(local, remote)
    got = {(f["subject"], f["code"]): (f["local"], f["remote"], f["severity"])
           for f in result.to_dict()["findings"] if f["code"].startswith("conda.")}
    assert got == {
        ("ffmpeg", "conda.version"): ("6.1.1 (gpl_h0b1bd2e_110)", "4.4.2 (gpl_hdf48244_113)", "warning"),
        ("libstdcxx-ng", "conda.version"): ("13.2.0 (h7e041cc_5)", "13.2.0 (h7e041cc_6)", "warning"),
        ("sox", "conda.only_local"): ("14.4.2 (h3ec6a3c_1)", None, "warning"),
    }, "numpy is a Python package: compared as one, not twice"
    fix = result.fix_manifest("fix")
    assert fix.build().pip == ()
    assert any("conda install ffmpeg=6.1.1" in a for a in fix.advice)


def test_no_conda_meta_no_conda_packages(tmp_path: Path) -> None:
    site = tmp_path / "plain" / "lib" / "python3.11" / "site-packages"
    dist_info(site, "six", "1.16.0")
    snap = snapshot(tmp_path, site)
    assert "conda" not in snap


def test_another_interpreters_conda_prefix_is_read_at_every_snapshot(tmp_path: Path) -> None:
    """--python: the packages of the interpreter's own prefix, never a cached list."""
    import os

    import genevars

    env = tmp_path / "condaenv"
    (env / "bin").mkdir(parents=True)
    os.symlink(os.path.realpath(sys.executable), env / "bin" / "python")
    record(env, "ffmpeg", "6.1.1", "h1")
    first = genevars.snapshot_env(python=str(env / "bin" / "python")).to_dict()
    record(env, "sox", "14.4.2", "h2")
    second = genevars.snapshot_env(python=str(env / "bin" / "python")).to_dict()
    assert [c["name"] for c in first["conda"]] == ["ffmpeg"]
    assert [c["name"] for c in second["conda"]] == ["ffmpeg", "sox"], "read again, not cached"
