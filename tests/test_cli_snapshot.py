"""`genevars snapshot`, run as a user runs it: a subprocess on dist-info trees."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional, Sequence

import pytest

from genevars import Snapshot
from snapshot_trees import dist_info, write

CANARY = "canary-" + secrets.token_hex(8)


def genevars(*args: str, env: Optional[Dict[str, str]] = None, cwd: Optional[Path] = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "genevars", "snapshot", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=cwd,
    )


@pytest.fixture
def sites(tmp_path: Path) -> Sequence[Path]:
    first, second = tmp_path / "first", tmp_path / "second"
    dist_info(first, "numpy", "2.2.6")
    dist_info(second, "numpy", "1.26.4")
    dist_info(second, "PyArrow", "16.1.0", direct_url={"url": "https://u:pw@h/pa.whl", "archive_info": {}})
    write(second / "broken-1.0.dist-info" / "METADATA", "Name: broken\n")
    return first, second


def test_writes_a_snapshot_file(sites: Sequence[Path], tmp_path: Path) -> None:
    out = tmp_path / "snap.json"
    proc = genevars("--path", str(sites[0]), "--path", str(sites[1]), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f'wrote {out}: 2 packages, 1 unreadable (see "unreadable" in the file)\n'
    snap = Snapshot.load(out)
    assert snap.packages == {"numpy": "2.2.6", "pyarrow": "16.1.0"}
    [numpy] = [d for d in snap.distributions if d["name"] == "numpy"]
    assert numpy["shadowed"][0]["version"] == "1.26.4"
    assert snap.unreadable == [
        {"path": str(sites[1] / "broken-1.0.dist-info"), "reason": "METADATA has no Version field"}
    ]
    assert snap.sys_path == [str(sites[0]), str(sites[1])]
    assert "pw@" not in out.read_text()


def test_prints_json_to_stdout_without_output(sites: Sequence[Path]) -> None:
    proc = genevars("--path", str(sites[1]))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["schema"] == "genevars.snapshot/1"
    assert {p["name"]: p["version"] for p in data["packages"]} == {"numpy": "1.26.4", "pyarrow": "16.1.0"}
    assert proc.stderr == ""


def test_a_large_snapshot_on_stdout_arrives_whole_through_a_pipe(tmp_path: Path) -> None:
    # Run as the process, snapshot ends with os._exit once its output is flushed: all of a
    # text many times a pipe's buffer must still arrive, and the status be the command's.
    site = tmp_path / "site"
    for i in range(400):
        dist_info(site, f"pkg{i:03d}", f"1.{i}.0")
    proc = genevars("--path", str(site))
    assert proc.returncode == 0, proc.stderr
    assert len(proc.stdout) > 128 * 1024  # twice a pipe's buffer
    data = json.loads(proc.stdout)
    assert len(data["packages"]) == 400
    assert proc.stdout.endswith("}\n")


def test_a_reader_that_goes_away_is_exit_141(tmp_path: Path) -> None:
    site = tmp_path / "site"
    for i in range(400):
        dist_info(site, f"pkg{i:03d}", f"1.{i}.0")
    # `genevars snapshot --path SITE | head -c 10`: the flush before the early exit meets
    # the closed pipe, which must end as a tool killed by SIGPIPE ends, silently.
    proc = subprocess.run(
        f"{sys.executable} -m genevars snapshot --path {site} | head -c 10 >/dev/null; echo ${{PIPESTATUS[0]}}",
        shell=True,
        executable="/bin/bash",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.stdout.strip() == "141", proc.stderr
    assert proc.stderr == ""


def test_snapshot_of_another_interpreter(tmp_path: Path) -> None:
    out = tmp_path / "other.json"
    proc = genevars("--python", sys.executable, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    snap = Snapshot.load(out)
    assert snap.python["executable"] == sys.executable
    assert "genevars" in snap.packages  # the venv has genevars installed (editable)


def test_secrets_are_withheld_unless_revealed(sites: Sequence[Path], tmp_path: Path) -> None:
    env = dict(os.environ)
    env["MY_SERVICE_TOKEN"] = CANARY
    env["EXTRA_INDEX_URL"] = f"https://build:{CANARY}@pypi.example.com/simple"
    proc = genevars("--path", str(sites[0]), env=env)
    assert proc.returncode == 0, proc.stderr
    assert CANARY not in proc.stdout + proc.stderr
    data = json.loads(proc.stdout)
    assert data["env"]["MY_SERVICE_TOKEN"]["withheld"] == "secret"
    assert data["env"]["EXTRA_INDEX_URL"]["display"] == "https://***@pypi.example.com/simple"

    proc = genevars("--path", str(sites[0]), "--reveal-values", env=env)
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["env"]["MY_SERVICE_TOKEN"] == CANARY
    assert "secret values are stored in plain text" in proc.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--path", "/nonexistent/site-packages"], "genevars: --path /nonexistent/site-packages: does not exist; give a site-packages directory\n"),
        (["--path", __file__], f"genevars: --path {__file__}: is not a directory; give a site-packages directory\n"),
        (["--python", "/nonexistent/python"], "genevars: --python /nonexistent/python: no such interpreter (give the path of a python executable)\n"),
        (["--path", "/", "-o", "/nonexistent/dir/out.json"], "genevars: cannot write /nonexistent/dir/out.json: No such file or directory\n"),
    ],
    ids=["missing-path", "file-path", "missing-python", "unwritable-output"],
)
def test_bad_input_is_one_line_and_exit_2(args: Sequence[str], message: str) -> None:
    proc = genevars(*args)
    assert proc.returncode == 2
    assert proc.stderr == message
    assert proc.stdout == ""


def test_unknown_flag_is_a_usage_error() -> None:
    proc = genevars("--bogus")
    assert proc.returncode == 2
    assert "unrecognized arguments: --bogus" in proc.stderr


def test_help_explains_every_flag() -> None:
    proc = genevars("--help")
    assert proc.returncode == 0
    for flag in ("--path DIR", "--python EXE", "-o FILE, --output FILE", "--reveal-values", "genevars diff"):
        assert flag in proc.stdout
