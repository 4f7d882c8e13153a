"""Text-image alignment of a text-to-image run: attribute accuracy on builtin:shapes prompts.

examples:
  ganforge align runs/dfgan-shapes                 # held-out captions: those after data.max_images
  ganforge align runs/dfgan-shapes --n 500 --seed 1 --json
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ganforge.commands.output import add_json_flag, report
from ganforge.errors import UserError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", type=Path, help="run directory or .ckpt of a text-to-image run")
    parser.add_argument("--n", type=int, default=500, help="held-out prompts (default 500)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--raw", action="store_true", help="the raw generator instead of its EMA")
    add_json_flag(parser)


def run(args: argparse.Namespace) -> int:
    from ganforge.alignment.attributes import attribute_alignment, format_table
    from ganforge.runs import config_from_state, load_checkpoint, load_generator, resolve_checkpoint

    if args.n < 1:
        raise UserError(f"--n {args.n}: expected a positive number of prompts")
    path = resolve_checkpoint(args.source)
    config = config_from_state(load_checkpoint(path), str(path))
    generator = load_generator(path, ema=not args.raw)
    if getattr(generator, "text_encoder", None) is None:
        raise UserError(f"{args.source}: not a text-to-image run (task {config.task})")
    first = config.data.max_images or 0
    result = attribute_alignment(generator, config.data.path, first, args.n, args.seed)
    report(args, result, format_table(result))
    return 0
