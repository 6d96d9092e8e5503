"""compare_ray_environments on a real multi-node Ray cluster (ray.cluster_utils.Cluster).

One cluster serves the whole module:

  head   local's environment (PYTHONPATH holds a fake numpy 1.26.4, as locally)
  same   a worker node with the same environment as the head
  drift  PYTHONPATH holds a fake numpy 2.2.6 instead, plus an extra variable and another
         value of a secret-looking variable
  nogv   PYTHONPATH shadows genevars with a package whose import raises

Tests that add a node (a stuck probe, a node removed mid-probe) remove it themselves.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List

import pytest

from conftest import RAY_NODE_ARGS, free_port

import genevars
from genevars import compare_ray_environments, get_comparison_result

EXTRA_VAR = "GENEVARS_TEST_EXTRA_SETTING"
SECRET_VAR = "GENEVARS_TEST_API_KEY"
LOCAL_SECRET = "local-secret-3f9a7c1e"
NODE_SECRET = "node-secret-8b2d4e6f"


def make_dist(root: Path, name: str, version: str) -> Path:
    """A directory holding one installed distribution's metadata (no code)."""
    info = root / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (info / "INSTALLER").write_text("pip\n")
    return root


def make_sleepy_site(root: Path, seconds: int) -> Path:
    """A PYTHONPATH entry whose sitecustomize stalls every Ray worker process that starts
    with it (only workers: the node's own agents must start normally)."""
    root.mkdir(parents=True)
    (root / "sitecustomize.py").write_text(
        "import time\n"
        "with open('/proc/self/cmdline', 'rb') as cmdline:\n"
        "    if b'default_worker.py' in cmdline.read():\n"
        f"        time.sleep({seconds})\n"
    )
    return root


@dataclass
class DriftCluster:
    cluster: Any
    address: str
    client_address: str
    head: str
    same: str
    drift: str
    nogv: str
    trees: Path


@pytest.fixture(scope="module")
def drift_cluster(ray_cluster_factory, tmp_path_factory):
    trees = tmp_path_factory.mktemp("ray-envs")
    numpy1 = make_dist(trees / "numpy1", "numpy", "1.26.4")
    numpy2 = make_dist(trees / "numpy2", "numpy", "2.2.6")
    broken = trees / "broken-genevars" / "genevars"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("raise RuntimeError('genevars is broken on this node')\n")

    # Local sees numpy 1.26.4 through PYTHONPATH, and so does every node started from this
    # process's environment; the drift node's PYTHONPATH replaces it.
    saved_env = {key: os.environ.get(key) for key in ("PYTHONPATH", SECRET_VAR)}
    os.environ["PYTHONPATH"] = str(numpy1)
    os.environ[SECRET_VAR] = LOCAL_SECRET
    sys.path.insert(0, str(numpy1))
    client_port = free_port()
    try:
        cluster = ray_cluster_factory(
            node_envs=[
                None,
                {"PYTHONPATH": str(numpy2), EXTRA_VAR: "only-on-this-node", SECRET_VAR: NODE_SECRET},
                {"PYTHONPATH": f"{numpy1}{os.pathsep}{broken.parent}"},
            ],
            client_port=client_port,
        )
        same, drift, nogv = cluster.added_nodes
        yield DriftCluster(
            cluster=cluster,
            address=cluster.address,
            client_address=f"ray://127.0.0.1:{client_port}",
            head=cluster.head_node.node_id,
            same=same.node_id,
            drift=drift.node_id,
            nogv=nogv.node_id,
            trees=trees,
        )
    finally:
        sys.path.remove(str(numpy1))
        for key, value in saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def compare(cluster: DriftCluster, **kwargs) -> Any:
    kwargs.setdefault("timeout", 60)
    return get_comparison_result(auto_init=True, ray_address=cluster.address, **kwargs)


def findings_about(result: Any, subject: str) -> List[Dict[str, Any]]:
    """Local-vs-node findings about ``subject`` (not the drift between node groups)."""
    return [
        f for f in result.findings if f["subject"] == subject and not f["code"].startswith("drift.")
    ]


