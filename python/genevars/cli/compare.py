"""`genevars compare`: the Ray cluster comparison, same flags as `python -m genevars.compare_env`."""

from __future__ import annotations

import argparse

from genevars.compare_env import add_arguments


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "compare",
        help="compare this environment with every node of a Ray cluster",
        description="Compare this machine's Python environment with every node of a Ray cluster.",
    )
    add_arguments(parser)
