"""Timeouts bound everything they name: a hanging ``--python`` wrapper is stopped with
everything it started, and connecting to something that is not Ray ends within the
timeout with one line."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from genevars import SnapshotError, _interpreter, snapshot_env


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie waiting for its parent is not)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            state = handle.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_hanging_python_wrapper_is_killed_with_its_children(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The wrapper does not exec: killing the shell alone would leave `sleep` holding
    # the pipes open, and the snapshot waiting for it.
    pid_file = tmp_path / "child.pid"
    wrapper = tmp_path / "python-wrapper"
    wrapper.write_text(f"#!/bin/sh\nsleep 120 &\necho $! > {pid_file}\nwait\n")
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(_interpreter, "DESCRIBE_TIMEOUT", 1.0)
    started = time.monotonic()
    with pytest.raises(SnapshotError) as info:
        snapshot_env(python=str(wrapper))
    elapsed = time.monotonic() - started
    assert str(info.value) == f"--python {wrapper}: gave no answer within 1 s"
    assert elapsed < 1 + 5, elapsed
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 5  # the orphan is reaped by whoever adopts it
    while _running(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(child), f"the wrapper's child {child} is still running"


@pytest.mark.parametrize("timeout", [float("inf"), float("nan"), 0, -1, 86401, True, "60"])
def test_the_api_refuses_a_timeout_that_does_not_bound_the_comparison(timeout: object) -> None:
    from genevars import get_comparison_result

    # Refused before anything connects: no cluster is needed to see it.
    with pytest.raises(ValueError, match=r"timeout must be more than 0 and at most 86400 seconds"):
        get_comparison_result(timeout=timeout)  # type: ignore[arg-type]


# --- connecting is bounded by --timeout ---------------------------------------------------

TIMEOUT = 3
# A cluster that wants a token this test's clients do not have, started in a process of
# its own (token settings are process-wide in Ray) and stopped through a file.
TOKEN_CLUSTER = """
import os, sys, time
from ray.cluster_utils import Cluster
cluster = Cluster(initialize_head=True, head_node_args=dict(
    node_ip_address="127.0.0.1", include_dashboard=False,
    object_store_memory=80 * 1024 * 1024, num_cpus=1))
print(cluster.address, flush=True)
started = time.monotonic()
while not os.path.exists(sys.argv[1]) and time.monotonic() - started < 600:
    time.sleep(0.2)
cluster.shutdown()
"""


def client_env(**extra: str) -> dict:
    env = dict(os.environ, RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER="0", RAY_USAGE_STATS_ENABLED="0")
    env.pop("RAY_ADDRESS", None)
    env.update(extra)
    return env


def run_compare(address: str, env: dict) -> tuple:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "genevars.compare_env", "--address", address, "--timeout", str(TIMEOUT)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    return done, time.monotonic() - started


def assert_one_line_in_time(done: subprocess.CompletedProcess, elapsed: float, expected: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr  # no pages of Ray's C++ log
    assert expected in lines[0], lines[0]
    assert done.stdout == ""
    assert elapsed < TIMEOUT + 5, elapsed


@pytest.fixture(scope="module")
def token_cluster(tmp_path_factory: pytest.TempPathFactory):
    stop = tmp_path_factory.mktemp("token-cluster") / "stop"
    env = client_env(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN="genevars-test-" + os.urandom(16).hex())
    server = subprocess.Popen(
        [sys.executable, "-c", TOKEN_CLUSTER, str(stop)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        address = server.stdout.readline().strip()
        assert address, "the token-protected cluster did not start"
        yield address
    finally:
        stop.touch()
        try:
            server.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)
            server.wait()


def test_a_listener_that_is_not_ray_exits_2_within_the_timeout() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held = []  # accepted connections, kept open and silent
    threading.Thread(target=lambda: held.append(server.accept()), daemon=True).start()
    try:
        done, elapsed = run_compare(f"127.0.0.1:{server.getsockname()[1]}", client_env())
    finally:
        server.close()
    assert_one_line_in_time(done, elapsed, "not a responding Ray GCS")


def test_ray_client_pointed_at_the_gcs_port_exits_2_within_the_timeout(token_cluster: str) -> None:
    done, elapsed = run_compare(f"ray://{token_cluster}", client_env(RAY_AUTH_MODE="disabled"))
    assert_one_line_in_time(done, elapsed, "is not a Ray Client server (is it the GCS port?")


@pytest.mark.parametrize(
    "auth",
    [{"RAY_AUTH_MODE": "disabled"}, {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": "genevars-wrong-" + "0" * 32}],
    ids=["no-token", "wrong-token"],
)
def test_auto_finding_a_token_protected_cluster_exits_2_within_the_timeout(token_cluster: str, auth: dict) -> None:
    done, elapsed = run_compare("auto", client_env(RAY_ADDRESS=token_cluster, **auth))
    assert_one_line_in_time(done, elapsed, f"the Ray cluster at {token_cluster} requires an authentication token")
