"""The Python comparison API: compare_snapshots, compare_many, compare_node_snapshots and
ComparisonResult, on snapshots written as dicts, JSON text and files."""

from __future__ import annotations

import json

import pytest

import genevars
from genevars import _core
from genevars._compare import (
    ComparisonResult,
    compare_many,
    compare_node_snapshots,
    compare_snapshots,
)
from test_compare_support import LOCAL, REMOTE, SITE, snapshot, variant, withheld, write


def by_subject(result: ComparisonResult, subject: str, code: str | None = None) -> dict:
    matches = [f for f in result.findings if f["subject"] == subject and (code is None or f["code"] == code)]
    assert matches, f"no finding for {subject}: {result.findings}"
    return matches[0]


def test_public_names_are_exported():
    assert genevars.compare_snapshots is compare_snapshots
    assert genevars.ComparisonResult is ComparisonResult


def test_identical_environments_are_ok():
    result = compare_snapshots(REMOTE, REMOTE)
    assert result.ok
    assert result.findings == []
    assert result.summary == {"errors": 0, "warnings": 0, "info": 0, "expected": 0}
    assert result.kind == "pair"


def test_a_text_compared_again_gives_the_same_result_and_a_text_one_byte_apart_its_own(monkeypatch):
    """Parsed snapshots are kept by their text (snapshot::kept): the same texts give the
    same comparison, and a text of the same length that differs in one byte (attrs'
    version here) is read as itself, never as the kept one; with GENEVARS_NO_CACHE=1 alike."""
    local, remote = json.dumps(LOCAL), json.dumps(REMOTE)
    first = _core.compare(local, remote).to_json()
    assert _core.compare(local, remote).to_json() == first
    assert '"24.2.0"' in remote
    other = remote.replace('"24.2.0"', '"24.2.1"')
    assert len(other) == len(remote)
    changed = _core.compare(local, other).to_json()
    assert changed != first and "24.2.1" in changed and "24.2.1" not in first
    monkeypatch.setenv("GENEVARS_NO_CACHE", "1")
    assert _core.compare(local, remote).to_json() == first
    assert _core.compare(local, other).to_json() == changed


def test_findings_errors_warnings_and_summary():
    result = compare_snapshots(LOCAL, REMOTE)
    assert not result.ok
    assert sorted(f["subject"] for f in result.errors) == ["attrs", "numpy"]
    numpy = by_subject(result, "numpy")
    assert numpy["category"] == "package"
    assert numpy["code"] == "version.major"
    assert (numpy["local"], numpy["remote"]) == ("1.26.4", "2.2.6")
    assert "ArrowInvalid" in numpy["hint"] and numpy["hint"].endswith("pin numpy==1.26.4")
    assert {f["subject"] for f in result.warnings} == {"my-custom-package", "AWS_ACCESS_KEY_ID"}
    s = result.summary
    assert s["errors"] == 2 and s["warnings"] == 2
    assert s["expected"] >= 4  # RAY_JOB_ID, OMP_NUM_THREADS, KUBERNETES_SERVICE_HOST, HOME, thirdparty path
    assert by_subject(result, "RAY_JOB_ID")["severity"] == "expected"
    # five-oh equals five-oh-oh under PEP 440: no finding for six.
    assert all(f["subject"] != "six" for f in result.findings)
    # Most severe first.
    ranks = {"error": 3, "warning": 2, "info": 1, "expected": 0}
    order = [ranks[f["severity"]] for f in result.findings]
    assert order == sorted(order, reverse=True)


def test_geneva_keys_and_mapping_access():
    result = compare_snapshots(LOCAL, REMOTE)
    assert result["pkg_diffs"]["version_mismatch"] == [["attrs", "23.2.0", "24.2.0"], ["numpy", "1.26.4", "2.2.6"]]
    assert result["pkg_diffs"]["only_local"] == ["my-custom-package"]
    assert result["pkg_diffs"]["only_remote"] == ["kuberay-client"]
    assert result["env_diffs"]["only_local"] == ["AWS_ACCESS_KEY_ID", "CONDA_PREFIX"]
    assert "RAY_JOB_ID" in result["env_diffs"]["only_remote"]
    assert {"key": "MY_SETTING", "local": "a", "remote": "b"} in result["env_diffs"]["diffs"]
    paths = result["sys_path_diffs"]
    assert paths["only_remote"] == [f"{SITE}/ray/thirdparty_files"]
    assert (paths["intersection_count"], paths["local_count"], paths["remote_count"]) == (2, 2, 3)
    assert set(result) >= {"schema", "summary", "findings", "local", "remote", "env_diffs", "pkg_diffs", "sys_path_diffs", "groups"}
    assert len(result) == len(result.to_dict())
    assert result.groups == []


