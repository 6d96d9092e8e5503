"""The verified loop with the real comparison: compare, fix, compare again with the fix.

A one-node cluster (127.0.0.1) lacks a variable and an editable package that the driver
has. ``result.fix_manifest()`` passes the variable with ``env_from_local`` and advises
shipping the package; following the advice with ``py_modules`` (the package and its
metadata), a job started with the fix's runtime_env compares clean on both counts.
No package index is needed.

Opt-in: ``GENEVARS_TEST_PIP=1`` also pip-installs a small pinned package (six==1.16.0)
through the runtime_env (needs a reachable package index, and virtualenv, which
``ray[default]`` brings).
"""

from __future__ import annotations

import json
import os
import uuid

import pytest
import ray

from genevars import ManifestBuilder, get_comparison_result



def editable_package(site, name: str, source) -> tuple:
    """``site/<name>/`` and its dist-info recording an editable install from ``source``."""
    package = site / name
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("VALUE = 'shipped'\n")
    info = site / f"{name}-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1.0\n")
    (info / "INSTALLER").write_text("pip\n")
    (info / "direct_url.json").write_text(
        json.dumps({"url": source.as_uri(), "dir_info": {"editable": True}})
    )
    return package, info


def addressed(result, variable: str, package: str) -> list:
    """The findings the fix is meant to close."""
    return [
        f for f in result.findings
        if (f["category"] == "env" and f["subject"] == variable)
        or (f["category"] == "package" and f["subject"] == package)
    ]


@pytest.fixture(scope="module")
def cluster(ray_cluster_factory):
    """A one-node cluster (tests/conftest.py: 127.0.0.1, no dashboard), started before the
    tests set their local-only state."""
    return ray_cluster_factory()


def test_compare_fix_compare_again(cluster, tmp_path, monkeypatch):
    token = uuid.uuid4().hex[:8]
    variable = f"GENEVARS_LOOP_SETTING_{token.upper()}"
    name = f"loopmod_{token}"
    site = tmp_path / "site"
    package_dir, info_dir = editable_package(site, name, tmp_path / "src")
    # Local-only state, made after the cluster started so its workers do not inherit it.
    monkeypatch.setenv(variable, f"on-{token}")
    monkeypatch.syspath_prepend(str(site))

    ray.init(address=cluster.address, logging_level="ERROR", log_to_driver=False)
    try:
        before = get_comparison_result()
    finally:
        ray.shutdown()
    normalized = name.replace("_", "-")
    assert {f["category"] for f in addressed(before, variable, normalized)} == {"env", "package"}

    builder = before.fix_manifest("fix")
    assert any(normalized in a or name in a for a in builder.advice), builder.advice
    env_fix = builder.build()
    assert variable in env_fix.env_from_local
    assert env_fix.pip == (), f"the fix should need no index here: {env_fix.pip}"

    # The manifest as such, applied to the probes (manifest=): the variable arrives.
    ray.init(address=cluster.address, logging_level="ERROR", log_to_driver=False)
    try:
        with_env_fix = get_comparison_result(manifest=env_fix)
    finally:
        ray.shutdown()
    assert [f["category"] for f in addressed(with_env_fix, variable, normalized)] == ["package"]

    # Following the advice: ship the package (and its metadata) with py_modules. Ray
    # uploads local paths only for a whole job; manifest= uploads them for the probes.
    fix = builder.py_modules([str(package_dir), str(info_dir)]).build()

    ray.init(address=cluster.address, logging_level="ERROR", log_to_driver=False)
    try:
        with_fix = get_comparison_result(manifest=fix)
    finally:
        ray.shutdown()
    assert addressed(with_fix, variable, normalized) == [], with_fix.report()

    # And a job started with the fix's runtime_env sees the same.

    ray.init(address=cluster.address, runtime_env=fix.to_runtime_env(), logging_level="ERROR", log_to_driver=False)
    try:
        after = get_comparison_result()
    finally:
        ray.shutdown()
    assert addressed(after, variable, normalized) == [], after.report()


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
