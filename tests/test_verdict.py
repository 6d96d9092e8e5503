"""The verdict without a cluster: Ray's runtime_env errors reduced to their cause, the
CLI's exit status and ``result.ok`` agreeing, and a comparison of no node at all."""

from __future__ import annotations

import pytest

from genevars import _ray, snapshot_env
from genevars._compare import compare_node_snapshots
from genevars.cli import EXIT_FINDINGS, EXIT_OK, exit_status
from genevars.compare_env import _failure, nothing_compared

PIP_FAILURE = """[Node 10.0.0.7] Traceback (most recent call last):
  File "/venv/lib/python3.11/site-packages/ray/_private/runtime_env/pip.py", line 252, in _install_pip_packages
ray._private.runtime_env.utils.SubprocessCalledProcessError: Run cmd[3] failed with the following details.
Command '['/tmp/ray/virtualenv/bin/python', '-m', 'pip', 'install', '--index-url', 'https://bob:hunter2@idx.example/simple']' returned non-zero exit status 1.
Last 50 lines of stdout:
    Looking in indexes: https://bob:****@idx.example/simple
    ERROR: Could not find a version that satisfies the requirement nmupy (from versions: none)
    ERROR: No matching distribution found for nmupy
"""

CONDA_FAILURE = """[Node 127.0.0.1] Traceback (most recent call last):
  File "/venv/lib/python3.11/site-packages/ray/_private/runtime_env/conda_utils.py", line 195, in get_conda_info_json
    raise ValueError(f"Could not find Conda executable at {conda_path}.")
ValueError: Could not find Conda executable at conda.
"""


def cause_and_detail(message: str) -> list:
    import ray

    return _ray._runtime_env_failure(ray.exceptions.RuntimeEnvSetupError(message)).splitlines()


def test_a_pip_failure_keeps_pips_error_first_and_masks_credentials():
    lines = cause_and_detail(PIP_FAILURE)
    assert lines[0] == "ERROR: No matching distribution found for nmupy"
    assert any(line.startswith("Command '") and "***@idx.example" in line for line in lines)
    assert "ERROR: Could not find a version that satisfies the requirement nmupy (from versions: none)" in lines
    assert "hunter2" not in "\n".join(lines)
    assert not any("Traceback" in line or "File " in line for line in lines)


def test_a_failure_without_command_output_keeps_the_exception_ray_ended_with():
    assert cause_and_detail(CONDA_FAILURE)[0] == "ValueError: Could not find Conda executable at conda."
    assert cause_and_detail("")[0] == "Ray gave no reason"


def test_a_runtime_env_failure_is_its_own_kind_of_dropped_node():
    import ray

    node = _ray.NodeInfo(node_id="n" * 56, address="10.0.0.7", hostname="h", alive=True, is_head=False)
    entry = _ray._failure_entry(node, ray.exceptions.RuntimeEnvSetupError(PIP_FAILURE))
    assert entry["reason"] == "runtime_env"
    assert entry["error"].startswith("ERROR: No matching distribution found for nmupy")
    assert _ray._failure_entry(node, RuntimeError("boom"))["reason"] == "probe_failed"


@pytest.fixture(scope="module")
def local() -> str:
    return snapshot_env().to_json()


def test_exit_status_and_ok_agree_when_a_node_dropped_out(local):
    node = {"node_id": "n2", "node_address": "10.0.0.2", "error": "no answer within 5 s", "reason": "timeout"}
    result = compare_node_snapshots(local, [local], [node])
    assert result.errors == [] and not result.ok
    assert result.incomplete == {
        "compared": 1,
        "selected": 2,
        "nodes": [{"node_id": "n2", "node_address": "10.0.0.2", "reason": "timeout", "error": "no answer within 5 s"}],
    }
    assert exit_status(result, "error") == EXIT_FINDINGS
    assert exit_status(result, "warning") == EXIT_FINDINGS
    assert exit_status(result, "never") == EXIT_OK
    assert _failure(result, "error") == "only 1 of 2 selected nodes compared"
    assert nothing_compared(result) is None
    assert "INCOMPLETE: 1 of 2 nodes compared" in result.report(color=False).splitlines()[0]

    whole = compare_node_snapshots(local, [local])
    assert whole.ok and whole.complete and whole.incomplete is None
    assert exit_status(whole, "error") == EXIT_OK


def test_nothing_compared_is_one_line_saying_why_and_what_to_do(local):
    import ray

    node = _ray.NodeInfo(node_id="f" * 56, address="10.0.0.7", hostname="h", alive=True, is_head=False)
    entry = _ray._failure_entry(node, ray.exceptions.RuntimeEnvSetupError(PIP_FAILURE))
    result = compare_node_snapshots(local, [], [entry])
    assert not result.ok
    line = nothing_compared(result)
    assert line == (
        "no node could be compared: node ffffffffffff: ERROR: No matching distribution found for nmupy; "
        "fix the runtime_env (--runtime-env / --manifest) so that it installs on the nodes, or compare without it"
    )


def test_unknown_drop_reasons_are_refused(local):
    import genevars

    with pytest.raises(genevars.ComparisonError, match=r'unknown "reason" "gone" \(one of dead, timeout'):
        compare_node_snapshots(local, [], [{"node_id": "n", "error": "x", "reason": "gone"}])
