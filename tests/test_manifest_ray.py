"""The verified loop with the real comparison: compare, fix, compare again with the fix.

A one-node cluster (127.0.0.1) lacks a variable and an editable package that the driver
has. ``result.fix_manifest()`` passes the variable with ``env_from_local`` and advises
shipping the package; following the advice with ``py_modules`` (the package and its
metadata), a job started with the fix's runtime_env compares clean on both counts.
The first needs no package index.

A second test runs the same loop through a real install: the fix pins six==1.16.0 and
Ray pip-installs it from the package index for the probes.
"""

from __future__ import annotations

import json
import uuid

import pytest
import ray

from genevars import get_comparison_result



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


def test_readme_loop_installs_a_real_package_from_the_index(cluster, tmp_path, monkeypatch):
    """The README's loop with a real install: the driver has six 1.16.0, the node lacks
    it; the fix pins it, Ray pip-installs it from the package index for the probes (with
    virtualenv, which the ``ray`` and ``test`` extras bring), and the gap closes."""
    site = tmp_path / "site"
    info = site / "six-1.16.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\n")
    (info / "INSTALLER").write_text("pip\n")
    # Driver-only, added after the cluster started so its workers do not inherit it.
    monkeypatch.syspath_prepend(str(site))

    ray.init(address=cluster.address, logging_level="ERROR", log_to_driver=False)
    try:
        before = get_comparison_result()
        six = [f for f in before.findings if f["category"] == "package" and f["subject"] == "six"]
        assert [(f["local"], f["remote"]) for f in six] == [("1.16.0", None)], before.report()

        fix = before.fix_manifest("fix").setup_timeout_seconds(600).build()
        assert "six==1.16.0" in fix.pip, fix.pip
        after = get_comparison_result(manifest=fix, timeout=900)
    finally:
        ray.shutdown()
    # The node was compared (its runtime_env was set up), not dropped from the comparison.
    assert not [f for f in after.findings if f["category"] in ("unreachable", "runtime_env")], after.report()
    assert sum(len(g["nodes"]) for g in after.groups) == 1, after.report()
    assert [f for f in after.findings if f["category"] == "package" and f["subject"] == "six"] == [], after.report()


def test_uv_manifest_installs_through_rays_uv_field(cluster):
    """``.uv()``: Ray installs the same requirements with uv (from the package index)."""
    from genevars import ManifestBuilder

    manifest = ManifestBuilder.create("uv").pip(["six==1.16.0"]).uv().setup_timeout_seconds(600).build()
    ray.init(address=cluster.address, logging_level="ERROR", log_to_driver=False)
    try:

        @ray.remote(num_cpus=0)
        def six_and_installer():
            import os
            import sys

            import six

            return six.__version__, os.sep + "uv" + os.sep in sys.executable

        got = ray.get(six_and_installer.options(runtime_env=manifest.to_runtime_env()).remote(), timeout=900)
    finally:
        ray.shutdown()
    assert got == ("1.16.0", True)
