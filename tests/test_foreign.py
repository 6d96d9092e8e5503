"""What users already have, read as snapshots by `diff` and `check`: pip inspect reports,
pip list / uv pip list JSON, pip freeze and requirements files, and pylock.toml (PEP 751).
The pip outputs are real, from a venv the test fills from wheels it writes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import genevars
from genevars import Snapshot, compare_snapshots
from real_installs import make_venv, make_wheel, pip, run
from snapshot_trees import dist_info

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def filled_venv(tmp_path_factory):
    root = tmp_path_factory.mktemp("foreign")
    python = make_venv(root / "env")
    wheels = root / "wheels"
    pip(python, "install", str(make_wheel(wheels, "numpy-fake", "1.26.4", {"numpy_fake/__init__.py": ""})),
        str(make_wheel(wheels, "Attrs_Fake", "23.2.0", {"attrs_fake/__init__.py": ""},
                       extra_metadata="Requires-Dist: numpy-fake>=1.20\n")))
    outputs = {
        "inspect.json": run([python, "-m", "pip", "inspect"]),
        "list.json": run([python, "-m", "pip", "list", "--format", "json"]),
        "freeze.txt": run([python, "-m", "pip", "freeze", "--all"]),
    }
    for name, text in outputs.items():
        (root / name).write_text(text, encoding="utf-8")
    snap = genevars.snapshot_env(python=str(python))
    return root, snap


@pytest.mark.parametrize("name, scanner", [
    ("inspect.json", "pip-inspect"), ("list.json", "declared"), ("freeze.txt", "declared"),
])
def test_real_pip_outputs_read_as_the_environment_they_describe(filled_venv, name, scanner) -> None:
    root, snap = filled_venv
    read = Snapshot.load(root / name)
    assert read.created_by["scanner"] == scanner
    assert read.packages == snap.packages, "the same names and versions as a scan of the venv"
    result = compare_snapshots(snap, root / name)
    package_findings = [f for f in result.to_dict()["findings"] if f["category"] in ("package", "env", "sys_path")]
    assert package_findings == [], "no variables or sys.path are invented for a listing"


def test_pip_inspect_knows_its_python_and_requirements(filled_venv) -> None:
    root, snap = filled_venv
    read = Snapshot.load(root / "inspect.json")
    assert read.python["version_info"]["minor"] == sys.version_info.minor
    assert "inferred" not in read.python
    attrs = [d for d in read.distributions if d["name"] == "attrs-fake"][0]
    assert attrs["requires_dist"] == ["numpy-fake>=1.20"] and attrs["installer"] == "pip"
    codes = {f["code"] for f in compare_snapshots(snap, root / "inspect.json").to_dict()["findings"]}
    assert "python.unknown" not in codes


def test_a_declared_environment_says_its_python_is_unknown(filled_venv) -> None:
    root, snap = filled_venv
    proc = subprocess.run([sys.executable, "-m", "genevars", "diff", str(root / "list.json"), str(root / "freeze.txt")],
                          capture_output=True, text=True, timeout=120)
    assert "the Python locally and remotely is unknown (nothing in list.json says it)" in proc.stdout


def test_uv_pip_list_json_with_an_editable(tmp_path: Path) -> None:
    # uv pip list --format json: pip's shape, an editable's project directory included.
    listing = tmp_path / "uv-list.json"
    listing.write_text(json.dumps([
        {"name": "numpy", "version": "1.26.4"},
        {"name": "acme", "version": "0.3.0", "editable_project_location": "/home/me/acme"},
    ]))
    read = Snapshot.load(listing)
    acme = [d for d in read.distributions if d["name"] == "acme"][0]
    assert acme["direct_url"] == {"url": "file:///home/me/acme", "editable": True, "kind": "dir"}


PYLOCK = '''\
lock-version = "1.0"
environments = ["sys_platform == 'linux'"]
requires-python = ">=3.11"
created-by = "uv"

[[packages]]
name = "numpy"
version = "1.26.4"
index = "https://pypi.org/simple"
wheels = [{ url = "https://files.pythonhosted.org/packages/numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.whl", hashes = { sha256 = "0000" } }]

[[packages]]
name = "Attrs"
version = "24.2.0"
sdist = { url = "https://files.pythonhosted.org/packages/attrs-24.2.0.tar.gz", hashes = { sha256 = "0000" } }

[[packages]]
name = "mylib"
directory = { path = "./libs/mylib", editable = true }

[[packages]]
name = "colorama"
version = "0.4.6"
marker = "sys_platform == 'win32'"
'''


def test_a_lock_file_is_compared_with_what_a_node_has(tmp_path: Path) -> None:
    lock = tmp_path / "pylock.toml"
    lock.write_text(PYLOCK)
    node = tmp_path / "node"
    dist_info(node, "numpy", "2.2.6")
    dist_info(node, "attrs", "24.2.0")
    result = compare_snapshots(lock, genevars.snapshot_env(paths=[str(node)]))
    findings = {(f["subject"], f["code"]): f for f in result.to_dict()["findings"]}
    numpy = findings[("numpy", "version.major")]
    assert (numpy["local"], numpy["remote"]) == ("1.26.4", "2.2.6")
    assert ("attrs", "version.major") not in findings and ("attrs", "only_local") not in findings
    read = Snapshot.load(lock)
    assert read.created_by == {"tool": "pylock.toml", "version": "", "scanner": "declared"}
    assert read.unreadable == [
        {"path": f"{lock} packages[2] mylib", "reason": "has no version (a directory or VCS source); not compared"},
        {"path": f"{lock} packages[3] colorama", "reason": "applies only where \"sys_platform == 'win32'\" holds; not compared"},
    ]
    assert ("colorama", "only_local") not in findings, "a Windows-only package is no difference on Linux"


def test_requirements_files_pin_what_they_can(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text(
        "# pinned by hand\n--index-url https://user:hunter2@example.com/simple\n"
        "numpy==1.26.4 ; python_version >= '3.9'  # comment\nrequests[socks]==2.32.3\n"
        "pandas>=2\n-e git+https://u:sekrit@example.com/x.git#egg=xlib\n"
    )
    read = Snapshot.load(req)
    assert read.packages == {"numpy": "1.26.4", "requests": "2.32.3"}
    reasons = [u["reason"] for u in read.unreadable]
    assert reasons[0] == "pandas>=2 is not pinned to one version (==); not compared"
    assert reasons[1] == "xlib is not pinned to one version (==); not compared"
    assert "hunter2" not in read.to_json() and "sekrit" not in read.to_json()


def test_check_reads_a_report_too(filled_venv) -> None:
    root, _snap = filled_venv
    proc = subprocess.run([sys.executable, "-m", "genevars", "check", str(root / "inspect.json")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_bad_lock_file_is_one_clear_line(tmp_path: Path) -> None:
    lock = tmp_path / "pylock.toml"
    lock.write_text('lock-version = "2.0"\n')
    proc = subprocess.run([sys.executable, "-m", "genevars", "diff", str(lock), str(lock)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().endswith("lock-version '2.0' is not one this build reads (1.x)")
