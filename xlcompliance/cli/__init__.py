"""Command line: ``xlcompliance COMMAND ...``.

Each command is a small module in this package with ``register(subparsers)`` (which sets
``func`` on its parser). Errors a user can fix print one line and exit 2; ``--debug`` shows the
traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings

# Command modules, in the order `--help` lists them.
COMMANDS = ("assess", "reconcile", "whatif", "workbook")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xlcompliance",
        description="AliExpress semi-managed shipping-timeliness deadlines, on-time rates and refunds.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    for command in sub.choices.values():  # `xlcompliance assess --debug` as well as before it
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    try:
        with warnings.catch_warnings():
            if not args.debug:  # one line per warning, no source path (restored on return)
                warnings.showwarning = lambda message, *_a, **_k: print(
                    f"xlcompliance {args.command}: warning: {message}", file=sys.stderr
                )
            code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows up here, inside the handlers below
        return code
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0
    except KeyboardInterrupt:
        print("xlcompliance: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one line for users; --debug for developers
        if args.debug:
            raise
        from .common import in_flag_words, user_error_types

        if isinstance(exc, user_error_types()):
            print(f"xlcompliance {args.command}: error: {in_flag_words(exc)}", file=sys.stderr)
            return 2
        print(
            f"xlcompliance {args.command}: unexpected error: {type(exc).__name__}: {exc} "
            "(run with --debug for details)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
