"""Shared fixtures: real Ray clusters on 127.0.0.1, torn down by the handles that made them.

``own_cache``         (autouse) XDG_CACHE_HOME in a temporary directory for every test.
``ray_sessions_removed`` (autouse) the run's Ray sessions live in ``RAY_TMPDIR``, removed at the end.
``probe_order``       records when get_comparison_result probes and takes the local snapshot.
``ray_one_node``      a one-node cluster this process is connected to (module scope).
``ray_cluster_factory`` makes ``ray.cluster_utils.Cluster`` instances whose nodes can each
                      get their own environment; all are shut down at the end of the module.
                      The test process is NOT connected to them: pass ``cluster.address``
                      with ``auto_init=True``, or call ``ray.init(address=cluster.address)``.
Never ``ray stop`` or a kill by name: other Ray clusters may run on this machine.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence

import pytest

# Before any Ray process starts: loopback only, no usage stats, and never a cluster picked
# up from the environment (other people's clusters may run on this machine).
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
os.environ.pop("RAY_ADDRESS", None)
# A Ray Client session gets a server process of its own, which Ray gives 30 s to answer; a
# loaded two-core machine running four test nodes can need longer.
os.environ.setdefault("RAY_CLIENT_SERVER_CHECK_CHANNEL_TIMEOUT_S", "120")
# Every Ray session of the run under one directory of its own, removed at the end: Ray
# keeps each session's logs and runtime_env virtualenvs (hundreds of MB for a pip or uv
# runtime_env) under /tmp/ray for ever otherwise. Short, for Ray's Unix socket paths.
RAY_TMPDIR = tempfile.mkdtemp(prefix="gv-ray-")
os.environ["RAY_TMPDIR"] = RAY_TMPDIR


@pytest.fixture(scope="session", autouse=True)
def ray_sessions_removed() -> Iterator[None]:
    """Removes the run's Ray sessions after every cluster fixture is torn down."""
    yield
    shutil.rmtree(RAY_TMPDIR, ignore_errors=True)

# Keyword arguments for every test node: loopback, no dashboard, a small object store.
RAY_NODE_ARGS: Dict[str, Any] = {
    "node_ip_address": "127.0.0.1",
    "include_dashboard": False,
    "object_store_memory": 80 * 1024 * 1024,
    "num_cpus": 1,
}


@pytest.fixture(autouse=True)
def own_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test keeps genevars' caches (`snapshot --python` remembers interpreter
    descriptions) in a temporary directory, never in the user's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def probe_order(monkeypatch: pytest.MonkeyPatch) -> List[tuple]:
    """Records, in order, when ``get_comparison_result`` submits its probes and when it
    takes the local snapshot, each with whether Ray was connected then (genevars' own
    functions are wrapped; Ray itself runs for real)."""
    from genevars import _ray, compare_env

    events: List[tuple] = []
    start_probes, local_snapshot = _ray.start_probes, compare_env._local_snapshot

    def recording_start(*args: Any, **kwargs: Any) -> Any:
        events.append(("probes submitted", _ray.is_connected()))
        return start_probes(*args, **kwargs)

    def recording_local(options: Dict[str, Any]) -> str:
        events.append(("local snapshot", _ray.is_connected()))
        return local_snapshot(options)

    monkeypatch.setattr(_ray, "start_probes", recording_start)
    monkeypatch.setattr(compare_env, "_local_snapshot", recording_local)
    return events


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def ray_one_node() -> Iterator[str]:
    """A one-node local Ray cluster this process is connected to; yields its GCS address."""
    import ray

    ray.init(
        address="local",
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        object_store_memory=RAY_NODE_ARGS["object_store_memory"],
        num_cpus=1,
        logging_level="ERROR",
        log_to_driver=False,
    )
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()


ClusterFactory = Callable[..., Any]


@pytest.fixture(scope="module")
def ray_cluster_factory() -> Iterator[ClusterFactory]:
    """``make(node_envs=[{...}, None], head_env=None, client_port=None) -> Cluster``.

    ``cluster.added_nodes`` lists the worker nodes in the order of ``node_envs``.

    The head node gets ``head_env`` (plus a Ray Client server on ``client_port`` when
    given); each entry of ``node_envs`` adds a worker node whose raylet (and so its
    workers) runs with those variables on top of this process's environment.
    """
    import ray
    from ray.cluster_utils import Cluster

    made: List[Cluster] = []

    def make(
        node_envs: Sequence[Optional[Dict[str, str]]] = (),
        head_env: Optional[Dict[str, str]] = None,
        client_port: Optional[int] = None,
    ) -> Cluster:
        head_args = dict(RAY_NODE_ARGS)
        if head_env:
            head_args["env_vars"] = head_env
        if client_port:
            head_args["ray_client_server_port"] = client_port
        cluster = Cluster(initialize_head=True, head_node_args=head_args)
        made.append(cluster)
        # The worker nodes in the order of node_envs (Cluster keeps them in a set).
        cluster.added_nodes = [
            cluster.add_node(**RAY_NODE_ARGS, env_vars=env or None) for env in node_envs
        ]
        return cluster

    try:
        yield make
    finally:
        if ray.is_initialized():
            ray.shutdown()
        for cluster in made:
            cluster.shutdown()
