"""Thousands of nodes: per-node variables learned, nodes given as the probes send them
(the rest of each snapshot and one copy of each package list), a report that stays short."""

from __future__ import annotations

import json

import pytest

from genevars import _core
from genevars._compare import compare_node_parts, compare_node_snapshots
from test_compare_support import snapshot

NODES = 2000
ODD = 10  # nodes on another image


def pods(count: int = NODES) -> tuple[dict, list[str], list[str], list[int]]:
    """local, and the nodes as (rests, lists, list_of): POD_IP / POD_NAME / POD_TOKEN per pod."""
    images = [{"numpy": "1.26.4", "pandas": "2.2.2"}, {"numpy": "1.26.4", "pandas": "2.2.3"}]
    lists = [json.dumps(snapshot(packages=p)["packages"]) for p in images]
    rests, list_of = [], []
    for i in range(count):
        image = 1 if i < ODD else 0
        env = {
            "HOME": "/root",
            "POD_IP": f"10.{i // 256}.{i % 256}.7",
            "POD_NAME": f"raycluster-worker-{i:05d}",
            "POD_TOKEN": f"{i * 7919:012x}deadbeef",
        }
        node_id = f"{i * 2654435761 % 2**48:012x}" + "0" * 44
        node = snapshot(env=env, origin={"node_id": node_id, "node_address": f"10.{i // 256}.{i % 256}.7"})
        del node["packages"]
        rests.append(json.dumps(node))
        list_of.append(image)
    local = snapshot(packages=images[0], env={"HOME": "/root"})
    return local, rests, lists, list_of


def test_thousands_of_pods_group_by_image_and_the_report_stays_short():
    local, rests, lists, list_of = pods()
    result = compare_node_parts(local, rests, lists, list_of)
    assert [len(g["nodes"]) for g in result.groups] == [NODES - ODD, ODD]
    per_node = [f for f in result.findings if f["code"] == "per_node"]
    assert sorted(f["subject"] for f in per_node) == ["POD_IP", "POD_NAME", "POD_TOKEN"]
    assert all(f["severity"] == "expected" and len(f["nodes"]) == NODES for f in per_node)

    text = result.report(show_all=True)
    lines = text.split("=== LOCAL SNAPSHOT")[0].splitlines()  # the JSON dumps show_all adds
    assert len(lines) < 80, text
    assert max(map(len, lines)) < 400
    assert "=== NODES: 2,000 nodes, 2 distinct environments ===" in text
    group0 = next(line for line in lines if line.startswith("  group 0: "))
    assert group0.startswith("  group 0: 1,990 nodes: ")
    assert "… (full list in --json)" in group0 and group0.count("(10.") == 5
    # Said once, on every node.
    assert text.count("POD_IP varies per node (2,000 values") == 1
    assert "local vs every node (2,000 nodes, all groups)" in text
    drift = next(line for line in lines if "node groups disagree: pandas" in line)
    assert drift.endswith("[group 1: 10 nodes]  [warning]"), drift
    # Hidden by default, counted.
    assert "varies per node" not in result.report()
    # The full node list is in the JSON.
    data = json.loads(result.to_json())
    assert len(data["groups"][0]["nodes"]) == NODES - ODD


def test_nodes_in_parts_compare_as_whole_texts():
    local, rests, lists, list_of = pods(40)
    whole = [json.dumps(dict(json.loads(r), packages=json.loads(lists[i]))) for r, i in zip(rests, list_of)]
    a = compare_node_parts(local, rests, lists, list_of)
    b = compare_node_snapshots(local, whole)
    assert a.to_json() == b.to_json()
    assert a.report(show_all=True) == b.report(show_all=True)


def test_a_bad_rest_or_list_is_refused_naming_the_first_node_that_has_it():
    local, rests, lists, list_of = pods(3)
    bad_list = json.dumps([{"name": "NumPy", "version": "1.0"}])
    with pytest.raises(_core.SnapshotError, match=r"^node snapshot 1: its package list is not a list of packages: missing field"):
        compare_node_parts(local, rests, [lists[0], bad_list], [0, 1, 1])
    with pytest.raises(_core.SnapshotError, match=r"^node snapshot 2: not valid JSON at line 1"):
        compare_node_parts(local, [rests[0], rests[1], rests[2][:-1]], lists, [0, 0, 0])
    with_packages = json.dumps(dict(json.loads(rests[0]), packages=[]))
    with pytest.raises(_core.SnapshotError, match="node snapshot 0: not a genevars snapshot: duplicate field `packages`"):
        compare_node_parts(local, [with_packages, *rests[1:]], lists, [0, 0, 0])


@pytest.mark.parametrize(
    ("lists", "list_of", "message"),
    [
        (["[]"], [0], "node_lists has 1 entries for 2 nodes"),
        (["[]"], [0, 3], "node_lists names package list 3"),
    ],
)
def test_bad_parts_are_refused_with_one_line(lists, list_of, message):
    local, rests, _, _ = pods(2)
    with pytest.raises(_core.ComparisonError, match=message):
        compare_node_parts(local, rests, lists, list_of)


def test_package_lists_without_node_lists_are_refused():
    local, rests, lists, _ = pods(2)
    with pytest.raises(_core.ComparisonError, match="give both or neither"):
        _core.compare_nodes(json.dumps(local), rests, package_lists=lists)
