"""`genevars diff` end to end, by subprocess, on snapshot files written in tmp dirs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from test_compare_support import LOCAL, REMOTE, snapshot, write


def diff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "genevars", "diff", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
    )


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    return write(tmp_path / "local.json", LOCAL), write(tmp_path / "remote.json", REMOTE)


def test_errors_exit_1_with_the_report(files):
    proc = diff(*map(str, files))
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith("genevars: local vs remote: PROBLEMS FOUND: 2 errors")
    assert "=== PACKAGES: version mismatches ===" in proc.stdout
    assert "* numpy: local=1.26.4  remote=2.2.6  [error]" in proc.stdout
    assert "\x1b[" not in proc.stdout
    assert proc.stderr == ""


def test_clean_pair_exits_0(tmp_path):
    a = write(tmp_path / "a.json", REMOTE)
    proc = diff(str(a), str(a))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "OK: 0 errors, 0 warnings" in proc.stdout


def test_fail_on_levels(tmp_path):
    a = write(tmp_path / "a.json", snapshot({"requests": "2.31.0", "extra": "1.0"}))
    b = write(tmp_path / "b.json", snapshot({"requests": "2.31.0"}))
    # Only a warning (a non-critical package missing remotely).
    assert diff(str(a), str(b)).returncode == 0
    assert diff(str(a), str(b), "--fail-on", "warning").returncode == 1
    assert diff(str(a), str(b), "--fail-on", "never").returncode == 0


def test_json_output(files):
    proc = diff(*map(str, files), "--json")
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert data["schema"] == "genevars.comparison/1"
    assert data["summary"]["errors"] == 2
    assert ["numpy", "1.26.4", "2.2.6"] in data["pkg_diffs"]["version_mismatch"]
    assert data["local"]["schema"] == "genevars.snapshot/1"


def test_env_prefix_and_no_sys_path(files):
    data = json.loads(diff(*map(str, files), "--json", "--env-prefix", "MY_", "--no-sys-path").stdout)
    env_subjects = {f["subject"] for f in data["findings"] if f["category"] == "env"}
    assert env_subjects == {"MY_SETTING"}
    assert not [f for f in data["findings"] if f["category"] == "sys_path"]
    assert data["options"] == {"env_prefix": "MY_", "include_sys_path": False, "reveal_values": False}


def test_show_all_lists_expected_and_appends_snapshots(files):
    plain = diff(*map(str, files)).stdout
    full = diff(*map(str, files), "--show-all").stdout
    assert "RAY_JOB_ID" not in plain
    assert "+ RAY_JOB_ID  [expected]" in full
    assert "=== LOCAL SNAPSHOT (JSON, secrets withheld) ===" in full


def test_three_files_print_a_matrix(tmp_path):
    a = write(tmp_path / "local.json", snapshot({"numpy": "1.26.4", "pandas": "2.3.3"}))
    b = write(tmp_path / "pt22.json", snapshot({"numpy": "1.26.4"}))
    c = write(tmp_path / "pt24.json", snapshot({"numpy": "2.0.1"}))
    proc = diff(str(a), str(b), str(c))
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    start = lines.index("=== MATRIX: what differs (packages × environments) ===")
    assert lines[start + 1].split() == ["local.json", "pt22.json", "pt24.json"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[start + 2 : start + 4]}
    assert rows["numpy"] == ["1.26.4", "1.26.4", "2.0.1", "[error]"]
    assert rows["pandas"] == ["2.3.3", "-", "-", "[error]"]
    data = json.loads(diff(str(a), str(b), str(c), "--json").stdout)
    assert data["kind"] == "many" and len(data["groups"]) == 2


@pytest.mark.parametrize(
    "content, expected",
    [
        (None, "no such file"),
        ("{oops", "not valid JSON at line 1"),
        ('{"schema": "genevars.snapshot/2"}', "newer than this genevars reads"),
        ('{"schema": "something/1"}', "is not a genevars snapshot schema"),
        ("[]", "the top level must be a JSON object"),
        ('{"schema": "genevars.snapshot/1"}', "missing field"),
        (b"\xff\xfe\x00garbage", "not UTF-8 text"),
    ],
)
def test_bad_files_exit_2_with_one_line_naming_the_file(files, tmp_path, content, expected):
    bad = tmp_path / "bad.json"
    if isinstance(content, bytes):
        bad.write_bytes(content)
    elif content is not None:
        bad.write_text(content, encoding="utf-8")
    proc = diff(str(files[0]), str(bad))
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert str(bad) in lines[0] and expected in lines[0], lines[0]


def test_usage_errors_exit_2(files):
    proc = diff(str(files[0]))
    assert proc.returncode == 2
    assert "REMOTE.json" in proc.stderr
    proc = diff(*map(str, files), "--fail-on", "sometimes")
    assert proc.returncode == 2


def test_help_explains_every_flag():
    proc = diff("--help")
    assert proc.returncode == 0
    for flag in ("--json", "--fail-on", "--env-prefix", "--show-all", "--no-sys-path", "MORE.json"):
        assert flag in proc.stdout
    assert "exit status" in proc.stdout


def dist_info(site: Path, name: str, version: str) -> None:
    meta = site / f"{name.replace('-', '_')}-{version}.dist-info"
    meta.mkdir(parents=True)
    (meta / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8")


def test_snapshot_then_diff_on_dist_info_trees(tmp_path):
    """The offline workflow end to end: two site-packages trees, snapshotted, then diffed."""
    local_site, image_site = tmp_path / "local-site", tmp_path / "image-site"
    for name, version in [("numpy", "1.26.4"), ("attrs", "23.2.0"), ("my-tool", "0.3"), ("six", "5.0")]:
        dist_info(local_site, name, version)
    for name, version in [("numpy", "2.2.6"), ("attrs", "23.2.0"), ("six", "5.0.0"), ("extra-lib", "1.0")]:
        dist_info(image_site, name, version)
    outputs = []
    for site in (local_site, image_site):
        out = tmp_path / f"{site.name}.json"
        proc = subprocess.run(
            [sys.executable, "-m", "genevars", "snapshot", "--path", str(site), "-o", str(out)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr
        outputs.append(out)
    data = json.loads(diff(*map(str, outputs), "--json").stdout)
    assert data["pkg_diffs"]["version_mismatch"] == [["numpy", "1.26.4", "2.2.6"]]
    assert data["pkg_diffs"]["only_local"] == ["my-tool"]
    assert data["pkg_diffs"]["only_remote"] == ["extra-lib"]
    assert data["summary"]["errors"] == 1
    proc = diff(*map(str, outputs))
    assert proc.returncode == 1
    assert "* numpy: local=1.26.4  remote=2.2.6  [error]" in proc.stdout
    assert "six" not in proc.stdout.split("=== PACKAGES: version mismatches ===")[1]
