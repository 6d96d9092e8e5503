"""Timing helpers shared by the benchmark scripts (stdlib only).

Every comparison is measured *pairwise in the same run*: each round runs every contender
once, in a rotating order, so that machine noise (other processes, CPU frequency) hits all
of them alike. We report medians over the rounds and the ratio of medians, plus the median
of the per-round ratios as a robustness check.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from typing import Callable, Sequence

Thunk = Callable[[], object]


def median_ms(samples_ns: Sequence[int]) -> float:
    return statistics.median(samples_ns) / 1e6


def _cpu_ns() -> int:
    """CPU time of this process and of its waited-for children (subprocesses)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time_ns() + int((children.ru_utime + children.ru_stime) * 1e9)


CPU_SAMPLES: dict[str, list[int]] = {}


def time_once(fn: Thunk, name: str = "") -> int:
    cpu = _cpu_ns()
    start = time.perf_counter_ns()
    fn()
    elapsed = time.perf_counter_ns() - start
    CPU_SAMPLES.setdefault(name, []).append(_cpu_ns() - cpu)
    return elapsed


def pairwise(contenders: dict[str, Thunk], rounds: int, warmup: int = 1) -> dict[str, list[int]]:
    """Run every contender once per round, rotating the order; return wall-clock ns samples by name.

    CPU time (user + system, children included) is kept alongside in CPU_SAMPLES: on a
    loaded machine it moves less than wall-clock time, so it helps read a noisy run.
    """
    names = list(contenders)
    for _ in range(warmup):
        for name in names:
            contenders[name]()
    samples: dict[str, list[int]] = {name: [] for name in names}
    for name in names:
        CPU_SAMPLES[name] = []
    for r in range(rounds):
        order = names[r % len(names):] + names[: r % len(names)]
        for name in order:
            samples[name].append(time_once(contenders[name], name))
    return samples


def run_cmd(argv: Sequence[str], env: dict[str, str] | None = None) -> Thunk:
    """A thunk running a command to completion, output discarded, failing loudly."""

    def thunk() -> None:
        proc = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}: {proc.stderr.decode()[-2000:]}")

    return thunk


def summarize(samples: dict[str, list[int]]) -> dict[str, dict]:
    return {
        name: {
            "median_ms": round(median_ms(s), 3),
            "min_ms": round(min(s) / 1e6, 3),
            "max_ms": round(max(s) / 1e6, 3),
            "runs": len(s),
            "cpu_median_ms": round(median_ms(CPU_SAMPLES[name]), 3) if CPU_SAMPLES.get(name) else None,
        }
        for name, s in samples.items()
    }


def ratio(samples: dict[str, list[int]], slow: str, fast: str) -> dict[str, float]:
    """How many times faster ``fast`` is than ``slow``: ratio of medians and median of per-round ratios."""
    per_round = [a / b for a, b in zip(samples[slow], samples[fast])]
    return {
        "of_medians": round(statistics.median(samples[slow]) / statistics.median(samples[fast]), 2),
        "median_per_round": round(statistics.median(per_round), 2),
    }


def row(id: str, what: str, target: str, value: float | None, unit: str, met: bool | None, **extra) -> dict:
    """One line of the results table."""
    return {"id": id, "what": what, "target": target, "value": value, "unit": unit, "met": met, **extra}


def machine_info() -> dict:
    info = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "loadavg": os.getloadavg(),
        "time_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
    }
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            info["mem_total"] = f.readline().split(":", 1)[1].strip()
    except OSError:
        pass
    return info


def emit(rows: list[dict], details: dict | None = None) -> None:
    """Bench scripts print one JSON document on stdout; run_all.py collects it."""
    json.dump({"rows": rows, "details": details or {}}, sys.stdout)
    sys.stdout.write("\n")


def bench_args(description: str):
    """The arguments every bench script takes from run_all.py."""
    import argparse
    from pathlib import Path

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--work", type=Path, required=True, help="run_all.py's work directory")
    parser.add_argument("--runs", type=int, default=7, help="rounds per measurement")
    return parser.parse_args()


def log(msg: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)
