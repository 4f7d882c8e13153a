"""The `ganforge` command line: one sub-command per module in `ganforge.commands`."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings

from ganforge import __version__
from ganforge.errors import UserError, environment_message
from ganforge.signals import StopRequest

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
    "weights": "weights",
    "translate": "translate",
    "eval-translation": "evaluate_translation",
}

EXAMPLES = """examples:
  ganforge demo                                                # a 2-minute tour on built-in digits
  ganforge train dcgan-digits --run-dir runs/a train.steps=500 # train (presets: configs/)
  ganforge train --resume --run-dir runs/a                     # continue a stopped run
  ganforge sample runs/a --n 64 --out grid.png                 # a grid (or --out DIR: one file each)
  ganforge eval --fake runs/a --real builtin:digits --metrics fid,kid --features digits
  ganforge COMMAND --help                                      # every option of a command

A user error prints one line `ganforge: error: ...` and exits with code 2 (docs/ERRORS.md).
"""


class UsageError(UserError):
    """A command line argparse cannot parse; printed after the command's usage line."""

    def __init__(self, message: str, usage: str) -> None:
        super().__init__(message)
        self.usage = usage


class Parser(argparse.ArgumentParser):
    """argparse with errors raised (so `main` prints them as one `ganforge: error:` line)."""

    def error(self, message: str):
        raise UsageError(f"{self.prog.removeprefix('ganforge').strip() or 'ganforge'}: {message}",
                         self.format_usage())


_SAID: set[str] = set()  # warnings already printed by this command: a repeat says nothing new


def _warning_one_line(message, category, filename, lineno, file=None, line=None):
    if str(message) in _SAID:
        return
    _SAID.add(str(message))
    print(f"ganforge: warning: {message}", file=sys.stderr if file is None else file)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="ganforge",
        description="Train, sample and evaluate GANs.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"ganforge {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True, parser_class=Parser)
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
        # STOPS_CLEANLY: the command turns SIGINT/SIGTERM into a clean stop (ganforge.signals)
        cmd.set_defaults(handler=module.run, stops_cleanly=getattr(module, "STOPS_CLEANLY", False))
    return parser


def _is_override(text: str) -> bool:
    return "=" in text and not text.startswith("-")


def parse(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """Parse; `key=value` overrides may follow options (`train P --run-dir X a.b=1`)."""
    args, extra = parser.parse_known_args(argv)
    if extra and isinstance(getattr(args, "overrides", None), list) and all(map(_is_override, extra)):
        args.overrides = [*args.overrides, *extra]
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def main(argv: list[str] | None = None) -> int:
    # Installed before anything else: a signal during start-up is remembered, not fatal.
    with StopRequest(keep_after_stop=True) as stop:
        return _main(argv, stop)


def hand_to_launcher(message: str) -> bool:
    """Under `--nproc`, the launcher says each error once (`distributed.errors`)."""
    if "GANFORGE_LAUNCH_ERRORS" not in os.environ:  # the common case: no import of the distributed code
        return False
    from ganforge.distributed.errors import hand_to_launcher as hand

    return hand(message)


def _main(argv: list[str] | None, stop) -> int:
    _SAID.clear()
    warnings.showwarning = _warning_one_line
    if os.environ.get("RANK", "0") != "0":  # torchrun's other processes: process 0 speaks for all
        warnings.simplefilter("ignore")
    try:
        args = None
        try:
            args = parse(build_parser(), argv)
        finally:
            if args is None or not args.stops_cleanly:
                stop.release()  # other commands die of a signal as usual (one received now included)
        args.argv = list(sys.argv[1:] if argv is None else argv)  # for `--nproc`, which restarts it
        result = args.handler(args)
    except UsageError as err:
        if not hand_to_launcher(str(err)):
            print(err.usage.rstrip(), file=sys.stderr)
            print(f"ganforge: error: {err}", file=sys.stderr)
        return err.exit_code
    except UserError as err:
        if not hand_to_launcher(str(err)):
            print(f"ganforge: error: {err}", file=sys.stderr)
        return err.exit_code
    except OSError as err:
        message = environment_message(err)
        if message is None:
            raise  # not the machine's fault: a bug, shown with its traceback
        print(f"ganforge: error: {message}", file=sys.stderr)
        return UserError.exit_code
    except KeyboardInterrupt:
        print("ganforge: interrupted", file=sys.stderr)
        return 130
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
