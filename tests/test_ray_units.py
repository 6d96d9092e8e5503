"""Pieces of the Ray layer that need no cluster: addresses, node ids, progress, fail-on."""

from __future__ import annotations

import io

import pytest

from genevars import ClusterError, _probe, _ray
from genevars.compare_env import _failure


def node(node_id: str, alive: bool = True, head: bool = False) -> _ray.NodeInfo:
    return _ray.NodeInfo(node_id=node_id, address="10.0.0.1", hostname="h", alive=alive, is_head=head)


@pytest.mark.parametrize("address", ["10.0.0.5", "10.0.0.5:", ":6379", "host:port", "host:70000"])
def test_bad_addresses_are_refused_with_the_accepted_forms(address):
    with pytest.raises(ClusterError, match="HOST:PORT"):
        _ray._split_host_port(address)


def test_addresses_split_including_ipv6():
    assert _ray._split_host_port("10.0.0.5:6379") == ("10.0.0.5", 6379)
    assert _ray._split_host_port("[::1]:6379") == ("::1", 6379)


def test_node_ids_match_exactly_or_by_unique_prefix():
    nodes = [node("abcdef1234" + "0" * 46), node("abcdef9999" + "0" * 46), node("123456" + "f" * 50)]
    assert _ray._match_node_id("123456", nodes) is nodes[2]
    assert _ray._match_node_id(nodes[0].node_id.upper(), nodes) is nodes[0]
    with pytest.raises(ClusterError, match="matches several nodes"):
        _ray._match_node_id("abcdef", nodes)
    with pytest.raises(ClusterError, match="not a node of this cluster"):
        _ray._match_node_id("12345", nodes)  # too short to be a prefix


def test_unreachable_entries_carry_node_and_error():
    entry = node("a" * 56).unreachable("it died")
    assert entry == {"node_id": "a" * 56, "node_address": "10.0.0.1", "error": "it died", "reason": "probe_failed"}
    assert node("b" * 56).unreachable("late", "timeout")["reason"] == "timeout"


def test_progress_is_silent_for_a_handful_of_nodes():
    stream = io.StringIO()
    progress = _ray._Progress(_ray.PROGRESS_THRESHOLD, stream)
    progress.step()
    progress.finish(0)
    assert stream.getvalue() == ""


def test_progress_is_reported_for_many_nodes():
    stream = io.StringIO()
    progress = _ray._Progress(12, stream)
    for _ in range(10):
        progress.step()
    progress.finish(2)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "genevars: probing 12 Ray nodes..."
    assert lines[-1] == "genevars: probed 10/12 Ray nodes, 2 unreachable"


def test_errors_are_one_line_with_url_credentials_masked():
    error = RuntimeError("pip failed for https://user:hunter2@index.example/simple\nmore detail")
    text = _ray._describe_error(error)
    assert "\n" not in text and "hunter2" not in text and text.startswith("RuntimeError: ")


def test_fail_on_refuses_unknown_severities():
    with pytest.raises(ValueError, match="fail_on must be one of error, warning, never"):
        _failure(None, "sometimes")


def test_the_probe_task_is_made_once_per_probe_function():
    # A new remote function per call would be pickled, exported and loaded by every
    # worker again on each comparison.
    def other_probe(options):
        return {}

    first = _ray._probe_task(_probe.take_snapshot)
    assert _ray._probe_task(_probe.take_snapshot) is first
    assert _ray._probe_task(other_probe) is not first
    assert _ray._probe_task(_probe.take_snapshot) is not _ray._probe_task(other_probe)


def test_a_snapshot_text_is_joined_from_its_rest_and_its_package_list():
    import json

    packages = json.dumps([{"name": "numpy", "version": "1.26.4"}])
    for rest in ({"schema": "genevars.snapshot/1", "env": {"A": "}"}}, {}):
        for text in (json.dumps(rest), json.dumps(rest, indent=2) + "\n"):
            joined = _ray._with_packages(text, packages)
            assert json.loads(joined) == dict(rest, packages=json.loads(packages))
