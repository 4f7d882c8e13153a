"""Text-image alignment of a text-to-image run: attribute accuracy (builtin:shapes), CLIP score
and R-precision (with CLIP weights), each beside its shuffled-caption floor; on builtin:shapes
also the spread of position and size among many images of one prompt, against the real spread.

examples:
  ganforge align runs/dfgan-shapes                 # prompts: captions after data.max_images
  ganforge align runs/dfgan-shapes --n 500 --seed 1 --json
  ganforge align runs/dfgan-shapes --per-prompt 64   # spread per caption from 64 images each
  ganforge align runs/faces --clip-weights ViT-B-32.pt   # any data: CLIP score, R-precision
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ganforge.commands.output import add_json_flag, report
from ganforge.errors import UserError

SHAPES_SOURCES = ("builtin:shapes", "builtin:shapes64")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", type=Path, help="run directory or .ckpt of a text-to-image run")
    parser.add_argument("--n", type=int, default=500, help="prompts (default 500)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the latents and the shuffled floor (default 0)")
    parser.add_argument("--spread-prompts", type=int, default=12,
                        help="held-out captions whose spread is measured (builtin:shapes; default 12, 0: none)")
    parser.add_argument("--per-prompt", type=int, default=32, help="images per prompt for the spread (default 32)")
    parser.add_argument("--raw", action="store_true", help="the raw generator instead of its EMA")
    parser.add_argument("--clip-weights", type=Path, help="open_clip checkpoint: adds CLIP score and R-precision")
    parser.add_argument("--clip-model", default="ViT-B-32", help="open_clip architecture of --clip-weights")
    add_json_flag(parser)


def _clip(args: argparse.Namespace, generator, prompts: list[str]) -> dict:
    from ganforge.alignment.clip_score import clip_alignment
    from ganforge.storage import sha256_of_file
    from ganforge.text.extras import require

    open_clip = require("open_clip", "--clip-weights")
    if not args.clip_weights.is_file():
        raise UserError(f"--clip-weights {args.clip_weights}: no such file")
    model = open_clip.create_model(args.clip_model, pretrained=str(args.clip_weights))
    return clip_alignment(generator, prompts, model, open_clip.get_tokenizer(args.clip_model),
                          sha256_of_file(args.clip_weights), args.clip_model, seed=args.seed)


def _clip_table(result: dict) -> str:
    acc, floor = result["accuracy"], result["floor"]
    return (f"{'metric':<12} {'value':>8} {'floor':>8}\n"
            f"{'clip_score':<12} {acc['clip_score']:>8.2f} {floor['clip_score']:>8.2f}\n"
            f"{'r_precision':<12} {acc['r_precision']:>8.3f} {floor['r_precision']:>8.3f}\n"
            f"(n={result['n']}, {result['protocol']['backbone']})")


def run(args: argparse.Namespace) -> int:
    from ganforge.alignment.attributes import attribute_alignment, format_table, held_out
    from ganforge.runs import load_run

    if args.n < 1:
        raise UserError(f"--n {args.n}: expected a positive number of prompts")
    if args.spread_prompts < 0:
        raise UserError(f"--spread-prompts {args.spread_prompts}: expected 0 or more captions")
    loaded = load_run(args.source, ema=not args.raw, needs="latents")
    config, generator = loaded.config, loaded.generator
    if "prompt" not in loaded.conditions.takes:
        raise UserError(f"{args.source}: not a text-to-image run (task {config.task} takes no prompts)")
    shapes = config.data.path in SHAPES_SOURCES
    if not shapes and args.clip_weights is None:
        raise UserError(f"{args.source}: attribute accuracy needs builtin:shapes data; for other data give --clip-weights")
    summary, lines = {}, []
    first = config.data.max_images or 0
    if shapes:
        summary["attributes"] = attribute_alignment(generator, config.data.path, first, args.n, args.seed)
        lines.append(format_table(summary["attributes"]))
        if args.spread_prompts > 0:
            from ganforge.alignment.spread import caption_spread, format_spread

            summary["spread"] = caption_spread(generator, config.data.path, first, args.spread_prompts,
                                               args.per_prompt, args.seed)
            lines.append(format_spread(summary["spread"]))
    if args.clip_weights is not None:
        if shapes:
            prompts = held_out(config.data.path, first, args.n)[1]
        else:  # the run's captions (trained on): a folder has no held-out split of its own
            prompts = loaded.conditions.pool[: args.n]
        summary["clip"] = _clip(args, generator, prompts)
        lines.append(_clip_table(summary["clip"]))
    report(args, summary, "\n\n".join(lines))
    return 0