def test_json_contract():
    result = compare_snapshots(LOCAL, REMOTE)
    data = json.loads(result.to_json())
    assert data["schema"] == "genevars.comparison/1"
    assert data["summary"] == result.summary
    assert data["local"]["schema"] == "genevars.snapshot/1"
    assert data["remote"]["packages"][0]["name"] == "numpy"
    assert json.loads(result.to_json(indent=None)) == data
    assert "\n" not in result.to_json(indent=None)
    assert json.loads(result.to_json(indent=4)) == data
    # to_dict hands out a fresh copy: editing it does not change the result.
    d = result.to_dict()
    d["findings"].clear()
    assert result.findings


def test_inputs_as_json_text_and_paths(tmp_path):
    a = write(tmp_path / "a.json", LOCAL)
    b = write(tmp_path / "b.json", REMOTE)
    from_paths = compare_snapshots(a, str(b))
    from_text = compare_snapshots(json.dumps(LOCAL), json.dumps(REMOTE))
    assert from_paths.findings == from_text.findings == compare_snapshots(LOCAL, REMOTE).findings


def test_objects_with_to_json_are_accepted():
    class SnapshotLike:
        def __init__(self, data):
            self.data = data

        def to_json(self):
            return json.dumps(self.data)

    result = compare_snapshots(SnapshotLike(LOCAL), SnapshotLike(REMOTE))
    assert len(result.errors) == 2


