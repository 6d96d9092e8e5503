"""A legacy editable project (`setup.py develop` checkout: the project on PYTHONPATH, its
.egg-info beside setup.py) on a real Ray node, read as the editable install it is, and a
fix that ships its code instead of pinning a version no index has."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from genevars import get_comparison_result
from snapshot_trees import write

pytestmark = pytest.mark.timeout(600)


def checkout(root: Path, version: str) -> Path:
    """A project directory as `setup.py develop` leaves it."""
    write(root / "setup.py", f"from setuptools import setup\nsetup(name='acme-legacy', version='{version}', packages=['acme_legacy'])\n")
    write(root / "acme_legacy" / "__init__.py", f"VERSION = {version!r}\n")
    write(root / "acme_legacy.egg-info" / "PKG-INFO", f"Metadata-Version: 2.1\nName: acme-legacy\nVersion: {version}\n")
    write(root / "acme_legacy.egg-info" / "top_level.txt", "acme_legacy\n")
    return root


def test_a_node_with_a_legacy_editable_project_on_its_pythonpath(ray_cluster_factory, tmp_path: Path) -> None:
    mine, theirs = checkout(tmp_path / "mine", "0.3"), checkout(tmp_path / "theirs", "0.4")
    saved = os.environ.get("PYTHONPATH")
    sys.path.insert(0, str(mine))
    try:
        cluster = ray_cluster_factory(node_envs=[{"PYTHONPATH": str(theirs)}])
        (node,) = cluster.added_nodes
        result = get_comparison_result(auto_init=True, ray_address=cluster.address, timeout=60)
    finally:
        sys.path.remove(str(mine))
        if saved is not None:
            os.environ["PYTHONPATH"] = saved
    data = result.to_dict()
    (mismatch,) = [f for f in result.findings if f["subject"] == "acme-legacy" and f["code"] == "version.minor"]
    assert (mismatch["local"], mismatch["remote"]) == ("0.3", "0.4")
    assert mismatch["nodes"] == [node.node_id]
    assert "import acme_legacy" not in (mismatch["hint"] or ""), "the import name is the guessed one"
    local = [p for p in data["local"]["packages"] if p["name"] == "acme-legacy"][0]
    assert local["direct_url"] == {"url": f"file://{mine}", "editable": True, "kind": "dir"}
    # The node's copy is read as editable too: the probe's stdlib scanner, in a worker on
    # that node, on the worker's own sys.path.
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    @ray.remote(num_cpus=0)
    def scan_here() -> list:
        from genevars import _probe

        found = _probe.scan_paths([p for p in sys.path if isinstance(p, str)])
        return [p for p in found["packages"] if p["name"] == "acme-legacy"]

    on_node = scan_here.options(scheduling_strategy=NodeAffinitySchedulingStrategy(node.node_id, soft=False))
    (remote,) = ray.get(on_node.remote(), timeout=120)
    assert remote["version"] == "0.4"
    assert remote["direct_url"] == {"url": f"file://{theirs}", "editable": True, "kind": "dir"}
    fix = result.fix_manifest("fix")
    assert not any(p.startswith("acme-legacy") for p in fix.build().pip)
    (advice,) = [a for a in fix.advice if a.startswith("acme-legacy 0.3")]
    assert f".py_modules([{str(mine / 'acme_legacy')!r}])" in advice