def drift_about(result: Any, subject: str) -> List[Dict[str, Any]]:
    """Findings about ``subject`` where node groups disagree with each other."""
    return [f for f in result.findings if f["subject"] == subject and f["code"].startswith("drift.")]


def group_of(result: Any, node_id: str) -> Dict[str, Any]:
    (group,) = [g for g in result.groups if node_id in [n["node_id"] for n in g["nodes"]]]
    return group


def test_nodes_are_grouped_and_the_numpy_node_is_an_error_naming_it(drift_cluster):
    result = compare(drift_cluster)

    assert len(result.groups) == 3
    assert {n["node_id"] for n in group_of(result, drift_cluster.head)["nodes"]} == {
        drift_cluster.head,
        drift_cluster.same,
    }
    assert [n["node_id"] for n in group_of(result, drift_cluster.drift)["nodes"]] == [drift_cluster.drift]
    assert all(n["node_address"] == "127.0.0.1" for g in result.groups for n in g["nodes"])

    (numpy,) = findings_about(result, "numpy")
    assert numpy["severity"] == "error"
    assert numpy["category"] == "package"
    assert (numpy["local"], numpy["remote"]) == ("1.26.4", "2.2.6")
    assert numpy["hint"] and "numpy==1.26.4" in numpy["hint"]
    assert numpy["nodes"] == [drift_cluster.drift]
    assert ["numpy", "1.26.4", "2.2.6"] in [
        list(t) for t in group_of(result, drift_cluster.drift)["pkg_diffs"]["version_mismatch"]
    ]
    assert group_of(result, drift_cluster.head)["pkg_diffs"]["version_mismatch"] == []
    # geneva's top-level key lists the drift of any group, as scripts written for one worker expect.
    assert ["numpy", "1.26.4", "2.2.6"] in [list(t) for t in result["pkg_diffs"]["version_mismatch"]]
    assert result.errors and not result.ok
    (between_groups,) = drift_about(result, "numpy")
    assert between_groups["severity"] == "error" and between_groups["nodes"] == [drift_cluster.drift]
    # One problem, counted once: the drift finding repeats local vs that group.
    said = [f for f in result.errors if not f["code"].startswith("drift.")]
    assert result.summary["errors"] == len(said)
    assert f"PROBLEMS FOUND: {len(said)} error" in result.report(color=False).splitlines()[0]

    (extra,) = findings_about(result, EXTRA_VAR)
    assert extra["category"] == "env"
    assert extra["nodes"] == [drift_cluster.drift]


def test_secret_values_appear_nowhere_but_their_difference_is_reported(drift_cluster):
    result = compare(drift_cluster)
    (secret,) = findings_about(result, SECRET_VAR)
    assert secret["nodes"] == [drift_cluster.drift]

    printed = io.StringIO()
    compare_ray_environments(auto_init=True, ray_address=drift_cluster.address, show_all=True, file=printed)
    texts = {
        "report": result.report(show_all=True),
        "printed": printed.getvalue(),
        "json": result.to_json(indent=2),
        "dict": json.dumps(result.to_dict()),
        "repr": repr(result),
        "html": result._repr_html_(),
        "findings": repr(result.findings),
    }
    for where, text in texts.items():
        assert LOCAL_SECRET not in text, where
        assert NODE_SECRET not in text, where
    assert SECRET_VAR in texts["report"]


def probe_parts(
    drift_cluster: DriftCluster, node_ids: List[str], options: Dict[str, Any], as_json: bool = False, parts: bool = False
) -> Any:
    """What the Ray layer returns from the real probe on these nodes: dicts, or with
    ``as_json`` NodeParts (``parts``: made by take_snapshot_parts, as
    get_comparison_result has them made)."""
    import ray

    from genevars import _probe, _ray

    ray.init(address=drift_cluster.address, logging_level="ERROR", log_to_driver=False)
    try:
        nodes = {n.node_id: n for n in _ray.list_nodes()}
        snapshots, unreachable = _ray.probe_nodes(
            [nodes[i] for i in node_ids],
            options,
            _probe.take_snapshot,
            timeout=60,
            as_json=as_json,
            take_parts=_probe.take_snapshot_parts if parts else None,
        )
    finally:
        ray.shutdown()
    assert unreachable == []
    return snapshots


