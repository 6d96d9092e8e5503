"""The fix pins only what an index can install: local version labels get the vendor index
that serves them (or advice), and pins that would change Ray are refused with advice. Its
pins go to Ray's ``uv`` field where every node group can use it (real Ray clusters at the
end), else to ``pip``."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from genevars._manifest import fix_manifest_builder


def package(name, version, requires_dist=(), installer="pip"):
    return {
        "name": name,
        "display_name": name,
        "version": version,
        "location": "/venv/lib/python3.11/site-packages",
        "metadata_path": f"/venv/lib/python3.11/site-packages/{name}-{version}.dist-info",
        "kind": "dist-info",
        "installer": installer,
        "direct_url": None,
        "requires_dist": list(requires_dist),
    }


def differs(name, local, remote, code="version.minor"):
    return {"severity": "warning", "category": "package", "subject": name, "code": code,
            "local": local, "remote": remote, "message": "", "hint": None}


def fix_for(packages, findings):
    return fix_manifest_builder({"local": {"packages": packages}, "findings": findings})


RAY = package("ray", "2.60.0", [
    "click>=7.0", "filelock", "protobuf>=3.20.3", "requests", "pyyaml",
    "numpy>=1.20; extra == \"data\"", "pandas>=1.3; extra == 'data'",
])


def test_local_labels_get_the_vendor_index_that_serves_them() -> None:
    fix = fix_for(
        [RAY, package("torch", "2.2.0+cpu"), package("torchvision", "0.17.0+cu121")],
        [differs("torch", "2.2.0+cpu", "2.2.0+cu121", "version.local"),
         differs("torchvision", "0.17.0+cu121", "0.16.0+cu121")],
    )
    manifest = fix.build()
    assert manifest.pip == (
        "--extra-index-url https://download.pytorch.org/whl/cpu",
        "--extra-index-url https://download.pytorch.org/whl/cu121",
        "torch==2.2.0+cpu",
        "torchvision==0.17.0+cu121",
    )
    assert fix.advice == []


def test_a_local_label_no_known_index_serves_is_advice() -> None:
    fix = fix_for([RAY, package("mylib", "1.0+internal")], [differs("mylib", "1.0+internal", "1.0")])
    assert fix.build().pip == ()
    (advice,) = fix.advice
    assert advice.startswith("mylib 1.0+internal has a local version label that no public index serves")


def test_pins_that_would_change_ray_are_refused() -> None:
    fix = fix_for(
        [RAY, package("protobuf", "5.28.0"), package("numpy", "1.26.4"),
         package("xgboost-ray", "0.1.19", ["ray>=2.7", "xgboost>=0.90"])],
        [differs("protobuf", "5.28.0", "4.25.3"), differs("numpy", "1.26.4", "2.2.6", "version.major"),
         differs("xgboost-ray", "0.1.19", "0.1.18")],
    )
    # numpy is only in an extra of Ray: pinned.
    assert fix.build().pip == ("numpy==1.26.4",)
    advice = "\n".join(fix.advice)
    assert "protobuf 5.28.0 differs (the cluster has 4.25.3), but Ray itself depends on protobuf" in advice
    assert "Changing the ray version is not allowed" in advice
    assert "xgboost-ray 0.1.19 requires ray" in advice


def test_ray_dependencies_come_from_data_without_ray_metadata() -> None:
    fix = fix_for([package("pyyaml", "6.0.1"), package("tqdm", "4.66.1")],
                  [differs("pyyaml", "6.0.1", "5.4"), differs("tqdm", "4.66.1", "4.60.0")])
    assert fix.build().pip == ("tqdm==4.66.1",)
    assert any("Ray itself depends on pyyaml" in a for a in fix.advice)


# --- pip or uv ---------------------------------------------------------------------------
# Ray's `uv` field (Ray 2.40+) runs `python -m uv pip install` in the job's virtualenv, which
# sees the node's packages; where uv is not there, Ray pip-installs uv first. So the fix
# uses uv where every compared node group has the uv distribution and such a Ray.


def on_groups(*groups):
    """A comparison where six is missing on every node group, each group given as its
    pkg_diffs against a local environment with Ray 2.60 and no uv."""
    return {
        "kind": "nodes",
        "local": {"packages": [RAY, package("six", "1.16.0")]},
        "findings": [dict(differs("six", "1.16.0", None, "only_local"), group=i) for i in range(len(groups))],
        "groups": [{"index": i, "pkg_diffs": diffs} for i, diffs in enumerate(groups)],
    }


HAS_UV = {"only_local": ["six"], "only_remote": ["uv"], "version_mismatch": []}


def test_pins_go_to_uv_where_every_node_group_has_it() -> None:
    fix = fix_manifest_builder(on_groups(HAS_UV, HAS_UV)).build()
    assert fix.to_runtime_env() == {"uv": ["six==1.16.0"]}


def test_pins_go_to_pip_where_a_node_group_cannot_use_uv() -> None:
    lacks_uv = {"only_local": ["six"], "only_remote": [], "version_mismatch": []}
    old_ray = dict(HAS_UV, version_mismatch=[["ray", "2.60.0", "2.39.0"]])
    for groups in [(HAS_UV, lacks_uv), (old_ray,), ()]:
        fix = fix_manifest_builder(on_groups(*groups)).build()
        assert "uv" not in fix.to_runtime_env(), groups
    assert fix_manifest_builder(on_groups(HAS_UV, lacks_uv)).build().to_runtime_env() == {"pip": ["six==1.16.0"]}


UV_VERSION = "0.13.9"
# The local clusters' nodes run in the test venv: where it has uv itself, every node has it.
VENV_HAS_UV = importlib.util.find_spec("uv") is not None


@pytest.fixture(scope="module")
def uv_dir() -> Path:
    """uv from the package index, installed with ``pip --target`` once and then reused: a
    node whose PYTHONPATH names it has uv (``python -m uv`` finds the binary in its bin/)."""
    root = Path(tempfile.gettempdir()) / "genevars-test-uv" / f"uv-{UV_VERSION}"
    if (root / "bin" / "uv").exists():
        return root
    partial = root.parent / f"{root.name}.partial-{os.getpid()}"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check",
         "--target", str(partial), f"uv=={UV_VERSION}"],
        check=True, timeout=600,
    )
    try:
        partial.rename(root)
    except OSError:  # another run made it meanwhile
        shutil.rmtree(partial, ignore_errors=True)
    return root


def six_only_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """six 1.16.0 on the driver only (added after the cluster started, so its workers do
    not inherit it)."""
    info = tmp_path / "site" / "six-1.16.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\n")
    (info / "INSTALLER").write_text("pip\n")
    monkeypatch.syspath_prepend(str(info.parent))


def test_readme_loop_installs_with_uv_where_the_nodes_have_it(ray_cluster_factory, uv_dir, tmp_path, monkeypatch):
    """The README's loop on a node that has uv: the fix puts the pin in Ray's ``uv`` field,
    Ray installs six with uv (the probe then runs in Ray's uv environment), and the gap
    closes."""
    import ray

    from genevars import get_comparison_result

    cluster = ray_cluster_factory(head_env={"PYTHONPATH": str(uv_dir)})
    six_only_here(tmp_path, monkeypatch)
    ray.init(address=cluster.address, logging_level="ERROR", log_to_driver=False)
    try:
        before = get_comparison_result()
        only_there = [] if VENV_HAS_UV else ["uv"]
        assert [g["pkg_diffs"]["only_remote"] for g in before.groups] == [only_there], before.report()
        fix = before.fix_manifest("fix").setup_timeout_seconds(600).build()
        runtime_env = fix.to_runtime_env()
        assert "six==1.16.0" in runtime_env["uv"] and "pip" not in runtime_env, runtime_env
        after = get_comparison_result(manifest=fix, timeout=900)
    finally:
        ray.shutdown()
        cluster.shutdown()
    assert not [f for f in after.findings if f["category"] in ("unreachable", "runtime_env")], after.report()
    (group,) = after.groups
    assert f"{os.sep}uv{os.sep}" in group["remote"]["executable"], group["remote"]
    assert [f for f in after.findings if f["category"] == "package" and f["subject"] == "six"] == [], after.report()


def test_a_node_without_uv_keeps_the_fix_on_pip(ray_cluster_factory, uv_dir, tmp_path, monkeypatch):
    """Two nodes, one with uv and one without: the fix pins with pip, which both can use."""
    if VENV_HAS_UV:
        pytest.skip("the test venv has uv, so no node of a local cluster can lack it")
    import ray

    from genevars import get_comparison_result

    cluster = ray_cluster_factory(node_envs=[None], head_env={"PYTHONPATH": str(uv_dir)})
    six_only_here(tmp_path, monkeypatch)
    ray.init(address=cluster.address, logging_level="ERROR", log_to_driver=False)
    try:
        before = get_comparison_result()
    finally:
        ray.shutdown()
        cluster.shutdown()
    assert sorted(g["pkg_diffs"]["only_remote"] for g in before.groups) == [[], ["uv"]], before.report()
    runtime_env = before.fix_manifest("fix").build().to_runtime_env()
    assert "six==1.16.0" in runtime_env["pip"] and "uv" not in runtime_env, runtime_env
