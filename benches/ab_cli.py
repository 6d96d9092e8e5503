"""Before/after for (2): `genevars snapshot --python` with two copies of `python/genevars`.

    python3 benches/ab_cli.py --genevars /work/venvs/X/bin/genevars \\
        --before /tmp/before/python --after /tmp/after/python [--rounds 7] [--pip] [--path]

Each side runs the same installed `genevars` command with ``PYTHONPATH`` set to its copy
of the package (a copy may hold its own `_core` native module, built from the code it is
compared at; compile its bytecode first: `python -m compileall`), pairwise with `uv pip
list` (and `pip list` with ``--pip``), rotating the order every round, on the benchmark
venvs in ``--work`` (the real venv too, once `bench_cli.py` has made it). With ``--path``,
each side's `genevars snapshot --path SITE-PACKAGES` and the importlib.metadata one-liner
of `bench_cli.py` run in the same rounds. Before timing, the two sides' output files are
checked to be identical once their own path is masked. Prints medians, minimums and CPU
medians (children included), and the load.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _harness import CPU_SAMPLES, pairwise, run_cmd, summarize
from bench_cli import ONE_LINER
from fixtures import venv_site_packages


def same_output(genevars: str, what: list[str], before: Path, after: Path, env: dict[str, str]) -> None:
    texts = []
    with tempfile.TemporaryDirectory() as tmp:
        for side in (before, after):
            out = Path(tmp) / "snap.json"
            cmd = [genevars, "snapshot", *what, "-o", str(out)]
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env={**env, "PYTHONPATH": str(side)})
            texts.append(out.read_text(encoding="utf-8").replace(str(side), "<genevars>"))
    if texts[0] != texts[1]:
        raise SystemExit(f"{' '.join(what)}: before and after write different snapshots")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--genevars", required=True, help="the genevars command to run")
    parser.add_argument("--before", type=Path, required=True, help="a copy of python/ (holding genevars/)")
    parser.add_argument("--after", type=Path, required=True, help="another copy of python/")
    parser.add_argument("--work", type=Path, default=Path("/tmp/genevars-bench"), help="run_all.py's work directory")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--pip", action="store_true", help="time pip list too (slow)")
    parser.add_argument("--path", action="store_true", help="time snapshot --path and the one-liner too")
    parser.add_argument("--venvs", default="1000,5000,real", help="which of the venvs (default 1000,5000,real)")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "RAY_ADDRESS")}
    uv = args.work / "toolvenv" / "bin" / "uv"
    for n in args.venvs.split(","):
        venv = args.work / f"venv-{n}"
        if not venv.exists():
            print(f"{venv}: not made yet (bench_cli.py makes it); skipped")
            continue
        py = str(venv / "bin" / "python")
        site = str(venv_site_packages(venv))
        same_output(args.genevars, ["--python", py], args.before, args.after, env)
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
        if args.path:
            same_output(args.genevars, ["--path", site], args.before, args.after, env)
            tree = [args.genevars, "snapshot", "--path", site, "-o", "/dev/null"]
            contenders["before --path"] = run_cmd(tree, {**env, "PYTHONPATH": str(args.before)})
            contenders["after --path"] = run_cmd(tree, {**env, "PYTHONPATH": str(args.after)})
            contenders["one-liner"] = run_cmd([sys.executable, "-c", ONE_LINER, site], env)
        load = os.getloadavg()
        samples = pairwise(contenders, args.rounds)
        summary = summarize(samples)
        print(f"venv-{n}, {args.rounds} rounds, load {load[0]:.2f} -> {os.getloadavg()[0]:.2f}")
        for name, s in summary.items():
            print(f"  {name:14} median {s['median_ms']:8.1f} ms  min {s['min_ms']:8.1f} ms  "
                  f"cpu {s['cpu_median_ms']:8.1f} ms")
        medians = {name: s["median_ms"] for name, s in summary.items()}
        print(f"  --python / uv: before {medians['before'] / medians['uv pip list']:.2f}, "
              f"after {medians['after'] / medians['uv pip list']:.2f}")
        if args.path:
            print(f"  one-liner / --path: before {medians['one-liner'] / medians['before --path']:.2f}, "
                  f"after {medians['one-liner'] / medians['after --path']:.2f}")
        CPU_SAMPLES.clear()


if __name__ == "__main__":
    main()