def probe(
    drift_cluster: DriftCluster, node_ids: List[str], options: Dict[str, Any], as_json: bool = False, parts: bool = False
) -> List[Any]:
    """The snapshots of the real probe on these nodes: dicts, or with ``as_json`` each
    node's JSON text, read here from its rest and its package list."""
    answers = probe_parts(drift_cluster, node_ids, options, as_json, parts)
    if not as_json:
        return list(answers)
    return [
        json.dumps(dict(json.loads(rest), packages=json.loads(answers.lists[i])))
        for rest, i in zip(answers.rests, answers.list_of)
    ]


def test_one_fingerprint_key_serves_local_and_remote_probes(drift_cluster):
    from genevars import _probe
    from genevars.compare_env import _probe_options

    options = _probe_options(reveal_values=False, fingerprint_key="5a" * 32)
    local = _probe.take_snapshot(options)
    head, drift = probe(drift_cluster, [drift_cluster.head, drift_cluster.drift], options)
    for snapshot in (local, head, drift):
        assert snapshot["env"][SECRET_VAR]["withheld"] == "secret"
        assert snapshot["env"][SECRET_VAR]["fingerprint"].startswith("hmac-sha256:")
    assert head["env"][SECRET_VAR]["fingerprint"] == local["env"][SECRET_VAR]["fingerprint"]
    assert drift["env"][SECRET_VAR]["fingerprint"] != local["env"][SECRET_VAR]["fingerprint"]

    revealed = _probe_options(reveal_values=True, fingerprint_key="5a" * 32)
    (drift,) = probe(drift_cluster, [drift_cluster.drift], revealed)
    assert drift["env"][SECRET_VAR] == NODE_SECRET


def test_probes_answer_as_json_text_naming_their_node(drift_cluster):
    from genevars.compare_env import _probe_options

    options = _probe_options(reveal_values=False, fingerprint_key="00" * 32)
    nodes = [drift_cluster.head, drift_cluster.drift]
    as_dicts = probe(drift_cluster, nodes, options)
    as_text = probe(drift_cluster, nodes, options, as_json=True)
    as_parts = probe(drift_cluster, nodes, options, as_json=True, parts=True)
    for node_id, snapshot, text, from_parts in zip(nodes, as_dicts, as_text, as_parts):
        assert isinstance(snapshot, dict) and isinstance(text, str)
        # Made without a dict per package, the same snapshot (but the probe's pid, and
        # the values of Ray's per-job variables: each probe() is another job).
        parted, whole = json.loads(from_parts), json.loads(text)
        assert sorted(parted["env"]) == sorted(whole["env"])
        assert {**parted, "origin": None, "env": None} == {**whole, "origin": None, "env": None}
        assert parted["origin"]["node_id"] == node_id
        loaded = json.loads(text)
        assert loaded["origin"]["node_id"] == snapshot["origin"]["node_id"] == node_id
        assert loaded["origin"]["node_address"] == snapshot["origin"]["node_address"] == "127.0.0.1"
        assert loaded["origin"]["hostname"] == snapshot["origin"]["hostname"]
        assert loaded["packages"] == snapshot["packages"]
    versions = [{p["name"]: p["version"] for p in json.loads(t)["packages"]}["numpy"] for t in as_text]
    assert versions == ["1.26.4", "2.2.6"]


