"""Before/after for (2): `genevars snapshot --python` with two copies of `python/genevars`.

    python3 benches/ab_cli.py --genevars /work/venvs/X/bin/genevars \\
        --before /tmp/before/python --after /tmp/after/python [--rounds 7] [--pip]

Each side runs the same installed `genevars` command with ``PYTHONPATH`` set to its copy
of the package (give each copy the same `_core` native module and compile its bytecode
first: `python -m compileall`), pairwise with `uv pip list` (and `pip list` with
``--pip``), rotating the order every round, on the benchmark venvs in ``--work``. Before
timing, the two sides' output files are checked to be identical once their own path is
masked. Prints medians, minimums and CPU medians (children included), and the load.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
from pathlib import Path

from _harness import CPU_SAMPLES, pairwise, run_cmd, summarize


def same_output(genevars: str, venv: Path, before: Path, after: Path, env: dict[str, str]) -> None:
    texts = []
    with tempfile.TemporaryDirectory() as tmp:
        for side in (before, after):
            out = Path(tmp) / "snap.json"
            cmd = [genevars, "snapshot", "--python", str(venv / "bin" / "python"), "-o", str(out)]
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env={**env, "PYTHONPATH": str(side)})
            texts.append(out.read_text(encoding="utf-8").replace(str(side), "<genevars>"))
    if texts[0] != texts[1]:
        raise SystemExit(f"{venv}: before and after write different snapshots")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--genevars", required=True, help="the genevars command to run")
    parser.add_argument("--before", type=Path, required=True, help="a copy of python/ (holding genevars/)")
    parser.add_argument("--after", type=Path, required=True, help="another copy of python/")
    parser.add_argument("--work", type=Path, default=Path("/tmp/genevars-bench"), help="run_all.py's work directory")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--pip", action="store_true", help="time pip list too (slow)")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "RAY_ADDRESS")}
    uv = args.work / "toolvenv" / "bin" / "uv"
    for n in (1000, 5000):
        venv = args.work / f"venv-{n}"
        py = str(venv / "bin" / "python")
        same_output(args.genevars, venv, args.before, args.after, env)
        snapshot = [args.genevars, "snapshot", "--python", py, "-o", "/dev/null"]
        contenders = {
            "before": run_cmd(snapshot, {**env, "PYTHONPATH": str(args.before)}),
            "after": run_cmd(snapshot, {**env, "PYTHONPATH": str(args.after)}),
            "uv pip list": run_cmd([str(uv), "pip", "list", "--python", py, "--format", "json"], env),
        }
        if args.pip:
            contenders["pip list"] = run_cmd(
                [py, "-m", "pip", "list", "--format", "json", "--disable-pip-version-check"], env
            )
        load = os.getloadavg()
        summary = summarize(pairwise(contenders, args.rounds))
        print(f"{n} distributions, {args.rounds} rounds, load {load[0]:.2f} -> {os.getloadavg()[0]:.2f}")
        for name, s in summary.items():
            print(f"  {name:12} median {s['median_ms']:8.1f} ms  min {s['min_ms']:8.1f} ms  "
                  f"cpu {s['cpu_median_ms']:8.1f} ms")
        CPU_SAMPLES.clear()


if __name__ == "__main__":
    main()
