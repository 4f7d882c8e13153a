"""Export a run's generator (EMA when kept) as safetensors plus a JSON that rebuilds it.

examples:
  ganforge export runs/dcgan-digits --out G.safetensors     # also writes G.json
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ganforge.commands.output import add_json_flag, report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="run directory or .ckpt")
    parser.add_argument("--out", type=Path, required=True, help="output .safetensors file")
    add_json_flag(parser)


def run(args: argparse.Namespace) -> int:
    from ganforge.runs import export_generator

    weights, meta = export_generator(args.source, args.out)
    report(args, {"weights": weights, "meta": meta}, f"wrote {weights} and {meta}")
    return 0
