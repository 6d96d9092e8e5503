"""``genevars manifest``: show or validate a saved manifest.

::

    genevars manifest show fix.json              # readable summary, secrets masked
    genevars manifest show fix.json --json       # the JSON (masked unless --reveal-values)
    genevars manifest show fix.json --python     # builder code that recreates it
    genevars manifest validate fix.json          # exit 0 and the checksum, or exit 2 and why
"""

from __future__ import annotations

import argparse

from genevars.cli import EXIT_OK, CliError

# Not `typing.TYPE_CHECKING`: importing typing costs every command a few ms.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from genevars._manifest import Manifest


def _load(path: str) -> Manifest:
    from genevars import Manifest, ManifestError

    try:
        return Manifest.load(path)
    except ManifestError as exc:
        raise CliError(str(exc)) from None


def _show(args: argparse.Namespace) -> int:
    from genevars._io import shown

    manifest = _load(args.file)
    if args.json:  # JSON escapes control characters itself
        print(manifest.to_json(reveal_values=args.reveal_values))
    elif args.python:
        # Inside the code's string literals an escape means the character it replaces,
        # and a bidi control can no longer reorder how the code reads (Trojan Source).
        print(shown(manifest.to_python(reveal_values=args.reveal_values)), end="")
    elif args.requirements:
        print(shown(manifest.to_requirements_txt(reveal_values=args.reveal_values)), end="")
    else:
        print(manifest)
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    manifest = _load(args.file)
    from genevars._io import shown_line

    print(shown_line(f"ok: manifest '{manifest.name}' checksum {manifest.checksum}"))
    return EXIT_OK


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "manifest",
        help="show or validate a saved manifest (runtime_env)",
        description="Show or validate a manifest saved with Manifest.save() or --fix-manifest.",
    )
    actions = parser.add_subparsers(dest="manifest_command", metavar="ACTION")
    actions.required = True

    show = actions.add_parser("show", help="print a manifest (secret values masked)")
    show.add_argument("file", metavar="FILE", help="manifest JSON file")
    form = show.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="print the JSON form")
    form.add_argument("--python", action="store_true", help="print builder code that recreates it")
    form.add_argument("--requirements", action="store_true", help="print its pip requirements")
    show.add_argument(
        "--reveal-values", action="store_true", help="show secret values and URL credentials"
    )
    show.set_defaults(func=_show)

    validate = actions.add_parser("validate", help="check a manifest file; print its checksum")
    validate.add_argument("file", metavar="FILE", help="manifest JSON file")
    validate.set_defaults(func=_validate)
