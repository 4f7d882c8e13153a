"""Generate images from a run, checkpoint or exported generator: a PNG grid or a folder of PNGs.

examples:
  ganforge sample runs/dcgan-digits --n 64 --out grid.png
  ganforge sample runs/dcgan-digits/checkpoints/latest.ckpt --n 1000 --out fakes/ --seed 1
  ganforge sample G.safetensors --n 16 --out grid.png --truncation 0.7
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ganforge.commands.output import add_json_flag, report
from ganforge.errors import UserError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="run directory, .ckpt or exported .safetensors")
    parser.add_argument("--n", type=int, default=64, help="number of images (default 64)")
    parser.add_argument("--out", type=Path, required=True, help="grid.png, or a directory for one PNG per image")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--truncation", type=float, default=None, help="redraw |z| beyond this (e.g. 0.7)")
    parser.add_argument("--raw", action="store_true", help="use the raw generator instead of its EMA")
    add_json_flag(parser)


def write_folder(images, out: Path) -> None:
    from PIL import Image

    out.mkdir(parents=True, exist_ok=True)
    for index, image in enumerate(images):
        array = image.permute(1, 2, 0).numpy()
        Image.fromarray(array[..., 0] if array.shape[-1] == 1 else array).save(out / f"{index:06d}.png")


def run(args: argparse.Namespace) -> int:
    from ganforge.runs import load_generator
    from ganforge.sampling import sample
    from ganforge.training.logging import save_grid

    if args.n < 1:
        raise UserError(f"--n {args.n}: expected a positive number of images")
    if args.truncation is not None and args.truncation <= 0:
        raise UserError(f"--truncation {args.truncation}: expected a positive number")
    generator = load_generator(args.source, ema=not args.raw)
    images = sample(generator, n=args.n, seed=args.seed, truncation=args.truncation)
    if args.out.suffix.lower() == ".png":
        save_grid(images, args.out)
    else:
        write_folder(images, args.out)
    report(args, {"out": args.out, "n": args.n, "seed": args.seed}, f"wrote {args.n} images to {args.out}")
    return 0
