"""The verdict on a real cluster: never "OK" for a node that could not be compared.

Two nodes on 127.0.0.1. The second one's processes see a ``virtualenv`` that cannot be
imported (as on a node without it), so a runtime_env that pins a package (six==1.16.0)
is set up on the head and fails on that node: a real ``RuntimeEnvSetupError``, raised
before Ray touches the environment directory both nodes share on this machine.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import ray

from genevars import ManifestBuilder, get_comparison_result

PIN = "six==1.16.0"


@pytest.fixture(scope="module")
def cluster(ray_cluster_factory, tmp_path_factory):
    no_virtualenv = tmp_path_factory.mktemp("no-virtualenv")
    (no_virtualenv / "virtualenv").mkdir()
    (no_virtualenv / "virtualenv" / "__init__.py").write_text(
        "raise ImportError('virtualenv is not installed on this node')\n"
    )
    return ray_cluster_factory(node_envs=[{"PYTHONPATH": str(no_virtualenv)}])


def run_cli(address: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER="0", RAY_USAGE_STATS_ENABLED="0")
    return subprocess.run(
        [sys.executable, "-m", "genevars.compare_env", "--address", address, "--timeout", "600", *args],
        capture_output=True, text=True, timeout=900, env=env,
    )


def test_a_runtime_env_failing_on_one_node_is_an_error_and_the_result_incomplete(cluster):
    manifest = ManifestBuilder.create("pin").pip([PIN]).setup_timeout_seconds(600).build()
    ray.init(address=cluster.address, logging_level="ERROR", log_to_driver=False)
    try:
        result = get_comparison_result(manifest=manifest, timeout=600)
    finally:
        ray.shutdown()
    failing = cluster.added_nodes[0].node_id
    [finding] = [f for f in result.findings if f["category"] == "runtime_env"]
    assert (finding["severity"], finding["code"], finding["subject"]) == ("error", "runtime_env", failing)
    # Ray's real cause, not its first line ("Failed to set up runtime environment.").
    assert "could not set up the runtime_env: RuntimeError: Please install virtualenv" in finding["message"], finding["message"]
    assert "timeout" not in finding["hint"]
    assert result.ok is False
    assert result.incomplete["selected"] == 2 and result.incomplete["compared"] == 1
    assert [(n["node_id"], n["reason"]) for n in result.incomplete["nodes"]] == [(failing, "runtime_env")]
    assert result.to_dict()["summary"]["incomplete"] == result.incomplete
    headline = result.report(color=False).splitlines()[0]
    assert "INCOMPLETE: 1 of 2 nodes compared; PROBLEMS FOUND" in headline, headline
    assert "INCOMPLETE: 1 of 2 nodes compared" in result._repr_html_()


def test_cli_exits_1_for_an_incomplete_comparison_even_with_fail_on_error(cluster):
    done = run_cli(cluster.address, "--runtime-env", f'{{"pip": ["{PIN}"]}}')
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("genevars: local vs 2 nodes, 1 distinct environment: INCOMPLETE: 1 of 2"), done.stdout[:300]
    never = run_cli(cluster.address, "--runtime-env", f'{{"pip": ["{PIN}"]}}', "--fail-on", "never")
    assert never.returncode == 0, never.stderr


def test_nothing_compared_exits_2_with_one_line(cluster):
    # No conda on these nodes: Ray fails the runtime_env on both.
    done = run_cli(cluster.address, "--runtime-env", '{"conda": "genevars-no-such-env"}')
    assert done.returncode == 2, (done.stdout[-2000:], done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("genevars: no node could set up the runtime_env, so nothing was compared"), lines
    assert "Could not find Conda executable" in lines[0], lines
    assert "NOTHING COMPARED: 0 of 2 nodes answered" in done.stdout.splitlines()[0]


def test_rays_refusal_of_a_runtime_env_is_masked(cluster):
    secret = "hunter2-refused-canary"
    ray.init(address=cluster.address, logging_level="ERROR", log_to_driver=False)
    try:
        with pytest.raises(ValueError) as caught:
            # Ray validates the runtime_env when the probe is submitted, and its message
            # quotes the URL (normalized as a path: `https:/u:...@h/...`).
            get_comparison_result(runtime_env={"pip": f"https://u:{secret}@h/requirements.txt"})
    finally:
        ray.shutdown()
    assert secret not in str(caught.value), caught.value
    assert "Ray refused the runtime_env" in str(caught.value)