def test_package_lists_shared_by_nodes_are_fetched_once_each(drift_cluster, monkeypatch):
    """Package lists are the probes' second return values, named by digest; the texts
    the driver assembles are the snapshots the probes took."""
    import ray

    from genevars import _ray
    from genevars.compare_env import _probe_options

    monkeypatch.setattr(_ray, "_probe_task_cache", None)
    options = _probe_options(reveal_values=False, fingerprint_key="00" * 32)
    nodes = [drift_cluster.head, drift_cluster.same, drift_cluster.drift]
    as_dicts = probe(drift_cluster, nodes, options)
    as_text = probe(drift_cluster, nodes, options, as_json=True)
    for node_id, snapshot, text in zip(nodes, as_dicts, as_text):
        loaded = json.loads(text)
        assert loaded["origin"]["node_id"] == node_id
        assert loaded["packages"] == snapshot["packages"]
    # The driver holds one copy of a list two nodes share; no rest holds a list.
    parts = probe_parts(drift_cluster, nodes, options, as_json=True)
    assert parts.list_of == [0, 0, 1] and len(parts.lists) == 2
    assert not any("packages" in json.loads(rest) for rest in parts.rests)
    monkeypatch.setattr(_ray, "_probe_task_cache", None)

    # A copy that cannot be fetched is taken from another node with the same list; with
    # none left, the node is unreachable and says why.
    ray.init(address=drift_cluster.address, logging_level="ERROR", log_to_driver=False)
    try:
        # The probe's answer: the rest as text and the list's digest, then the list.
        fake = {"schema": "genevars.snapshot/1", "packages": [{"name": "numpy"}]}
        (rest, digest), packages = _ray._make_probe_task(lambda options: dict(fake))({}, True)
        assert json.loads(packages) == [{"name": "numpy"}]
        assert digest == hashlib.sha256(packages.encode()).hexdigest()
        assert json.loads(rest) == {"schema": "genevars.snapshot/1", "origin": {"node_id": None, "node_address": None, "hostname": None}}

        infos = {n.node_id: n for n in _ray.list_nodes()}
        packages = json.dumps([{"name": "numpy"}])
        rest = json.dumps({"schema": "genevars.snapshot/1"})
        answers = {
            drift_cluster.head: (rest, "d1"),
            drift_cluster.same: (rest, "d1"),
            drift_cluster.drift: (rest, "d2"),
            drift_cluster.nogv: (rest, "d3"),
        }
        package_lists = {
            drift_cluster.head: "not an object ref",
            drift_cluster.same: ray.put(packages),
            drift_cluster.drift: "not an object ref either",
            drift_cluster.nogv: ray.put("[]"),
        }
        unreachable: list = []
        lists = _ray._fetch_package_lists(answers, package_lists, infos, unreachable, time.monotonic() + 30)

        # Of two copies of one list, the driver's own node's is fetched (the other node
        # answered first; the copies differ here only to show which one was read).
        assert _ray._driver_node_id() == drift_cluster.head
        nearby = _ray._fetch_package_lists(
            {drift_cluster.same: (rest, "d1"), drift_cluster.head: (rest, "d1")},
            {drift_cluster.same: ray.put('["far"]'), drift_cluster.head: ray.put('["near"]')},
            infos,
            [],
            time.monotonic() + 30,
        )
    finally:
        ray.shutdown()
    # One copy per distinct list.
    assert lists == {"d1": packages, "d3": "[]"}
    assert [u["node_id"] for u in unreachable] == [drift_cluster.drift]
    assert unreachable[0]["error"].startswith("its package list could not be fetched: ")
    assert nearby == {"d1": '["near"]'}


def test_a_node_that_cannot_import_genevars_gets_a_full_stdlib_snapshot(drift_cluster):
    from genevars.compare_env import _probe_options

    options = _probe_options(reveal_values=False, fingerprint_key="00" * 32)
    nogv, head = probe(drift_cluster, [drift_cluster.nogv, drift_cluster.head], options)
    assert nogv["origin"]["node_id"] == drift_cluster.nogv
    assert nogv["genevars_version"] is None
    assert nogv["created_by"]["scanner"] == "python"
    assert {p["name"]: p["version"] for p in nogv["packages"]}["numpy"] == "1.26.4"
    assert "ray" in {p["name"] for p in nogv["packages"]}
    assert str(drift_cluster.trees / "broken-genevars") in nogv["sys_path"]
    assert head["genevars_version"] == genevars.__version__
    assert head["created_by"]["scanner"] == "native"

    result = compare(drift_cluster, nodes=[drift_cluster.nogv])
    assert any(
        f["category"] == "genevars" and f["nodes"] == [drift_cluster.nogv] for f in result.findings
    ), result.findings


