"""``genevars manifest``: show or validate a saved manifest.

::

    genevars manifest show fix.json              # readable summary, secrets masked
    genevars manifest show fix.json --json       # the JSON (masked unless --reveal-values)
    genevars manifest show fix.json --python     # builder code that recreates it
    genevars manifest validate fix.json          # exit 0 and the checksum, or exit 2 and why
    genevars manifest validate -q fix.json       # the exit status alone
"""

from __future__ import annotations

import argparse

from genevars.cli import EXIT_OK, CliError, add_common, add_format, exit_statuses

# Not `typing.TYPE_CHECKING`: importing typing costs every command a few ms.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from genevars._manifest import Manifest


def _load(path: str) -> Manifest:
    from genevars._core import ManifestError
    from genevars._manifest import Manifest

    try:
        return Manifest.load(path)
    except ManifestError as exc:
        raise CliError(str(exc)) from None


def _show(args: argparse.Namespace) -> int:
    from genevars._io import shown

    manifest = _load(args.file)
    if args.format == "json":  # JSON escapes control characters itself
        print(manifest.to_json(reveal_values=args.reveal_values))
    elif args.format == "python":
        # Inside the code's string literals an escape means the character it replaces,
        # and a bidi control can no longer reorder how the code reads (Trojan Source).
        print(shown(manifest.to_python(reveal_values=args.reveal_values)), end="")
    elif args.format == "requirements":
        print(shown(manifest.to_requirements_txt(reveal_values=args.reveal_values)), end="")
    else:
        print(manifest)
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    manifest = _load(args.file)
    from genevars._io import shown_line

    if args.verbosity >= 0:
        print(shown_line(f"ok: manifest '{manifest.name}' checksum {manifest.checksum}"))
    return EXIT_OK


SHOW_EXIT_STATUSES = ("0    printed", "2    the file is missing or not a valid manifest (one line on stderr)")
VALIDATE_EXIT_STATUSES = ("0    a valid manifest", "2    the file is missing or not a valid manifest (one line on stderr)")


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "manifest",
        help="show or validate a saved manifest (runtime_env)",
        description="Show or validate a manifest saved with Manifest.save() or --fix-manifest.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=exit_statuses(("0    shown, or valid", "2    the file is missing or not a valid manifest (one line on stderr)")),
    )
    actions = parser.add_subparsers(dest="manifest_command", metavar="ACTION")
    actions.required = True

    show = actions.add_parser(
        "show",
        help="print a manifest (secret values masked)",
        description="Print a manifest: a readable summary, its JSON, builder code that "
        "recreates it, or its pip requirements (secret values masked).",
    )
    add_common(show, SHOW_EXIT_STATUSES)
    show.add_argument("file", metavar="FILE", help="manifest JSON file")
    # text: a readable summary; python: builder code that recreates it; requirements: its pins.
    add_format(show, ("text", "json", "python", "requirements"), synonyms=("json", "python", "requirements"))
    show.add_argument(
        "--reveal-values", action="store_true", help="show secret values and URL credentials"
    )
    show.set_defaults(func=_show)

    validate = actions.add_parser(
        "validate",
        help="check a manifest file; print its checksum",
        description="Check a manifest file and print its checksum (-q: the exit status alone).",
    )
    add_common(validate, VALIDATE_EXIT_STATUSES)
    validate.add_argument("file", metavar="FILE", help="manifest JSON file")
    validate.set_defaults(func=_validate)
