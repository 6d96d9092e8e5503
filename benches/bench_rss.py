"""(6) Peak RSS of a 5,000-distribution snapshot, beside the alternatives.

Each command runs as its own process; its peak resident set comes from ``os.wait4``'s
rusage (``ru_maxrss``, that process alone), median over 3 runs (peak RSS barely varies). No target is set: the
figures say what a snapshot costs next to a bare interpreter, importlib.metadata, uv and pip.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

from _harness import bench_args, emit, log, row

IMPORTLIB_MAP = (
    "import importlib.metadata as m, sys\n"
    "d = {}\n"
    "for x in m.distributions(path=[sys.argv[1]]):\n"
    "    md = x.metadata; d.setdefault(md['Name'], md['Version'])\n"
)


def peak_rss_mb(argv: list[str]) -> float:
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}: {err[-1000:]}")
    return usage.ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    args = bench_args(__doc__.splitlines()[0])
    tool_bin = Path(sys.executable).parent
    site, venv_py = args.work / "site-5000", args.work / "venv-5000" / "bin" / "python"
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import genevars'": [sys.executable, "-c", "import genevars"],
        "genevars snapshot --path site-5000": [str(tool_bin / "genevars"), "snapshot", "--path", str(site), "-o", "/dev/null"],
        "genevars snapshot --python venv-5000": [str(tool_bin / "genevars"), "snapshot", "--python", str(venv_py), "-o", "/dev/null"],
        "importlib.metadata map, site-5000": [sys.executable, "-c", IMPORTLIB_MAP, str(site)],
        "uv pip list, venv-5000": [str(tool_bin / "uv"), "pip", "list", "--python", str(venv_py), "--format", "json"],
        "pip list, venv-5000": [str(venv_py), "-m", "pip", "list", "--format", "json", "--disable-pip-version-check"],
    }
    rows, details = [], {}
    for i, (name, argv) in enumerate(commands.items()):
        mbs = [peak_rss_mb(argv) for _ in range(3)]
        mb = round(statistics.median(mbs), 1)
        log(f"rss {name}: {mb} MB")
        details[name] = mbs
        rows.append(row(f"6.{i}", f"peak RSS: {name}", "(info)", mb, "MB", None))
    emit(rows, details)


if __name__ == "__main__":
    main()