def client_server_logs(cluster, tail: int = 4000) -> str:
    """The end of every Ray Client server log of the head node."""
    logs = Path(cluster.head_node.get_logs_dir_path())
    return "\n".join(
        f"--- {log.name}\n{log.read_text(errors='replace')[-tail:]}"
        for log in sorted(logs.glob("ray_client_server*"))
    )


def test_ray_client_gives_the_same_findings_as_the_gcs_address(drift_cluster):
    # One difference is Ray's own: a GCS driver puts its working directory on the workers'
    # sys.path, a Ray Client driver does not, so over Ray Client that entry is local-only.
    cwd = os.getcwd()

    def about_cwd(f):
        return f["category"] == "sys_path" and f["subject"] == cwd

    def key(result):
        return sorted(
            (f["severity"], f["code"], f["subject"], f["local"], f["remote"], tuple(f.get("nodes", [])))
            for f in result.findings
            if f["severity"] != "expected" and not about_cwd(f)
        )

    over_gcs = compare(drift_cluster)
    try:
        over_client = get_comparison_result(auto_init=True, ray_address=drift_cluster.client_address, timeout=180)
    except genevars.ClusterError as exc:
        # Ray starts a server process per client session; when that fails, its logs say why.
        pytest.fail(f"{exc}\n{client_server_logs(drift_cluster.cluster)}")
    assert key(over_client) == key(over_gcs)
    assert {f["code"] for f in over_client.findings if about_cwd(f)} <= {"only_local"}
    assert {n["node_id"] for g in over_client.groups for n in g["nodes"]} == {
        drift_cluster.head,
        drift_cluster.same,
        drift_cluster.drift,
        drift_cluster.nogv,
    }


def test_an_existing_connection_is_used_and_left_open(drift_cluster):
    import ray

    ray.init(address=drift_cluster.address, logging_level="ERROR", log_to_driver=False)
    try:
        one = get_comparison_result(nodes="one", timeout=60)
        assert ray.is_initialized()
        by_prefix = get_comparison_result(nodes=[drift_cluster.drift[:10]], timeout=60)
        with pytest.raises(genevars.ClusterError, match="not a node of this cluster"):
            get_comparison_result(nodes=["ffffffffffff"], timeout=60)
    finally:
        ray.shutdown()
    assert len(one.groups) == 1 and len(one.groups[0]["nodes"]) == 1
    assert one.groups[0]["nodes"][0]["node_id"] != drift_cluster.head  # a worker node
    assert [n["node_id"] for g in by_prefix.groups for n in g["nodes"]] == [drift_cluster.drift]


def test_auto_init_takes_the_local_snapshot_before_connecting(drift_cluster, probe_order):
    # ray.init changes this process's environment and sys.path: the local snapshot must
    # not see that, so without a connection it comes first.
    import ray

    result = compare(drift_cluster, nodes="one")
    assert probe_order == [("local snapshot", False), ("probes submitted", True)]
    assert len(result.groups) == 1 and not ray.is_initialized()


def test_address_auto_follows_ray_address(drift_cluster, monkeypatch):
    monkeypatch.setenv("RAY_ADDRESS", drift_cluster.address)
    result = get_comparison_result(auto_init=True, nodes=[drift_cluster.drift], timeout=60)
    assert findings_about(result, "numpy")[0]["nodes"] == [drift_cluster.drift]


def test_runtime_env_is_applied_to_the_probes(drift_cluster):
    marker = "GENEVARS_TEST_FROM_RUNTIME_ENV"
    result = compare(
        drift_cluster,
        nodes=[drift_cluster.head],
        runtime_env={"env_vars": {marker: "set-by-runtime-env"}},
    )
    (found,) = findings_about(result, marker)
    assert found["nodes"] == [drift_cluster.head]
    assert found["remote"] == "set-by-runtime-env" and found["local"] is None


