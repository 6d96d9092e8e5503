"""The ``genevars`` command: snapshot, diff, compare, check, manifest, requirements, explain.

Each subcommand lives in ``genevars.cli.<name>`` and exposes ``add_parser(subparsers)``
(which registers its flags and sets ``func``). Exit status: 0 clean, 1 findings at or
above ``--fail-on``, 2 usage, input or connection error (one line on stderr, never a
traceback), 141 when whoever reads standard output stops reading (``genevars diff a b |
head``: the status a tool killed by SIGPIPE has; nothing is printed), 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
import time

from genevars.cli import EXIT_INPUT, CliError, Parser, detail, exit_statuses

#: 128 + SIGPIPE: what a shell reports for a tool whose reader went away.
EXIT_BROKEN_PIPE = 141

SUBCOMMANDS = ("snapshot", "diff", "compare", "check", "manifest", "requirements", "explain", "preflight")


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The ``genevars`` parser. When ``argv`` starts with a subcommand, only that one is
    registered: each subcommand module imports what it needs (``compare`` imports the
    Ray entry points), and a run pays only for its own. Help and errors read the same."""
    from importlib import import_module

    from genevars import __version__

    parser = Parser(
        prog="genevars",
        description=(
            "Diagnose why Python code behaves differently on Ray workers than on the\n"
            "machine that submitted it, and build the runtime_env that fixes it.\n"
            "Every command takes -q (the result alone) and -v (what was done, on stderr);\n"
            "the commands that report take --format text|json|html (--json for short)."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=exit_statuses(
            (
                "0    clean: nothing at or above --fail-on (each command's --help says more)",
                "1    findings at or above --fail-on, or nodes left uncompared",
                "2    an input or connection error, or nothing compared (one line on stderr)",
            )
        ),
    )
    parser.add_argument("--version", action="version", version=f"genevars {__version__}")
    # prog given: argparse would otherwise format a usage line (importing shutil) to find it.
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", prog="genevars")
    subparsers.required = True
    chosen = argv[0] if argv and argv[0] in SUBCOMMANDS else None
    for name in (chosen,) if chosen else SUBCOMMANDS:
        import_module(f"genevars.cli.{name}").add_parser(subparsers)
    return parser


def _say(message: str) -> None:
    """One line on stderr, its control characters escaped (messages quote inputs)."""
    from genevars._core import mask_credentials
    from genevars._io import shown_line

    try:
        print(f"genevars: {shown_line(mask_credentials(message))}", file=sys.stderr)
    except (OSError, ValueError, AttributeError):
        pass  # stderr closed too: the exit status is all that is left


def _discard_stdout() -> None:
    """Points standard output at /dev/null, so that the flush at exit of what is still
    buffered has nowhere to fail (else Python prints 'Exception ignored ...')."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


#: Commands that, run as the process (``argv`` not given), end with ``os._exit`` once their
#: output is flushed: they leave no thread, child or buffered file behind, and tearing the
#: interpreter down (a collection, every module freed) costs a snapshot of 5,000
#: distributions 5-10 ms, several per cent of its whole run. Commands that may import Ray
#: (whose atexit handlers stop what it started) are not among them.
EXITS_AT_ONCE = ("snapshot",)


def _exit_now(status: int) -> None:
    """Ends the process with ``status`` without tearing the interpreter down; what is
    buffered on stdout and stderr is written first (a stdout error raises, as at exit)."""
    sys.stdout.flush()
    try:
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass  # stderr closed: the exit status is all that is left
    os._exit(status)


def main(argv: list[str] | None = None) -> int:
    """Runs ``genevars ARGS``; returns the exit status (see the module). Run as the process
    (``argv`` not given), the commands of ``EXITS_AT_ONCE`` end it with that status instead."""
    if sys.stdout is None or getattr(sys.stdout, "closed", False):
        _say("standard output is closed; redirect it to a file or /dev/null instead")
        return EXIT_INPUT
    whole_process = argv is None
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        parser = build_parser(argv)
        args = parser.parse_args(argv)
        started = time.perf_counter()
        status = int(args.func(args) or 0)
        sys.stdout.flush()
        detail(args, f"{args.command}: exit status {status} after {time.perf_counter() - started:.2f} s")
        if whole_process and args.command in EXITS_AT_ONCE:
            _exit_now(status)
        return status
    except CliError as exc:
        _say(str(exc))
        return EXIT_INPUT
    except KeyboardInterrupt:
        _say("interrupted")
        return 130
    except BrokenPipeError:
        _discard_stdout()
        return EXIT_BROKEN_PIPE
    except SystemExit:  # argparse after --help, --version or a usage error
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _discard_stdout()
            return EXIT_BROKEN_PIPE
        raise
    except OSError as exc:
        if exc.errno not in (errno.EBADF, errno.EIO, errno.ENOSPC):
            raise
        # The output could not be written (a read-only or full descriptor).
        _say(f"cannot write the output: {exc.strerror}")
        _discard_stdout()
        return EXIT_INPUT


if __name__ == "__main__":
    sys.exit(main())
