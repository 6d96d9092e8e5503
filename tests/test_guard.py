"""genevars.guard(): every worker of a job checks itself against the driver, on real Ray.

The cluster (ray.cluster_utils.Cluster on 127.0.0.1):
  head   the driver's environment (PYTHONPATH holds a fake numpy 1.26.4, as locally)
  same   the same
  drift  PYTHONPATH holds a fake numpy 2.2.6 instead
Tests add nodes of their own (after ray.init: the guard must reach them too).
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest

import genevars
from conftest import RAY_NODE_ARGS
from test_ray_cluster import make_dist

ray = pytest.importorskip("ray")
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy  # noqa: E402

SECRET_VAR = "GUARD_TEST_API_TOKEN"
SECRET_VALUE = "guard-secret-value-5be1c0de"


@dataclass
class GuardCluster:
    cluster: Any
    address: str
    same: str
    drift: str
    numpy1: Path
    numpy2: Path
    trees: Path


@pytest.fixture(scope="module")
def guard_cluster(ray_cluster_factory, tmp_path_factory) -> Iterator[GuardCluster]:
    trees = tmp_path_factory.mktemp("guard-envs")
    numpy1 = make_dist(trees / "numpy1", "numpy", "1.26.4")
    numpy2 = make_dist(trees / "numpy2", "numpy", "2.2.6")
    # A user's setup hook given as an import path: a module on every node's PYTHONPATH.
    (numpy1 / "guard_user_hook.py").write_text(
        "import os\n\ndef setup():\n    os.environ['USER_HOOK'] = 'by-import-path'\n"
    )
    (numpy2 / "guard_user_hook.py").write_text((numpy1 / "guard_user_hook.py").read_text())
    saved = {key: os.environ.get(key) for key in ("PYTHONPATH", SECRET_VAR)}
    os.environ["PYTHONPATH"] = str(numpy1)
    os.environ[SECRET_VAR] = SECRET_VALUE
    sys.path.insert(0, str(numpy1))
    try:
        cluster = ray_cluster_factory(node_envs=[None, {"PYTHONPATH": str(numpy2)}])
        same, drift = cluster.added_nodes
        yield GuardCluster(cluster, cluster.address, same.node_id, drift.node_id, numpy1, numpy2, trees)
    finally:
        sys.path.remove(str(numpy1))
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def connect(guard_cluster):
    """``connect(runtime_env)``: ray.init on the guard cluster; shut down after the test."""

    def init(runtime_env: dict, **kwargs: Any) -> None:
        ray.init(address=guard_cluster.address, runtime_env=runtime_env, logging_level="ERROR", **kwargs)

    try:
        yield init
    finally:
        ray.shutdown()


@ray.remote(num_cpus=0)
def where_am_i() -> dict:
    return {"node": ray.get_runtime_context().get_node_id(), "user_hook": os.environ.get("USER_HOOK")}


@ray.remote(num_cpus=0)
def slow_pid() -> tuple:
    time.sleep(2)  # held busy, so that the next task gets another worker
    return ray.get_runtime_context().get_node_id(), os.getpid()


def on(node_id: str) -> Any:
    return where_am_i.options(scheduling_strategy=NodeAffinitySchedulingStrategy(node_id, soft=False))


def add_node(cluster: GuardCluster, env: dict) -> str:
    node = cluster.cluster.add_node(**RAY_NODE_ARGS, env_vars=env)
    cluster.cluster.wait_for_nodes()
    return node.node_id


def test_a_task_on_the_drifting_node_fails_fast_with_the_finding(guard_cluster, connect):
    connect(genevars.guard(on_mismatch="raise", at="error"))
    assert ray.get(on(guard_cluster.same).remote(), timeout=60)["node"] == guard_cluster.same
    started = time.monotonic()
    with pytest.raises(genevars.EnvironmentMismatchError) as caught:
        ray.get(on(guard_cluster.drift).remote(), timeout=60)
    assert time.monotonic() - started < 30
    message = str(caught.value)
    print(message)  # the README shows this output
    assert f"node {guard_cluster.drift[:8]}" in message
    assert "numpy" in message and "2.2.6" in message and "1.26.4" in message
    assert "numpy==1.26.4" in message  # the hint
    assert SECRET_VALUE not in message


def test_warn_runs_everywhere_and_tells_the_driver_once(guard_cluster, connect, capfd):
    connect(genevars.guard(on_mismatch="warn"))
    # Several workers on the drifting node at once: one warning for their one environment.
    drifting = slow_pid.options(scheduling_strategy=NodeAffinitySchedulingStrategy(guard_cluster.drift, soft=False))
    refs = [drifting.remote() for _ in range(3)]
    assert ray.get(on(guard_cluster.same).remote(), timeout=60)["node"] == guard_cluster.same
    answers = ray.get(refs, timeout=60)
    assert {node for node, _ in answers} == {guard_cluster.drift}
    assert len({pid for _, pid in answers}) >= 2  # more than one worker checked itself
    seen = ""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        out, err = capfd.readouterr()
        seen += out + err
        if "genevars guard:" in seen:
            time.sleep(3)  # anything more the other workers would write
            out, err = capfd.readouterr()
            seen += out + err
            break
        time.sleep(0.5)
    headers = [line for line in seen.splitlines() if "genevars guard: this worker's environment differs" in line]
    assert len(headers) == 1, seen
    assert f"node {guard_cluster.drift[:8]}" in headers[0]
    assert "numpy 2.2.6" in seen or "2.2.6" in seen
    assert SECRET_VALUE not in seen


def test_a_node_added_after_init_is_guarded_too(guard_cluster, connect):
    connect(genevars.guard())
    late = add_node(guard_cluster, {"PYTHONPATH": str(guard_cluster.numpy2)})
    with pytest.raises(genevars.EnvironmentMismatchError) as caught:
        ray.get(on(late).remote(), timeout=60)
    assert f"node {late[:8]}" in str(caught.value) and "2.2.6" in str(caught.value)


def test_the_users_setup_hook_runs_too(guard_cluster, connect):
    def user_hook() -> None:
        os.environ["USER_HOOK"] = "callable"

    connect(genevars.guard({"worker_process_setup_hook": user_hook, "env_vars": {"JOB_MODE": "x"}}))
    assert ray.get(on(guard_cluster.same).remote(), timeout=60)["user_hook"] == "callable"
    with pytest.raises(genevars.EnvironmentMismatchError):
        ray.get(on(guard_cluster.drift).remote(), timeout=60)


def test_a_setup_hook_given_as_an_import_path_runs_too(guard_cluster, connect):
    connect(genevars.guard({"worker_process_setup_hook": "guard_user_hook.setup"}))
    assert ray.get(on(guard_cluster.same).remote(), timeout=60)["user_hook"] == "by-import-path"


def test_genevars_guard_off_on_a_node_turns_it_off_there(guard_cluster, connect):
    connect(genevars.guard())
    off = add_node(guard_cluster, {"PYTHONPATH": str(guard_cluster.numpy2), "GENEVARS_GUARD": "off"})
    assert ray.get(on(off).remote(), timeout=60)["node"] == off


def test_a_worker_without_genevars_runs_the_stdlib_check(guard_cluster, connect):
    broken = guard_cluster.trees / "broken-genevars" / "genevars"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("raise ImportError('genevars is not installed here')\n")
    connect(genevars.guard())
    node = add_node(guard_cluster, {"PYTHONPATH": f"{guard_cluster.numpy2}{os.pathsep}{broken.parent}"})
    with pytest.raises(Exception) as caught:
        ray.get(on(node).remote(), timeout=60)
    message = str(caught.value)
    assert "standard-library check" in message
    assert "numpy 2.2.6 on this worker, 1.26.4 on the driver" in message
    assert "pin numpy==1.26.4" in message


def test_genevars_own_probes_still_run_in_a_guarded_job(guard_cluster, connect):
    connect(genevars.guard())
    result = genevars.get_comparison_result(timeout=60)
    numpy = [f for f in result.findings if f["subject"] == "numpy" and not f["code"].startswith("drift.")]
    # Every node answered (other tests add drifting nodes to this cluster, too).
    flagged = {node for finding in numpy for node in finding["nodes"]}
    assert guard_cluster.drift in flagged and guard_cluster.same not in flagged
    assert not [f for f in result.findings if f["category"] == "unreachable"]


def test_the_hook_holds_no_secret_value_only_fingerprints(guard_cluster):
    from ray import cloudpickle

    runtime_env = genevars.guard({"env_vars": {"A": "1"}})
    assert runtime_env["env_vars"] == {"A": "1"}
    shipped = cloudpickle.dumps(runtime_env["worker_process_setup_hook"])
    assert SECRET_VALUE.encode() not in shipped
    assert b"hmac-sha256:" in shipped  # the driver's secret is there as a fingerprint


def test_guard_rejects_what_it_cannot_do():
    with pytest.raises(ValueError, match="on_mismatch"):
        genevars.guard(on_mismatch="ignore")
    with pytest.raises(ValueError, match="at must be"):
        genevars.guard(at="info")
    with pytest.raises(TypeError, match="worker_process_setup_hook"):
        genevars.guard({"worker_process_setup_hook": 42})


def test_a_fix_manifest_is_guarded_like_a_runtime_env():
    manifest = genevars.ManifestBuilder.create("fix").env({"MODE": "prod"}).build()
    runtime_env = genevars.guard(manifest)
    assert runtime_env["env_vars"]["MODE"] == "prod"
    assert callable(runtime_env["worker_process_setup_hook"])