def test_a_manifest_is_applied_like_a_runtime_env(drift_cluster):
    from genevars import ManifestBuilder

    marker = "GENEVARS_TEST_FROM_MANIFEST"
    manifest = ManifestBuilder.create("probe-env").env({marker: "set-by-manifest"}).build()
    result = compare(drift_cluster, nodes=[drift_cluster.head], manifest=manifest)
    (found,) = findings_about(result, marker)
    assert found["remote"] == "set-by-manifest" and found["nodes"] == [drift_cluster.head]


def test_fail_on_raises_after_printing(drift_cluster):
    printed = io.StringIO()
    with pytest.raises(compare_env_error()) as caught:
        compare_ray_environments(
            auto_init=True, ray_address=drift_cluster.address, fail_on="error", file=printed
        )
    assert "numpy" in printed.getvalue()
    assert caught.value.result.errors


def compare_env_error():
    from genevars.compare_env import EnvironmentMismatchError

    return EnvironmentMismatchError


def test_a_probe_stuck_past_the_timeout_is_unreachable_and_the_rest_reported(drift_cluster):
    sleepy = make_sleepy_site(drift_cluster.trees / "sleepy-timeout", 40)
    node = drift_cluster.cluster.add_node(**RAY_NODE_ARGS, env_vars={"PYTHONPATH": str(sleepy)})
    import ray

    ray.init(address=drift_cluster.address, logging_level="ERROR", log_to_driver=False)
    try:
        started = time.monotonic()  # connected already: time the probing alone
        result = get_comparison_result(timeout=12)
        elapsed = time.monotonic() - started
    finally:
        ray.shutdown()
        drift_cluster.cluster.remove_node(node)
    assert elapsed < 12 + 10
    (stuck,) = [f for f in result.findings if f["category"] == "unreachable"]
    assert stuck["nodes"] == [node.node_id]
    assert "12 s" in stuck["message"] + (stuck.get("remote") or "")
    assert findings_about(result, "numpy")[0]["nodes"] == [drift_cluster.drift]
    assert len(result.groups) == 3
    # The rest was compared, but not everything: never ok, and the headline says so first.
    assert not result.ok
    assert result.incomplete["compared"] == result.incomplete["selected"] - 1
    assert [n["reason"] for n in result.incomplete["nodes"]] == ["unreachable"]
    assert ": INCOMPLETE: " in result.report(color=False).splitlines()[0]


def test_a_node_removed_while_probing_is_unreachable_with_rays_error(drift_cluster):
    sleepy = make_sleepy_site(drift_cluster.trees / "sleepy-removed", 40)
    node = drift_cluster.cluster.add_node(**RAY_NODE_ARGS, env_vars={"PYTHONPATH": str(sleepy)})
    import ray

    everyone = [drift_cluster.head, drift_cluster.same, drift_cluster.drift, drift_cluster.nogv, node.node_id]
    ray.init(address=drift_cluster.address, logging_level="ERROR", log_to_driver=False)
    remover = threading.Timer(3.0, drift_cluster.cluster.remove_node, args=(node,))
    try:
        remover.start()  # the probes start within a second; the node's probe never ends
        started = time.monotonic()
        result = get_comparison_result(nodes=everyone, timeout=45)
        elapsed = time.monotonic() - started
    finally:
        remover.join()
        ray.shutdown()
    assert elapsed < 45
    (lost,) = [f for f in result.findings if f["category"] == "unreachable"]
    assert lost["nodes"] == [node.node_id]
    assert "no answer within" not in lost["message"] + (lost.get("remote") or "")
    assert findings_about(result, "numpy")[0]["nodes"] == [drift_cluster.drift]


