"""The check before connecting, against a real head node started with another Python.

A venv with Python 3.12 (pyenv's) and this process's Ray version is made once and kept
under a temporary directory keyed by both versions; its ``ray start --head`` runs in a
process group of its own, stopped by killing that group.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator, List

import pytest

from conftest import free_port

ray = pytest.importorskip("ray")

OTHER_PYTHON = Path("/root/.pyenv/versions/3.12.1/bin/python")


def other_python_venv() -> Path:
    """A venv of another Python minor with this Ray version (made once, then reused)."""
    if not OTHER_PYTHON.exists():
        pytest.fail(f"{OTHER_PYTHON} is needed for the version-mismatch test (pyenv install 3.12.1)")
    root = Path(tempfile.gettempdir()) / "genevars-test-venvs"
    venv = root / f"py3.12.1-ray{ray.__version__}"
    if (venv / "bin" / "python").exists():
        return venv
    root.mkdir(exist_ok=True)
    partial = root / f"{venv.name}.partial-{os.getpid()}"
    subprocess.run([str(OTHER_PYTHON), "-m", "venv", str(partial)], check=True)
    subprocess.run(
        [str(partial / "bin" / "python"), "-m", "pip", "install", "-q", f"ray=={ray.__version__}"],
        check=True,
        timeout=900,
    )
    partial.rename(venv)  # scripts' shebangs name the old path: the test runs `python -c`
    return venv


def group_members(pgid: int) -> List[int]:
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":  # a zombie is gone, only unreaped
            members.append(int(entry))
    return members


@pytest.fixture(scope="module")
def head_312() -> Iterator[str]:
    venv = other_python_venv()
    port = free_port()
    temp_dir = tempfile.mkdtemp(prefix="gvpf")
    env = dict(
        os.environ,
        RAY_AUTH_MODE="disabled",
        RAY_USAGE_STATS_ENABLED="0",
        RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER="0",
        PYTHONPATH="",
    )
    env.pop("RAY_ADDRESS", None)
    command = [
        str(venv / "bin" / "python"), "-c", "import sys; from ray.scripts.scripts import main; sys.exit(main())",
        "start", "--head", "--node-ip-address", "127.0.0.1", "--port", str(port), "--block",
        "--num-cpus", "0", "--include-dashboard", "false", "--temp-dir", temp_dir,
    ]
    process = subprocess.Popen(
        command, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    address = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert process.poll() is None, "ray start --head (Python 3.12) exited early"
            if run_cli("preflight", address, "--timeout", "5").returncode != 2:
                break
            time.sleep(1)
        yield address
    finally:
        pgid = process.pid
        os.killpg(pgid, signal.SIGTERM)
        process.wait(timeout=60)
        deadline = time.monotonic() + 30
        while group_members(pgid) and time.monotonic() < deadline:
            time.sleep(0.5)
        left = group_members(pgid)
        if left:
            os.killpg(pgid, signal.SIGKILL)
        assert left == [], f"processes of the 3.12 head left after SIGTERM: {left}"
        shutil.rmtree(temp_dir, ignore_errors=True)


def run_cli(*args: str, module: str = "genevars") -> subprocess.CompletedProcess:
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0")
    env.pop("RAY_ADDRESS", None)
    return subprocess.run(
        [sys.executable, "-m", module, *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_preflight_reports_the_python_mismatch_with_its_fix(head_312):
    done = run_cli("preflight", head_312)
    print(done.stdout)
    assert done.returncode == 1, done.stderr
    assert "Python 3.12.1" in done.stdout and f"Python {sys.version_info[0]}.{sys.version_info[1]}" in done.stdout
    assert "VERSION MISMATCH" in done.stdout
    assert "uv venv --python 3.12.1" in done.stdout
    assert "patch version to match" in done.stdout
    assert "Traceback" not in done.stderr


def test_compare_env_reports_the_mismatch_before_connecting(head_312):
    done = run_cli("--address", head_312, module="genevars.compare_env")
    assert done.returncode == 1, done.stderr
    assert "VERSION MISMATCH" in done.stdout and "uv venv --python 3.12.1" in done.stdout
    assert "Traceback" not in done.stderr and "Version mismatch: The cluster" not in done.stderr


def test_compare_ray_environments_raises_the_mismatch(head_312):
    import genevars
    from genevars._preflight import VersionMismatchError

    with pytest.raises(genevars.EnvironmentMismatchError) as caught:
        genevars.compare_ray_environments(auto_init=True, ray_address=head_312, timeout=30)
    assert isinstance(caught.value, VersionMismatchError)
    (finding,) = caught.value.findings
    assert (finding["severity"], finding["subject"], finding["remote"]) == ("error", "python", "3.12.1")
    assert not ray.is_initialized()


def test_matching_versions_pass(ray_one_node):
    done = run_cli("preflight", ray_one_node)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK: Ray will accept this process" in done.stdout


def test_version_findings_follow_rays_match_levels(monkeypatch):
    from genevars._preflight import version_findings

    here = {"ray_version": "2.60.0", "python_version": "3.11.7"}
    patch_only = {"ray_version": "2.60.0", "python_version": "3.11.9"}
    assert [f["code"] for f in version_findings(patch_only, here)] == ["preflight.python_version"]
    assert version_findings(patch_only, here, client=True) == []  # Ray Client: minor level
    monkeypatch.setenv("RAY_DEFAULT_PYTHON_VERSION_MATCH_LEVEL", "minor")
    assert version_findings(patch_only, here) == []
    (ray_finding,) = version_findings({"ray_version": "2.59.0", "python_version": "3.11.7"}, here)
    assert ray_finding["hint"] == "pip install ray==2.59.0"


def test_a_uv_run_driver_is_told_how_to_pick_the_python(monkeypatch):
    from genevars._preflight import version_findings

    cluster = {"ray_version": "2.60.0", "python_version": "3.12.1"}
    here = {"ray_version": "2.60.0", "python_version": "3.11.7"}
    monkeypatch.delenv("UV", raising=False)
    assert "uv run" not in version_findings(cluster, here)[0]["hint"]
    monkeypatch.setenv("UV", "/usr/bin/uv")
    assert "`uv run --python 3.12.1 ...`" in version_findings(cluster, here)[0]["hint"]
    assert "`uv run --python 3.12 ...`" in version_findings(cluster, here, client=True)[0]["hint"]


def test_unreadable_address_is_one_line_exit_2():
    done = run_cli("preflight", f"127.0.0.1:{free_port()}", "--timeout", "2")
    assert done.returncode == 2
    assert done.stderr.startswith("genevars: no Ray cluster (GCS) answers at")
    assert "Traceback" not in done.stderr
