"""Hostile inputs (issue 12, parts 2 and 3): a requirement that panics the PEP 508 parser,
files over the limits, alias bombs. Each ends in an answer or one clear error, bounded by
the code, never a PanicException."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from genevars import GenevarsError, ManifestBuilder, ManifestError, compare_snapshots
from genevars import _core
from snapshot_trees import dist_info

# pep508_rs 0.9 panics on a name ending in "." followed by more text.
PANICKING_LINE = "numpy. >=1"


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "genevars", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
    )


@pytest.fixture
def bad_site_snapshot(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    dist_info(site, "bad", "1.0", extra=f"Requires-Dist: {PANICKING_LINE}\nRequires-Dist: attrs>=1")
    dist_info(site, "numpy", "1.26.4")
    dist_info(site, "attrs", "23.2.0")
    out = tmp_path / "bad.json"
    proc = cli("snapshot", "--path", str(site), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    return out


def test_diff_and_check_report_the_bad_distribution_and_go_on(bad_site_snapshot, tmp_path):
    other = json.loads(bad_site_snapshot.read_text())
    for p in other["packages"]:
        if p["name"] == "numpy":
            p["version"] = "2.0.0"
    remote = tmp_path / "remote.json"
    remote.write_text(json.dumps(other))

    proc = cli("diff", str(bad_site_snapshot), str(remote))
    assert "PanicException" not in proc.stderr and "Traceback" not in proc.stderr
    assert proc.returncode == 1, proc.stderr  # the numpy difference is still found
    assert "* numpy: local=1.26.4  remote=2.0.0" in proc.stdout
    assert f'bad 1.0 has a malformed requirement "{PANICKING_LINE}"' in proc.stdout

    proc = cli("check", str(bad_site_snapshot))
    assert proc.returncode == 0, proc.stderr
    assert f'WARNING  requirement bad 1.0 has a malformed requirement "{PANICKING_LINE}"' in proc.stdout


def test_the_api_reports_it_as_a_warning_finding(bad_site_snapshot):
    text = bad_site_snapshot.read_text()
    result = compare_snapshots(text, text)
    invalid = [f for f in result.findings if f["code"] == "requirement.invalid"]
    assert len(invalid) == 1 and invalid[0]["severity"] == "warning"
    assert "bad 1.0" in invalid[0]["message"] and PANICKING_LINE in invalid[0]["message"]
    problems = json.loads(_core.requirement_problems(text))
    assert [p["kind"] for p in problems] == ["bad_requirement"]
    assert problems[0]["requirement"] == PANICKING_LINE


def test_a_panicking_pin_or_root_is_a_genevars_error(bad_site_snapshot):
    text = bad_site_snapshot.read_text()
    with pytest.raises(GenevarsError, match=r'root "numpy\. >=1" is not a PEP 508 requirement: pep508_rs could not parse it'):
        _core.requirement_closure(text, [PANICKING_LINE])
    with pytest.raises(ManifestError, match=r"pip entry 1: 'numpy\. >=1' is not a valid requirement"):
        ManifestBuilder.create("m").pip([PANICKING_LINE]).build()


def test_billion_laughs_conda_file_is_refused_quickly(tmp_path):
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 10) + "]")
    lines.append("dependencies: *i")
    path = tmp_path / "environment.yml"
    path.write_text("\n".join(lines) + "\n")
    assert path.stat().st_size < 400
    started = time.monotonic()
    with pytest.raises(ManifestError) as err:
        ManifestBuilder.create("m").conda_environment_path(path).build()
    assert time.monotonic() - started < 5
    assert str(err.value) == (
        f"conda environment file '{path}' is refused: its aliases expand it to more YAML nodes, "
        "over the limit of 100000 nodes; real ones stay far below it"
    )


def test_requirements_file_over_the_limit_is_refused(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_bytes(b"numpy==1.26.4\n" * ((17 << 20) // 14))
    with pytest.raises(ManifestError, match=r"requirements file '.*' could not be read: .* over the limit of 16 MB"):
        ManifestBuilder.create("m").requirements_path(path).allow_unpinned().build()


def test_a_requirements_file_repeating_one_pin_builds(tmp_path):
    path = tmp_path / "requirements.txt"
    path.write_text("numpy==1.26.4\n" * 100_000)
    manifest = ManifestBuilder.create("m").requirements_path(path).build()
    assert manifest.pip[:1] == ("numpy==1.26.4",)


def test_requirements_for_a_python_file_over_the_limit_is_one_line_exit_2(tmp_path):
    big = tmp_path / "huge.py"
    big.write_bytes(b"import numpy\n" + b"x = foo(1, 2)\n" * ((3 << 20) // 14))
    proc = cli("requirements", "--for", str(big))
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "huge.py: cannot read imports: the file is longer than the limit of 2 MiB" in lines[0]


def test_a_manifest_over_the_limit_is_one_line_exit_2(tmp_path):
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"schema": "genevars.manifest/1", "name": "big", "pip": ["numpy==1.26.4"] * 1_100_000}))
    assert path.stat().st_size > 16 << 20
    proc = cli("manifest", "show", str(path))
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1
    assert "big.json: manifest file of 18 MB or more is over the limit of 16 MB" in proc.stderr
