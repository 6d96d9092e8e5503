"""Before/after for the native module: the same call on two builds of `genevars._core`.

    python3 benches/ab_native.py --before /tmp/before/_core.abi3.so --after \\
        python/genevars/_core.abi3.so [--call compare|scan|versions] [--size 1000|5000] [--rounds 15]

Both builds are loaded into one process (each under a name of its own) and called
pairwise, rotating the order every round, on the benchmark fixtures in ``--work``:
``compare`` is `_core.compare` of the two 5,000-package snapshots that `bench_compare.py`
writes, ``scan`` is `_core.scan_paths` and ``versions`` `_core.installed_versions` of the
``--size`` tree (5,000 distributions unless told). Build a side with `cargo build --release --features python --lib`
and copy `target/release/libgenevars.so`. Before timing, both sides' results are checked
to be equal. Prints medians, minimums and CPU medians, and the load.
"""

from __future__ import annotations

import argparse
import importlib.machinery
import importlib.util
import os
from pathlib import Path
from types import ModuleType

from _harness import pairwise, summarize


def load(path: Path, side: str) -> ModuleType:
    """The native module at `path`, imported as `ab_<side>._core` (its init symbol stays
    `PyInit__core`, so the last name part must stay `_core`)."""
    name = f"ab_{side}._core"
    loader = importlib.machinery.ExtensionFileLoader(name, str(path))
    spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    if spec is None:
        raise SystemExit(f"{path}: not a loadable extension module")
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def calls(work: Path, size: int) -> dict:
    """Each call by name: a function of the module giving something comparable."""
    inputs = work / "criterion-inputs"
    site = [str(work / f"site-{size}")]

    def compare(core: ModuleType) -> object:
        local = (inputs / "local-5000.json").read_text(encoding="utf-8")
        remote = (inputs / "remote-5000.json").read_text(encoding="utf-8")
        return lambda: core.compare(local, remote)

    return {
        "compare": compare,
        "scan": lambda core: lambda: core.scan_paths(site),
        "versions": lambda core: lambda: core.installed_versions(site),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the native module before")
    parser.add_argument("--after", type=Path, required=True, help="the native module after")
    parser.add_argument("--call", choices=["compare", "scan", "versions"], default="compare")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--size", type=int, choices=[1000, 5000], default=5000, help="the tree scan and versions read")
    parser.add_argument("--work", type=Path, default=Path("/tmp/genevars-bench"))
    args = parser.parse_args()

    make = calls(args.work, args.size)[args.call]
    thunks = {side: make(load(path, side)) for side, path in (("before", args.before), ("after", args.after))}
    results = [thunks[side]() for side in ("before", "after")]
    comparable = [r.to_json(False) if hasattr(r, "to_json") else r for r in results]
    if comparable[0] != comparable[1]:
        raise SystemExit(f"{args.call}: before and after give different results")
    load_before = os.getloadavg()
    summary = summarize(pairwise(thunks, args.rounds))
    for side, stats in summary.items():
        print(
            f"{side:7s} median {stats['median_ms']:.2f} ms  min {stats['min_ms']:.2f} ms"
            f"  cpu {stats['cpu_median_ms']:.2f} ms"
        )
    print(f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
