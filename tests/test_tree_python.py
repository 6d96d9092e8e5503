"""`genevars snapshot --path` of another Python's tree records that tree's Python and
platform (from its path, its compiled modules and its wheels' tags), or says it is unknown;
never the scanning interpreter's. The trees are real installs: pip installs wheels for
another Python with --target and --python-version."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from genevars import compare_snapshots
from real_installs import make_wheel, pip

pytestmark = pytest.mark.timeout(300)

OTHER = (3, 12) if sys.version_info[:2] != (3, 12) else (3, 11)
OTHER_TAG = "cp%d%d" % OTHER


def genevars(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "genevars", *args], capture_output=True, text=True, timeout=120
    )


def snapshot(tmp_path: Path, *args: str) -> dict:
    out = tmp_path / f"snap{len(list(tmp_path.glob('snap*.json')))}.json"
    proc = genevars("snapshot", *args, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    return json.loads(out.read_text())


def install_for_other_python(tmp_path: Path, target: Path) -> None:
    """A compiled-looking wheel for the other Python, installed by pip for that Python."""
    wheel = make_wheel(
        tmp_path / "wheels", "fastthing", "1.0",
        {f"fastthing/_speed.{'cpython-%d%d' % OTHER}-x86_64-linux-gnu.so": "ELF", "fastthing/__init__.py": ""},
        tag=f"{OTHER_TAG}-{OTHER_TAG}-manylinux_2_17_x86_64.manylinux2014_x86_64",
    )
    pip(Path(sys.executable), "install", "--target", str(target), "--only-binary=:all:",
        "--python-version", "%d.%d" % OTHER, "--platform", "manylinux2014_x86_64",
        "--implementation", "cp", "--abi", OTHER_TAG, str(wheel))
    assert (target / "fastthing-1.0.dist-info" / "WHEEL").is_file()


def test_the_path_says_the_python(tmp_path: Path) -> None:
    site = tmp_path / "image" / "usr" / "lib" / ("python%d.%d" % OTHER) / "site-packages"
    install_for_other_python(tmp_path, site)
    snap = snapshot(tmp_path, "--path", str(site))
    assert snap["python"]["version_info"]["major"] == OTHER[0]
    assert snap["python"]["version_info"]["minor"] == OTHER[1]
    assert snap["python"]["inferred"] == {"from": "path lib/python%d.%d" % OTHER, "known": True}
    assert snap["markers"]["python_version"] == "%d.%d" % OTHER
    assert snap["platform"]["system"] == "Linux" and snap["platform"]["machine"] == "x86_64"
    assert snap["python"]["executable"] != sys.executable
    here = snapshot(tmp_path)
    result = compare_snapshots(here, snap)
    (minor,) = [f for f in result.to_dict()["findings"] if f["code"] == "python.minor"]
    assert minor["severity"] == "error"
    assert minor["remote"] == "%d.%d" % OTHER


def test_the_wheel_tags_say_the_python_when_the_path_does_not(tmp_path: Path) -> None:
    site = tmp_path / "flat"
    install_for_other_python(tmp_path, site)
    snap = snapshot(tmp_path, "--path", str(site))
    assert snap["python"]["inferred"] == {"from": "ABI tags %s" % OTHER_TAG, "known": True}
    assert (snap["python"]["version_info"]["major"], snap["python"]["version_info"]["minor"]) == OTHER
    assert snap["platform"]["inferred"]["known"] and snap["platform"]["machine"] == "x86_64"


def test_a_tree_that_says_nothing_is_unknown_and_the_comparison_says_so(tmp_path: Path) -> None:
    site = tmp_path / "pure"
    pip(Path(sys.executable), "install", "--target", str(site),
        str(make_wheel(tmp_path / "wheels", "purething", "1.0", {"purething/__init__.py": ""})))
    snap = snapshot(tmp_path, "--path", str(site))
    assert snap["python"]["version"] == "unknown"
    assert snap["python"]["inferred"] == {"from": "nothing in the tree", "known": False}
    assert snap["platform"]["inferred"]["known"] is False
    here = snapshot(tmp_path)
    proc = genevars("diff", str(tmp_path / "snap1.json"), str(tmp_path / "snap0.json"))
    out = proc.stdout
    assert "the Python remotely is unknown" in out and "--python-version" in out
    assert "the platform remotely is unknown" in out
    codes = {f["code"] for f in compare_snapshots(here, snap).to_dict()["findings"]}
    assert {"python.unknown", "platform.unknown"} <= codes
    assert not codes & {"python.minor", "python.patch", "platform.system"}
    # Said by the user: recorded as said.
    told = snapshot(tmp_path, "--path", str(site), "--python-version", "3.10.4", "--platform", "linux-aarch64")
    assert told["python"]["inferred"] == {"from": "--python-version", "known": True}
    assert told["python"]["version_info"]["minor"] == 10 and told["markers"]["python_full_version"] == "3.10.4"
    assert (told["platform"]["system"], told["platform"]["machine"]) == ("Linux", "aarch64")
    codes = {f["code"] for f in compare_snapshots(here, told).to_dict()["findings"]}
    assert {"python.minor", "platform.machine"} <= codes


@pytest.mark.parametrize("args, message", [
    (["--python-version", "3.x"], "--python-version '3.x': give it as 3.12 or 3.12.4"),
    (["--platform", "amiga"], "--platform 'amiga': give it as"),
])
def test_bad_tree_options_are_usage_errors(tmp_path: Path, args, message) -> None:
    proc = genevars("snapshot", "--path", str(tmp_path), *args)
    assert proc.returncode == 2 and message in proc.stderr, proc.stderr


def test_tree_options_need_a_path_tree() -> None:
    proc = genevars("snapshot", "--python-version", "3.12")
    assert proc.returncode == 2
    assert "--python-version describes a --path tree" in proc.stderr
