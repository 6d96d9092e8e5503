"""A one-node local Ray cluster started from this very environment has nothing to report.

This is the main job from the README: ``python -m genevars.compare_env --address local``.
Everything Ray injects into its workers (variables, sys.path entries, vendored packages)
must come out ``expected``, never a warning or an error.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time

import pytest

from genevars import compare_ray_environments, get_comparison_result


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "genevars.compare_env", *args],
        capture_output=True,
        text=True,
        timeout=180,
    )


def loud(result) -> list:
    return [f for f in result.findings if f["severity"] in ("error", "warning")]


def test_main_job_on_a_local_cluster_is_clean_and_exits_0():
    done = run_cli("--address", "local", "--fail-on", "warning")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip()
    assert "Traceback" not in done.stderr


def test_main_job_json_has_one_group_with_the_node():
    done = run_cli("--address", "local", "--json", "--fail-on", "warning")
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads(done.stdout)
    assert data["summary"]["errors"] == 0 and data["summary"]["warnings"] == 0
    assert data["summary"]["expected"] > 0  # Ray's own variables and paths, hidden
    (group,) = data["groups"]
    (node,) = group["nodes"]
    assert len(node["node_id"]) == 56 and node["node_address"] == "127.0.0.1"
    assert group["fingerprint"]


def test_inside_an_initialized_ray_job_the_report_is_printed_and_clean(ray_one_node):
    printed = io.StringIO()
    result = compare_ray_environments(file=printed)
    assert loud(result) == []
    assert result.ok
    assert printed.getvalue().strip() == result.report().strip()
    # Ray's injections are counted but only listed with show_all.
    expected = [f for f in result.findings if f["severity"] == "expected"]
    assert expected
    shown = result.report(show_all=True)
    assert any(f["subject"] in shown for f in expected)


def test_env_prefix_limits_the_variables_compared(ray_one_node):
    result = get_comparison_result(
        env_prefix="GENEVARS_PREFIXED_",
        runtime_env={"env_vars": {"GENEVARS_PREFIXED_A": "1", "GENEVARS_OTHER_B": "2"}},
    )
    subjects = {f["subject"] for f in result.findings if f["category"] == "env"}
    assert "GENEVARS_PREFIXED_A" in subjects
    assert "GENEVARS_OTHER_B" not in subjects


def test_a_node_whose_cpus_are_all_busy_still_answers(ray_one_node):
    import ray

    @ray.remote(num_cpus=1)
    def hold_the_cpu() -> None:
        import time

        time.sleep(60)

    busy = hold_the_cpu.remote()
    try:
        deadline = time.monotonic() + 30
        while ray.available_resources().get("CPU", 0) > 0 and time.monotonic() < deadline:
            time.sleep(0.2)  # until it holds the node's only CPU
        assert ray.available_resources().get("CPU", 0) == 0
        result = get_comparison_result(timeout=30)
    finally:
        ray.cancel(busy, force=True)
    assert [f for f in result.findings if f["category"] == "unreachable"] == []
    assert len(result.groups) == 1


def test_a_runtime_env_ray_refuses_is_a_clear_error(ray_one_node, tmp_path):
    missing = tmp_path / "no-such-dir"
    with pytest.raises(ValueError, match="Ray refused the runtime_env") as caught:
        get_comparison_result(runtime_env={"working_dir": str(missing)}, timeout=20)
    assert str(missing) in str(caught.value)


def test_reveal_values_shows_a_secret_that_differs_on_the_node(ray_one_node, monkeypatch):
    canary = "canary-ray-7c1e-local"
    monkeypatch.setenv("GENEVARS_TEST_API_KEY", canary)
    # The node's workers get another value through the probes' runtime_env.
    node_env = {"env_vars": {"GENEVARS_TEST_API_KEY": "canary-ray-7c1e-node"}}
    revealed = get_comparison_result(runtime_env=node_env, reveal_values=True)
    report = revealed.report(color=False)
    assert f"local={canary}" in report and "remote=canary-ray-7c1e-node" in report, report
    diff = next(d for d in revealed["env_diffs"]["diffs"] if d["key"] == "GENEVARS_TEST_API_KEY")
    assert (diff["local"], diff["remote"]) == (canary, "canary-ray-7c1e-node")
    default = get_comparison_result(runtime_env=node_env)
    # Still found to differ (by fingerprint), but no value is shown anywhere.
    assert any(f["subject"] == "GENEVARS_TEST_API_KEY" for f in default.findings)
    shown = default.report(show_all=True, color=False) + default.to_json()
    assert "canary-ray-7c1e" not in shown



def test_connected_the_local_snapshot_is_taken_while_the_nodes_answer(ray_one_node, probe_order):
    result = get_comparison_result()
    assert probe_order == [("probes submitted", True), ("local snapshot", True)]
    assert loud(result) == [] and len(result.groups) == 1


def test_a_local_snapshot_that_fails_while_the_nodes_answer_cancels_the_probes(ray_one_node, monkeypatch):
    from genevars import _ray, compare_env

    cancelled = []
    cancel = _ray.Probes.cancel

    def recording_cancel(probes):
        cancelled.append(len(probes.pending))
        cancel(probes)

    def failing_local(options):
        raise OSError("cwd vanished")

    monkeypatch.setattr(_ray.Probes, "cancel", recording_cancel)
    monkeypatch.setattr(compare_env, "_local_snapshot", failing_local)
    with pytest.raises(OSError, match="cwd vanished"):
        get_comparison_result()
    # The probes were given up on (not left to be collected), each node's one.
    assert cancelled == [1]
    monkeypatch.undo()
    assert loud(get_comparison_result()) == []  # the connection is still usable
