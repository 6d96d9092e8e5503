"""Explaining a real cross-node failure on a real Ray cluster.

A worker node whose PYTHONPATH holds a fake numpy 2.2.6 returns an object that pickles the
way numpy 2 arrays do (its reduce names ``numpy._core.multiarray._reconstruct``). The
driver sees a fake numpy 1.26.4 (put on its sys.path after the cluster started, so no
worker inherits it), which has no ``numpy._core``: ``ray.get`` raises the real
``No module named 'numpy._core'``, and ``explain`` must rank numpy first, saying the driver
unpickled what the worker pickled.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from genevars import compare_ray_environments

NUMPY2_INIT = '''\
__version__ = "2.2.6"


class ndarray:
    """Stands for a numpy 2 array: pickles by reference to numpy._core, as numpy 2 does."""

    def __init__(self, data):
        self.data = list(data)

    def __reduce__(self):
        from numpy._core.multiarray import _reconstruct

        return (_reconstruct, (self.data,))


def array(data):
    return ndarray(data)
'''
NUMPY2_MULTIARRAY = '''\
def _reconstruct(data):
    from numpy import ndarray

    return ndarray(data)
'''


def dist_info(site: Path, name: str, version: str) -> None:
    info = site / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (info / "INSTALLER").write_text("pip\n")
    (info / "top_level.txt").write_text(f"{name}\n")


def fake_numpy2(site: Path) -> Path:
    core = site / "numpy" / "_core"
    core.mkdir(parents=True)
    (site / "numpy" / "__init__.py").write_text(NUMPY2_INIT)
    (core / "__init__.py").write_text("")
    (core / "multiarray.py").write_text(NUMPY2_MULTIARRAY)
    dist_info(site, "numpy", "2.2.6")
    return site


def fake_numpy1(site: Path) -> Path:
    (site / "numpy").mkdir(parents=True)
    (site / "numpy" / "__init__.py").write_text('__version__ = "1.26.4"\n')
    dist_info(site, "numpy", "1.26.4")
    return site


@pytest.fixture
def no_numpy_left() -> Iterator[None]:
    """The fake numpy the driver imports while unpickling leaves with the test."""
    yield
    for name in [m for m in sys.modules if m == "numpy" or m.startswith("numpy.")]:
        del sys.modules[name]


def test_a_numpy2_pickle_reaching_a_numpy1_driver_is_explained_as_numpy_first(
    ray_cluster_factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_numpy_left: None
):
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    numpy2 = fake_numpy2(tmp_path / "numpy2")
    cluster = ray_cluster_factory(node_envs=[{"PYTHONPATH": str(numpy2)}])
    numpy2_node = cluster.added_nodes[0].node_id
    ray.init(address=cluster.address, logging_level="ERROR", log_to_driver=False)
    try:
        # Only now, so that no worker inherits it: the driver's numpy is 1.26.4.
        monkeypatch.syspath_prepend(str(fake_numpy1(tmp_path / "numpy1")))

        @ray.remote(num_cpus=0)
        def make_array():
            import numpy

            assert numpy.__version__ == "2.2.6", numpy.__file__
            return numpy.array([1, 2, 3])

        ref = make_array.options(
            scheduling_strategy=NodeAffinitySchedulingStrategy(numpy2_node, soft=False)
        ).remote()
        with pytest.raises(Exception) as caught:
            ray.get(ref, timeout=120)
        error = caught.value
        # The real failure, not a stand-in.
        assert "No module named 'numpy._core" in str(error), repr(error)

        out = io.StringIO()
        result = compare_ray_environments(timeout=120, file=out, error=error)
    finally:
        ray.shutdown()

    why = result.explain(error)
    assert why.explained, why.text
    top = why.causes[0]
    assert top.finding["subject"] == "numpy", why.text
    assert (top.finding["local"], top.finding["remote"]) == ("1.26.4", "2.2.6"), top.finding
    assert why.direction == "worker_to_driver", why.text
    assert any(r["kind"] == "crossed" for r in top.reasons)
    assert any(
        "driver unpickled what a worker pickled (numpy 2.2.6 on the worker, 1.26.4 on the driver)" in b
        for b in top.because
    ), top.because
    # The head node has no numpy: it cannot have pickled one, so no crossing is claimed there.
    assert not any("absent on the worker" in b for c in why.causes for b in c.because), why.text
    # compare_ray_environments(error=...) printed the explanation before the report.
    printed = out.getvalue()
    assert printed.startswith("genevars explain: "), printed[:300]
    assert printed.index("most likely caused by:\n  1. [error] numpy") < printed.index("PROBLEMS FOUND")

    # The pasted traceback, through the command line: explanation first, then the report.
    import os
    import traceback

    pasted = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "numpy1"))
    done = subprocess.run(
        [sys.executable, "-m", "genevars.compare_env", "--address", cluster.address, "--explain", "-"],
        input=pasted, capture_output=True, text=True, timeout=180, env=env,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("genevars explain: ModuleNotFoundError: No module named 'numpy._core'")
    assert done.stdout.index("1. [error] numpy: numpy major version differs") < done.stdout.index("PROBLEMS FOUND")

    missing = subprocess.run(
        [sys.executable, "-m", "genevars.compare_env", "--address", cluster.address, "--explain", str(tmp_path / "none.txt")],
        capture_output=True, text=True, timeout=180,
    )
    assert missing.returncode == 2
    assert missing.stderr.count("\n") == 1 and "--explain" in missing.stderr and "none.txt" in missing.stderr