def test_alive_nodes_come_filtered_from_the_gcs_and_a_dead_node_named_is_reported(drift_cluster):
    from genevars import _ray

    node = drift_cluster.cluster.add_node(**RAY_NODE_ARGS)
    dead = node.node_id
    drift_cluster.cluster.remove_node(node)
    import ray

    ray.init(address=drift_cluster.address, logging_level="ERROR", log_to_driver=False)
    try:
        deadline = time.monotonic() + 30
        while any(n.node_id == dead and n.alive for n in _ray.list_nodes()) and time.monotonic() < deadline:
            time.sleep(0.5)
        everything = _ray.list_nodes()
        from_table = [n for n in everything if n.alive]
        # This Ray's GCS filters on its side: the dead node is not even sent.
        infos = _ray._gcs_alive_node_infos()
        alive = _ray.list_alive_nodes()
        targets, none_dead = _ray.select_nodes("all")
        named, reported = _ray.select_nodes([drift_cluster.drift, dead])
    finally:
        ray.shutdown()
    assert infos is not None and dead not in {i.node_id.hex() for i in infos}
    assert [n.alive for n in everything if n.node_id == dead] == [False]
    assert alive == from_table  # the same NodeInfo, head first, as ray.nodes() gives them
    assert alive[0].is_head and alive[0].node_id == drift_cluster.head
    assert dead not in {n.node_id for n in alive}
    assert targets == alive and none_dead == []
    assert [n.node_id for n in named] == [drift_cluster.drift]
    assert [(e["node_id"], "dead" in e["error"]) for e in reported] == [(dead, True)]


# --- the command line against this cluster ---------------------------------------------


def run_cli(*args: str, module: str = "genevars.compare_env") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", module, *args], capture_output=True, text=True, timeout=180
    )


def test_cli_json_has_node_groups_and_exits_1_on_the_numpy_error(drift_cluster):
    done = run_cli("--address", drift_cluster.address, "--json")
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    assert data["schema"].startswith("genevars.comparison/")
    assert data["summary"]["errors"] >= 1
    groups = data["groups"]
    assert len(groups) == 3
    assert all(g["fingerprint"] for g in groups)
    node_ids = {n["node_id"] for g in groups for n in g["nodes"]}
    assert node_ids == {drift_cluster.head, drift_cluster.same, drift_cluster.drift, drift_cluster.nogv}
    assert LOCAL_SECRET not in done.stdout + done.stderr
    assert NODE_SECRET not in done.stdout + done.stderr


def test_cli_fail_on_never_exits_0_and_genevars_compare_is_the_same_command(drift_cluster):
    done = run_cli("--address", drift_cluster.address, "--fail-on", "never", "--no-sys-path")
    assert done.returncode == 0, done.stderr
    assert "numpy" in done.stdout
    assert drift_cluster.drift[:8] in done.stdout

    done = run_cli("compare", "--address", drift_cluster.address, "--nodes", drift_cluster.head, module="genevars")
    assert done.returncode == 0, done.stdout + done.stderr


def test_cli_manifest_in_and_fix_manifest_out(drift_cluster, tmp_path):
    from genevars import Manifest, ManifestBuilder

    marker = "GENEVARS_TEST_FROM_MANIFEST_FILE"
    applied = tmp_path / "applied.json"
    ManifestBuilder.create("probe-env").env({marker: "from-file"}).build().save(applied)
    fix = tmp_path / "fix.json"
    done = run_cli(
        "--address", drift_cluster.address, "--json", "--fail-on", "never",
        "--manifest", str(applied), "--fix-manifest", str(fix),
    )
    assert done.returncode == 0, done.stderr
    findings = json.loads(done.stdout)["findings"]
    assert any(f["subject"] == marker and f["remote"] == "from-file" for f in findings)
    # pip, or uv where the nodes have it (the test venv's uv, if any).
    runtime_env = Manifest.load(fix).to_runtime_env()
    assert "numpy==1.26.4" in runtime_env.get("uv", runtime_env.get("pip", []))


def test_the_fix_manifest_closes_the_gap_it_addresses(drift_cluster, monkeypatch):
    variable = "GENEVARS_TEST_ONLY_LOCAL_SETTING"
    monkeypatch.setenv(variable, "needed-by-the-job")
    before = compare(drift_cluster, nodes=[drift_cluster.head])
    (missing,) = findings_about(before, variable)
    assert missing["code"] == "only_local" and missing["nodes"] == [drift_cluster.head]

    fix = before.fix_manifest("fix").build()
    assert fix.to_runtime_env()["env_vars"][variable] == "needed-by-the-job"
    after = compare(drift_cluster, nodes=[drift_cluster.head], manifest=fix)
    assert findings_about(after, variable) == []
