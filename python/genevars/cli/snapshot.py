"""`genevars snapshot` (not yet implemented)."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("snapshot", help="(not yet implemented)")
    parser.set_defaults(func=lambda args: 2)