def test_bad_inputs_raise_clear_errors(tmp_path):
    with pytest.raises(genevars.SnapshotError, match=r"missing\.json: no such file"):
        compare_snapshots(LOCAL, tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(genevars.SnapshotError, match=r"broken\.json: not valid JSON at line 1"):
        compare_snapshots(broken, LOCAL)
    with pytest.raises(genevars.SnapshotError, match="remote snapshot: .*schema"):
        compare_snapshots(LOCAL, {"schema": "genevars.snapshot/9"})
    no_python = variant(LOCAL)
    del no_python["python"]
    with pytest.raises(genevars.SnapshotError, match="missing field `python`"):
        compare_snapshots(LOCAL, no_python)
    with pytest.raises(genevars.SnapshotError, match="is a directory"):
        compare_snapshots(LOCAL, tmp_path)
    with pytest.raises(TypeError, match="expected a genevars.Snapshot, a dict, JSON text or a path"):
        compare_snapshots(LOCAL, 42)
    with pytest.raises(TypeError, match="compare_snapshots"):
        ComparisonResult(None)
    with pytest.raises(ValueError, match="unknown severity 'fatal'"):
        compare_snapshots(LOCAL, REMOTE).at_or_above("fatal")


def test_env_prefix_and_sys_path_options():
    only_aws = compare_snapshots(LOCAL, REMOTE, env_prefix="AWS_")
    env_subjects = {f["subject"] for f in only_aws.findings if f["category"] == "env"}
    assert env_subjects == {"AWS_ACCESS_KEY_ID"}
    no_path = compare_snapshots(LOCAL, REMOTE, include_sys_path=False)
    assert not [f for f in no_path.findings if f["category"] == "sys_path"]
    assert no_path["sys_path_diffs"]["only_remote"] == []


def test_at_or_above():
    result = compare_snapshots(LOCAL, REMOTE)
    assert {f["severity"] for f in result.at_or_above("warning")} == {"error", "warning"}
    assert len(result.at_or_above("expected")) == len(result.findings)


def test_platform_and_python_differences():
    mac = snapshot({"numpy": "1.26.4"}, system="Darwin", machine="arm64", python=(3, 12, 2))
    linux = snapshot({"numpy": "1.26.4"}, python=(3, 10, 14))
    result = compare_snapshots(mac, linux)
    codes = {f["code"]: f for f in result.errors}
    assert set(codes) >= {"python.minor", "platform.system", "platform.machine"}
    assert "run from the cluster's OS/architecture (Linux)" in codes["platform.system"]["hint"]


def test_torch_cpu_against_cuda_build_is_an_error():
    result = compare_snapshots(snapshot({"torch": "2.3.1+cpu"}), snapshot({"torch": "2.3.1+cu121"}))
    torch = by_subject(result, "torch")
    assert (torch["severity"], torch["code"]) == ("error", "version.local")
    assert "CUDA" in torch["message"]


def test_fix_manifest_delegates_to_the_manifest_builder(monkeypatch):
    import genevars._manifest as manifest

    calls = []
    monkeypatch.setattr(manifest, "fix_manifest_builder", lambda result, name: calls.append((result, name)) or "builder", raising=False)
    result = compare_snapshots(LOCAL, REMOTE)
    assert result.fix_manifest("pins") == "builder"
    assert calls == [(result, "pins")]


def test_repr_is_short_and_counts():
    result = compare_snapshots(LOCAL, REMOTE)
    assert repr(result) == "<ComparisonResult pair: 2 errors, 2 warnings, 3 info, 5 expected>"


def node(base: dict, node_id: str, **env: str) -> dict:
    snap = variant(base, origin={"node_id": node_id, "node_address": "127.0.0.1", "hostname": f"host-{node_id}", "pid": 1})
    snap["env"].update({"RAY_RAYLET_PID": node_id, "OMP_NUM_THREADS": "1"}, **env)
    snap["cwd"] = f"/tmp/ray/session_1/{node_id}"
    return snap


def test_nodes_are_grouped_and_drift_is_an_error_naming_nodes():
    base = snapshot({"numpy": "1.26.4", "pandas": "2.3.3"})
    n1, n2 = node(base, "aaa"), node(base, "bbb")
    n3 = node(base, "ccc", EXTRA_VAR="1")
    n3["packages"][0]["version"] = "2.2.6"
    unreachable = [{"node_id": "ddd", "node_address": "127.0.0.2", "error": "GetTimeoutError: probe timed out after 5 s"}]
    local = variant(base)
    local["env"]["ONLY_ON_MY_LAPTOP"] = "1"
    result = compare_node_snapshots(local, [n1, n2, n3], unreachable)
    assert result.kind == "nodes"
    groups = result.groups
    assert [[n["node_id"] for n in g["nodes"]] for g in groups] == [["aaa", "bbb"], ["ccc"]]
    assert groups[1]["nodes"][0] == {"node_id": "ccc", "node_address": "127.0.0.1", "hostname": "host-ccc"}
    assert groups[0]["fingerprint"] != groups[1]["fingerprint"]
    assert groups[1]["pkg_diffs"]["version_mismatch"] == [["numpy", "1.26.4", "2.2.6"]]
    assert groups[0]["summary"]["errors"] == 0
    numpy = by_subject(result, "numpy", "version.major")
    assert (numpy["severity"], numpy["nodes"], numpy["group"]) == ("error", ["ccc"], 1)
    between = by_subject(result, "numpy", "drift.version.major")
    assert (between["severity"], between["nodes"], between["group"]) == ("error", ["ccc"], 1)
    drift = result["matrix"]
    assert drift["columns"] == ["local", "group 0", "group 1"]
    assert [(r["subject"], r["values"], r["severity"]) for r in drift["rows"]] == [
        ("numpy", ["1.26.4", "1.26.4", "2.2.6"], "error")
    ]
    assert by_subject(result, "EXTRA_VAR", "only_remote")["nodes"] == ["ccc"]
    # What every group shares is one finding for every node, not one per group.
    (laptop,) = [f for f in result.findings if f["subject"] == "ONLY_ON_MY_LAPTOP"]
    assert (laptop["nodes"], laptop.get("group")) == (["aaa", "bbb", "ccc"], None)
    gone = by_subject(result, "ddd")
    assert (gone["category"], gone["severity"]) == ("unreachable", "warning")
    assert "GetTimeoutError" in gone["message"]
    assert result["node_count"] == 4
    text = result.report(color=False)
    assert "4 nodes, 2 distinct environments" in text
    assert "unreachable" in text


def test_native_compare_nodes_validates_unreachable_items():
    base = json.dumps(snapshot())
    with pytest.raises(genevars.ComparisonError, match=r"unreachable\[0\]: no \"node_id\""):
        _core.compare_nodes(base, [base], [{"error": "x"}])
    with pytest.raises(genevars.ComparisonError, match=r"unreachable\[0\]: not a dict"):
        _core.compare_nodes(base, [base], ["n1"])
    with pytest.raises(genevars.SnapshotError, match="node snapshot 1"):
        _core.compare_nodes(base, [base, "{}"], [])


def test_node_texts_of_one_environment_group_together_however_written():
    """Nodes arrive as JSON text; the same environment written with other key order,
    spacing, escapes or package order is one group, and each node keeps its origin."""
    base = snapshot({"numpy": "1.26.4", "pandas": "2.3.3", "torch": "2.2.2"})
    texts = [json.dumps(node(base, "n0"))]
    texts.append(json.dumps(node(base, "n1"), sort_keys=True, indent=1))
    texts.append(json.dumps(node(base, "n2"), ensure_ascii=True).replace('"numpy"', '"\\u006eumpy"'))
    reordered = node(base, "n3")
    reordered["packages"].reverse()
    texts.append(json.dumps(reordered, separators=(",", ":")))
    texts.append(json.dumps(node(base, "n4")))  # the same text as n0 but for origin
    drifted = node(base, "n5")
    drifted["packages"][1]["version"] = "2.2.0"
    texts.append(json.dumps(drifted))
    assert json.loads(texts[2])["packages"][0]["name"] == "numpy"
    result = _core.compare_nodes(json.dumps(base), texts, [])
    groups = json.loads(result.to_json())["groups"]
    assert [[n["node_id"] for n in g["nodes"]] for g in groups] == [["n0", "n1", "n2", "n3", "n4"], ["n5"]]
    assert groups[0]["nodes"][2] == {"node_id": "n2", "node_address": "127.0.0.1", "hostname": "host-n2"}
    assert groups[1]["pkg_diffs"]["version_mismatch"] == [["pandas", "2.3.3", "2.2.0"]]
    # The fingerprint is that of each snapshot alone.
    assert groups[0]["fingerprint"] == _core.environment_fingerprint(texts[3])
    assert groups[1]["fingerprint"] == _core.environment_fingerprint(texts[5])


def test_the_first_invalid_node_text_is_named():
    good = json.dumps(node(snapshot({"numpy": "1.26.4"}), "n0"))
    bad_name = good.replace('"name": "numpy"', '"name": "NumPy"')
    assert bad_name != good
    with pytest.raises(genevars.SnapshotError, match=r"node snapshot 1: .*not normalized"):
        _core.compare_nodes(good, [good, bad_name, good[:-1]], [])
    with pytest.raises(genevars.SnapshotError, match=r"node snapshot 1: not valid JSON"):
        _core.compare_nodes(good, [good, good[:-1], bad_name], [])


def test_compare_many_builds_a_matrix(tmp_path):
    first = write(tmp_path / "local.json", snapshot({"numpy": "1.26.4", "pandas": "2.3.3", "torch": "2.2.2"}, python=(3, 12, 2)))
    pt22 = write(tmp_path / "pt22.json", snapshot({"numpy": "1.26.4", "torch": "2.2.0"}, python=(3, 10, 14)))
    pt24 = write(tmp_path / "pt24.json", snapshot({"numpy": "2.0.1", "torch": "2.4.0"}, python=(3, 11, 9)))
    result = compare_many([first, pt22, pt24])
    assert result.kind == "many"
    matrix = result["matrix"]
    assert matrix["columns"] == ["local.json", "pt22.json", "pt24.json"]
    rows = {r["subject"]: r for r in matrix["rows"]}
    assert rows["python"]["values"] == ["CPython 3.12.2", "CPython 3.10.14", "CPython 3.11.9"]
    assert rows["pandas"]["values"] == ["2.3.3", None, None]
    assert rows["pandas"]["severity"] == "error"
    assert rows["numpy"]["values"] == ["1.26.4", "1.26.4", "2.0.1"]
    assert [g["label"] for g in result.groups] == ["pt22.json", "pt24.json"]
    numpy = by_subject(result, "numpy")
    assert numpy["nodes"] == ["pt24.json"] and numpy["group"] == 1
    with pytest.raises(genevars.ComparisonError, match="at least two snapshots"):
        compare_many([first])


def test_secret_fingerprints_decide_whether_values_differ():
    local = snapshot(env={"DB_PASSWORD": withheld("hmac-sha256:" + "a" * 32), "API_TOKEN": withheld("hmac-sha256:" + "b" * 32), "OLD_SECRET": withheld()})
    remote = snapshot(env={"DB_PASSWORD": withheld("hmac-sha256:" + "c" * 32), "API_TOKEN": withheld("hmac-sha256:" + "b" * 32), "OLD_SECRET": withheld()})
    result = compare_snapshots(local, remote)
    assert by_subject(result, "DB_PASSWORD")["code"] == "value_differs"
    assert by_subject(result, "DB_PASSWORD")["local"] == _core.WITHHELD
    assert all(f["subject"] != "API_TOKEN" for f in result.findings)
    assert by_subject(result, "OLD_SECRET")["code"] == "cannot_tell"


def test_real_snapshot_objects_of_this_environment():
    snap = genevars.snapshot_env()
    result = compare_snapshots(snap, genevars.Snapshot.from_json(snap.to_json()))
    assert result.ok, result.report(color=False)
    assert result["pkg_diffs"] == {"only_local": [], "only_remote": [], "version_mismatch": []}
    assert result["local"]["packages"], "the embedded snapshot keeps its packages"
