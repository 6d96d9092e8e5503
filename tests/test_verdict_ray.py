"""The verdict on a real two-node Ray cluster when nodes cannot be compared.

  head    a plain node
  novenv  a worker node where ``virtualenv`` cannot be imported (its PYTHONPATH shadows
          it), which Ray's pip runtime_env needs: any pip runtime_env fails there, at once,
          and only there

Ray's pip runtime_env needs ``virtualenv`` importable (the ``test`` extra installs it).
(The nodes share one session directory on this machine, so a runtime_env set up on both
at once would race for one virtualenv directory: here only the head ever sets one up.)
Ray retries a failed runtime_env setup once here (RUNTIME_ENV_RETRY_TIMES=1, set for the
cluster's processes only) and remembers the failure, so a second comparison with the same
runtime_env gets Ray's answer at once.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Dict, List

import pytest

from test_ray_errors import run_cli

from genevars import compare_ray_environments, get_comparison_result
from genevars.compare_env import EnvironmentMismatchError

URL_CANARY = "canary-pw-5e1d"
# Fails on every node: no such package, from an index that does not answer (offline,
# fast), named with a credential that must not show anywhere.
NO_SUCH_PACKAGE = {
    "pip": {
        "packages": ["genevars-no-such-package-xyz"],
        "pip_install_options": [
            "--index-url",
            f"https://genevars-user:{URL_CANARY}@127.0.0.1:9/simple",
            "--retries",
            "0",
            "--timeout",
            "2",
        ],
    }
}
# Installs on the head (pip is in the cloned virtualenv already, no index needed) and
# fails on the novenv node.
ONLY_PIP = {"pip": {"packages": ["pip"], "pip_install_options": ["--no-index"]}}


@dataclass
class TwoNodes:
    address: str
    head: str
    novenv: str


@pytest.fixture(scope="module")
def two_nodes(ray_cluster_factory, tmp_path_factory):
    try:
        import virtualenv  # noqa: F401
    except ImportError:
        pytest.fail('Ray\'s pip runtime_env needs virtualenv: pip install ".[test]"')
    shadow = tmp_path_factory.mktemp("no-virtualenv") / "virtualenv"
    shadow.mkdir()
    (shadow / "__init__.py").write_text("raise ImportError('No module named virtualenv')\n")
    saved = os.environ.get("RUNTIME_ENV_RETRY_TIMES")
    os.environ["RUNTIME_ENV_RETRY_TIMES"] = "1"
    try:
        cluster = ray_cluster_factory(node_envs=[{"PYTHONPATH": str(shadow.parent)}])
    finally:
        if saved is None:
            os.environ.pop("RUNTIME_ENV_RETRY_TIMES", None)
        else:
            os.environ["RUNTIME_ENV_RETRY_TIMES"] = saved
    (novenv,) = cluster.added_nodes
    yield TwoNodes(cluster.address, cluster.head_node.node_id, novenv.node_id)


def compare(cluster: TwoNodes, runtime_env: Dict[str, Any]) -> Any:
    return get_comparison_result(
        auto_init=True, ray_address=cluster.address, runtime_env=runtime_env, timeout=240
    )


def runtime_env_findings(result: Any) -> List[Dict[str, Any]]:
    return [f for f in result.findings if f["category"] == "runtime_env"]


def test_a_runtime_env_that_cannot_be_set_up_anywhere_is_an_error_and_nothing_compared(two_nodes):
    result = compare(two_nodes, NO_SUCH_PACKAGE)
    assert not result.ok
    assert result.incomplete["compared"] == 0 and result.incomplete["selected"] == 2
    assert {n["reason"] for n in result.incomplete["nodes"]} == {"runtime_env"}
    findings = {f["subject"]: f for f in runtime_env_findings(result)}
    assert set(findings) == {two_nodes.head, two_nodes.novenv}
    head = findings[two_nodes.head]
    assert head["severity"] == "error" and head["code"] == "runtime_env"
    # Ray's real cause, not its "Failed to set up runtime environment."
    assert "genevars-no-such-package-xyz" in head["message"], head["message"]
    assert "Failed to set up runtime environment" not in head["message"]
    assert "runtime_env" in head["hint"] and "timeout" not in head["hint"]
    assert "install virtualenv" in findings[two_nodes.novenv]["message"]
    report = result.report(color=False)
    assert report.splitlines()[0].startswith(
        "genevars: local vs 2 nodes, 0 distinct environments: INCOMPLETE: 0 of 2 nodes compared; PROBLEMS FOUND: 2 errors"
    ), report
    everything = report + result.to_json() + json.dumps(result.findings)
    assert URL_CANARY not in everything
    assert "***@127.0.0.1:9/simple" in head["remote"], "the failing command is kept, its credentials masked"

    # The command line: the same failure (Ray remembers it), nothing compared: exit 2.
    done = run_cli("--address", two_nodes.address, "--runtime-env", json.dumps(NO_SUCH_PACKAGE), "--timeout", "240", timeout=300)
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("genevars: no node could be compared: node ") and "runtime_env" in lines[0]
    assert "INCOMPLETE: 0 of 2 nodes compared" in done.stdout
    assert URL_CANARY not in done.stdout + done.stderr


def test_a_runtime_env_failing_on_one_node_of_two_is_incomplete_and_fails(two_nodes):
    result = compare(two_nodes, ONLY_PIP)
    (failed,) = runtime_env_findings(result)
    assert failed["nodes"] == [two_nodes.novenv]
    assert "install virtualenv" in failed["message"], failed["message"]
    assert result.incomplete["compared"] == 1 and result.incomplete["selected"] == 2
    assert not result.ok
    assert [n["node_id"] for g in result.groups for n in g["nodes"]] == [two_nodes.head]
    data = json.loads(result.to_json())
    assert data["ok"] is False
    assert data["summary"]["incomplete"]["nodes"] == [
        {
            "node_id": two_nodes.novenv,
            "node_address": "127.0.0.1",
            "reason": "runtime_env",
            "error": failed["message"].split(": Ray could not set up the runtime_env: ", 1)[1],
        }
    ]

    done = run_cli("--address", two_nodes.address, "--runtime-env", json.dumps(ONLY_PIP), "--timeout", "240", timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    headline = done.stdout.splitlines()[0]
    assert "INCOMPLETE: 1 of 2 nodes compared" in headline, headline
    assert "OK" not in headline
    assert f"runtime_env [error] node {two_nodes.novenv}" in done.stdout

    with open(os.devnull, "w") as sink, pytest.raises(
        EnvironmentMismatchError, match="only 1 of 2 selected nodes compared"
    ):
        compare_ray_environments(
            auto_init=True,
            ray_address=two_nodes.address,
            runtime_env=ONLY_PIP,
            timeout=240,
            fail_on="error",
            file=sink,
        )
