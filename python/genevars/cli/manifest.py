"""`genevars manifest` (not yet implemented)."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("manifest", help="(not yet implemented)")
    parser.set_defaults(func=lambda args: 2)
