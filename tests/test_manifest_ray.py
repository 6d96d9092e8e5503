"""The fix, verified on a real Ray cluster (127.0.0.1 only).

The remote side lacks a variable and a local package. The fix built from the comparison
passes the variable with ``env_from_local`` and (following its advice) ships the package
with ``py_modules``; asked again with that runtime_env, the workers have both.

Opt-in: ``GENEVARS_TEST_PIP=1`` also pip-installs a small pinned package (six==1.16.0)
through the runtime_env (needs a reachable package index, and virtualenv, which
``ray[default]`` brings).
"""

from __future__ import annotations

import os
import uuid

import pytest

from genevars import ManifestBuilder
from genevars._manifest import fix_manifest_builder

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def cluster(ray_cluster_factory):
    """A one-node cluster (tests/conftest.py: 127.0.0.1, no dashboard), started before the
    tests set their local-only state."""
    return ray_cluster_factory()


def probe_workers(address: str, variable: str, module: str, runtime_env=None) -> dict:
    """What a worker of a job started with ``runtime_env`` sees."""
    ray.init(address=address, runtime_env=runtime_env, logging_level="ERROR", log_to_driver=False)
    try:

        @ray.remote(num_cpus=0)
        def probe(variable: str, module: str) -> dict:
            import importlib
            import os

            try:
                value = importlib.import_module(module).VALUE
            except ImportError:
                value = None
            return {"env": os.environ.get(variable), "module": value}

        return ray.get(probe.remote(variable, module), timeout=180)
    finally:
        ray.shutdown()


def comparison(remote: dict, variable: str, module: str, module_dir: str) -> dict:
    """Comparison JSON (DESIGN.md contract) of the local side against what a worker saw."""
    findings = []
    if remote["env"] is None:
        findings.append({
            "severity": "warning", "category": "env", "subject": variable, "code": "only_local",
            "local": "<withheld>", "remote": None, "message": f"{variable} only local", "hint": None,
        })
    if remote["module"] is None:
        findings.append({
            "severity": "error", "category": "package", "subject": module, "code": "only_local",
            "local": "0.1.0", "remote": None, "message": f"{module} only local", "hint": None,
        })
    package = {
        "name": module, "display_name": module, "version": "0.1.0", "location": os.path.dirname(module_dir),
        "metadata_path": "", "kind": "dist-info", "installer": "pip",
        "direct_url": {"url": f"file://{module_dir}", "editable": True, "kind": "dir"},
    }
    return {
        "schema": "genevars.comparison/1",
        "findings": findings,
        "local": {"packages": [package]},
        "env_diffs": {"only_local": [f["subject"] for f in findings if f["category"] == "env"]},
    }


def test_fix_closes_the_gap_on_a_real_cluster(cluster, tmp_path, monkeypatch):
    token = uuid.uuid4().hex[:8]
    variable = f"GENEVARS_FIX_SECRET_TOKEN_{token.upper()}"
    module = f"genevars_fixmod_{token}"
    module_dir = tmp_path / module
    module_dir.mkdir()
    (module_dir / "__init__.py").write_text(f"VALUE = {token!r}\n")
    # Local-only state, set after the cluster started, so its workers do not inherit it.
    monkeypatch.setenv(variable, f"local-{token}")
    monkeypatch.syspath_prepend(str(tmp_path))

    before = probe_workers(cluster.address, variable, module)
    assert before == {"env": None, "module": None}
    findings_before = comparison(before, variable, module, str(module_dir))["findings"]
    assert {f["category"] for f in findings_before} == {"env", "package"}

    builder = fix_manifest_builder(comparison(before, variable, module, str(module_dir)), "fix")
    assert any(module in a and "py_modules" in a for a in builder.advice)
    fix = builder.add_py_module(str(module_dir)).build()
    # The saved fix holds no value: the variable is read locally when the runtime_env is made.
    assert f"local-{token}" not in fix.to_json(reveal_values=True)

    after = probe_workers(cluster.address, variable, module, runtime_env=fix.to_runtime_env())
    assert after == {"env": f"local-{token}", "module": token}
    assert comparison(after, variable, module, str(module_dir))["findings"] == []


@pytest.mark.skipif(
    os.environ.get("GENEVARS_TEST_PIP") != "1",
    reason="opt-in: set GENEVARS_TEST_PIP=1 where a package index is reachable",
)
def test_pip_pin_installs_through_runtime_env(cluster):
    import importlib.util

    if importlib.util.find_spec("virtualenv") is None:
        pytest.fail("GENEVARS_TEST_PIP=1: Ray's pip runtime_env needs virtualenv: pip install 'ray[default]'")
    manifest = ManifestBuilder.create("pip").pip(["six==1.16.0"]).setup_timeout_seconds(600).build()
    ray.init(address=cluster.address, logging_level="ERROR", log_to_driver=False)
    try:

        @ray.remote(num_cpus=0)
        def six_version() -> str:
            import six

            return six.__version__

        version = ray.get(
            six_version.options(runtime_env=manifest.to_runtime_env()).remote(), timeout=900
        )
    finally:
        ray.shutdown()
    assert version == "1.16.0"
