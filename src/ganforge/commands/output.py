"""What a command prints: one human line, or the same facts as JSON with `--json`."""

from __future__ import annotations

import argparse
import json


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the result as JSON on stdout")


def report(args: argparse.Namespace, summary: dict, text: str) -> None:
    print(json.dumps(summary, default=str) if args.json else text)
