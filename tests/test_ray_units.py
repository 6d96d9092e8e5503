"""Pieces of the Ray layer that need no cluster: addresses, node ids, progress, fail-on."""

from __future__ import annotations

import io

import pytest

from genevars import ClusterError, _probe, _ray
from genevars.compare_env import _at_or_above


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
    assert entry == {"node_id": "a" * 56, "node_address": "10.0.0.1", "error": "it died", "reason": "unreachable"}


def test_progress_is_silent_for_a_handful_of_nodes():
    stream = io.StringIO()
    progress = _ray._Progress(_ray.PROGRESS_THRESHOLD, stream)
    progress.step()
    progress.finish(0)
    assert stream.getvalue() == ""


def test_progress_in_a_log_is_one_line_per_tenth():
    stream = io.StringIO()
    progress = _ray._Progress(10_000, stream)
    for i in range(9_990):
        progress.step(failed=i < 2)
    progress.finish(10)
    lines = stream.getvalue().split("\n")
    assert lines[0] == "genevars: probing 10,000 Ray nodes..."
    assert lines[1] == "genevars: probed 1,000/10,000 nodes, 2 unreachable"
    assert lines[9] == "genevars: probed 9,000/10,000 nodes, 2 unreachable"
    assert lines[10] == "genevars: probed 9,990/10,000 nodes, 10 unreachable"
    assert lines[11:] == [""] and "\r" not in stream.getvalue() and "\x1b" not in stream.getvalue()


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def screen(written: str) -> list[str]:
    """What a terminal shows after ``written``: ``\\r`` returns to the line's start,
    ``ESC[K`` clears from the cursor to the end of the line."""
    lines, cursor = [""], 0
    i = 0
    while i < len(written):
        if written.startswith("\x1b[K", i):
            lines[-1] = lines[-1][:cursor]
            i += 3
            continue
        c = written[i]
        if c == "\r":
            cursor = 0
        elif c == "\n":
            lines.append("")
            cursor = 0
        else:
            line = lines[-1]
            lines[-1] = line[:cursor] + c + line[cursor + 1 :]
            cursor += 1
        i += 1
    return lines


def test_progress_on_a_terminal_is_one_live_line_without_leftovers(monkeypatch):
    stream = FakeTerminal()
    monkeypatch.setattr(_ray._Progress, "INTERVAL", 0.0)  # every step rewrites the line
    progress = _ray._Progress(10_000, stream)
    for i in range(4_312):
        progress.step(failed=i in (5, 9))
    assert screen(stream.getvalue()) == ["genevars: probed 4,312/10,000 nodes, 2 unreachable"]
    # A shorter final line leaves nothing of the longer ones.
    stream2 = FakeTerminal()
    progress = _ray._Progress(12, stream2)
    for _ in range(12):
        progress.step(failed=True)
    progress.finish(0)
    assert screen(stream2.getvalue()) == ["genevars: probed 12/12 nodes", ""]
    assert stream2.getvalue().count("\n") == 1


def test_progress_on_a_terminal_is_rewritten_at_most_ten_times_a_second():
    stream = FakeTerminal()
    progress = _ray._Progress(10_000, stream)
    for _ in range(10_000):
        progress.step()
    # The start, a few timed rewrites, and the last node's count.
    assert stream.getvalue().count("\r") < 50
    assert screen(stream.getvalue()) == ["genevars: probed 10,000/10,000 nodes"]


def test_errors_are_one_line_with_url_credentials_masked():
    error = RuntimeError("pip failed for https://user:hunter2@index.example/simple\nmore detail")
    text = _ray._describe_error(error)
    assert "\n" not in text and "hunter2" not in text and text.startswith("RuntimeError: ")


def test_fail_on_refuses_unknown_severities():
    with pytest.raises(ValueError, match="fail_on must be one of error, warning, never"):
        _at_or_above(None, "sometimes")


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
    for rest in ({"schema": "genevars.snapshot/1", "env": {"A": "}"}}, {"schema": "genevars.snapshot/1"}):
        joined = _ray.snapshot_text(rest, packages)
        assert json.loads(joined) == dict(rest, packages=json.loads(packages))
    with pytest.raises(ValueError, match="no fields"):
        _ray.snapshot_text({}, packages)

def test_an_error_announcing_a_traceback_is_described_by_its_cause():
    # Ray Client's failed session start: a heading, then the server's traceback.
    server_traceback = (
        "Traceback (most recent call last):\n"
        '  File "proxier.py", line 764, in Datapath\n'
        "    raise RuntimeError(\n"
        "RuntimeError: Starting Ray client server failed. See ray_client_server_23000.err for detailed logs.\n"
    )
    exc = ConnectionAbortedError(f"Initialization failure from server:\n{server_traceback}")
    described = _ray._describe_error(exc)
    assert described == (
        "ConnectionAbortedError: Initialization failure from server: RuntimeError: Starting Ray "
        "client server failed. See ray_client_server_23000.err for detailed logs."
    )
    assert "\n" not in described
    # A message whose first line says it all keeps to that line.
    assert _ray._describe_error(ValueError("bad address\nmore detail")) == "ValueError: bad address"
