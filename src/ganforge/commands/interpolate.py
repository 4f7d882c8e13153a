"""Walk the latent space: rows of images interpolated (slerp) between seeded latents.

examples:
  ganforge interpolate runs/dcgan-digits --steps 8 --out strip.png
  ganforge interpolate runs/dcgan-digits --steps 10 --rows 6 --seed 3 --out walk.png
  ganforge interpolate runs/dfgan-shapes --prompt "a small red circle on the left" --to-prompt "a large blue star on the right" --out walk.png
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ganforge.commands.output import add_json_flag, report
from ganforge.commands.sample import GRID_SUFFIXES
from ganforge.errors import UserError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="run directory, .ckpt or exported .safetensors")
    parser.add_argument("--steps", type=int, default=8, help="images per row (default 8)")
    parser.add_argument("--rows", type=int, default=4, help="independent walks (default 4)")
    parser.add_argument("--out", type=Path, required=True, help="output image (.png, .jpg, ...)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the end points (default 0)")
    parser.add_argument(
        "--class", dest="class_", metavar="K", help="conditional runs: walk within this class (name or index)"
    )
    parser.add_argument("--prompt", help="text-to-image runs: walk the words from this prompt ...")
    parser.add_argument("--to-prompt", help="... to this one, one latent per row")
    add_json_flag(parser)


def run(args: argparse.Namespace) -> int:
    from ganforge.api import interpolate
    from ganforge.commands.sample import check_memory
    from ganforge.outputs import check_output_file, run_files
    from ganforge.runs import load_run
    from ganforge.sampling import check_seed

    if args.steps < 2 or args.rows < 1:
        raise UserError(f"--steps {args.steps} --rows {args.rows}: expected steps >= 2 and rows >= 1")
    if args.out.suffix.lower() not in GRID_SUFFIXES:
        raise UserError(f"--out {args.out}: expected an image file ({', '.join(GRID_SUFFIXES)})")
    check_seed(args.seed)
    check_output_file(args.out, inputs=run_files(args.source))
    if (args.prompt is None) != (args.to_prompt is None):
        raise UserError("--prompt and --to-prompt: give both")
    loaded = load_run(args.source, needs="latents")
    takes = loaded.conditions.takes
    if "prompt" in takes and args.prompt is None:
        raise UserError(f"{args.source}: a text-to-image run walks from one prompt to another; give --prompt and --to-prompt")
    if "prompt" not in takes and args.prompt is not None:
        raise UserError(f"--prompt: {args.source} is {loaded.conditions.description}; it takes no text prompts")
    if "class" not in takes and args.class_ is not None:
        raise UserError(f"--class: {args.source} is {loaded.conditions.description}; it takes no class")
    check_memory(loaded.generator, args.steps * args.rows, "grid", f"--steps {args.steps} --rows {args.rows}")
    try:
        interpolate(loaded.generator, args.out, steps=args.steps, rows=args.rows, seed=args.seed, label=args.class_,
                    prompt=args.prompt, to_prompt=args.to_prompt)
    except ValueError as err:
        raise UserError(f"--class {err}") from None
    report(args, {"out": args.out, "steps": args.steps, "rows": args.rows}, f"wrote {args.out}")
    return 0
