"""The ``ecoinv`` command: a thin layer over the core.

Each command lives in its own module with ``register(subparsers)``; the
module sets ``func`` on its parser.  Errors the core raises on purpose
(:class:`ecoinv.errors.EcoinvError`) print as one line on stderr and exit
with their ``exit_code``; ``--debug`` shows the traceback instead.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from .. import __version__
from ..errors import EcoinvError

# Command modules, in the order ``--help`` lists them.
COMMAND_MODULES = [
    "ecoinv.cli.basic",
    "ecoinv.cli.import_cmd",
    "ecoinv.cli.stats",
    "ecoinv.cli.demo",
    "ecoinv.cli.report",
    "ecoinv.cli.export",
    "ecoinv.cli.gui",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ecoinv",
        description="Ecological-asset inventory of a city, kept in one SpatiaLite file.",
    )
    parser.add_argument("--version", action="version", version=f"ecoinv {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            # A command module that is not written yet; anything else missing is a bug.
            if exc.name != name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        result = args.func(args)
        return int(result or 0)
    except EcoinvError as exc:
        if args.debug:
            raise
        print(f"ecoinv: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("ecoinv: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def run() -> None:
    sys.exit(main())
