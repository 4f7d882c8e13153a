"""The `ganforge` command line: one sub-command per module in `ganforge.commands`."""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings

from ganforge import __version__
from ganforge.errors import UserError

# name -> module in ganforge.commands; each module defines `add_arguments(parser)` and `run(args)`.
COMMANDS = {
    "demo": "demo",
    "train": "train",
    "sample": "sample",
    "interpolate": "interpolate",
    "export": "export",
    "eval": "evaluate",
    "align": "align",
    "stats": "stats",
    "evaluator": "evaluator",
    "report": "report",
    "data": "data",
}


def _warning_one_line(message, category, filename, lineno, file=None, line=None):
    print(f"ganforge: warning: {message}", file=sys.stderr if file is None else file)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ganforge",
        description="Train, sample and evaluate GANs.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"ganforge {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(f"ganforge.commands.{module_name}")
        doc = (module.__doc__ or "").strip()
        summary, _, examples = doc.partition("\n")
        cmd = sub.add_parser(
            name,
            help=summary,
            description=summary,
            epilog=examples.strip() or None,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(cmd)
        cmd.set_defaults(handler=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    warnings.showwarning = _warning_one_line
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args.handler(args)
    except UserError as err:
        print(f"ganforge: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("ganforge: interrupted", file=sys.stderr)
        return 130
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
