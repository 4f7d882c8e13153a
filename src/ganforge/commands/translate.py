"""Translate images with a trained pix2pix, colorize or cyclegan run (any input size).

examples:
  ganforge translate runs/pix2pix-shapes --input edges.png --out colour.png
  ganforge translate runs/cyclegan-folder-256 --input photos/ --out painted/ --direction BtoA
  ganforge translate runs/colorize-shapes --input gray.png --hints hints.png --out colour.png
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ganforge.commands.output import add_json_flag, report


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", help="run directory or .ckpt of a translation task")
    parser.add_argument("--input", type=Path, required=True, metavar="IMG_OR_DIR", help="an image or a folder of images")
    parser.add_argument("--out", type=Path, required=True, help="output image (one input) or folder")
    parser.add_argument("--direction", choices=["AtoB", "BtoA"], help="cyclegan: which generator (default AtoB)")
    parser.add_argument("--hints", type=Path, metavar="HINTS.png",
                        help="colorize: image of the input's size; non-black, non-white (or opaque) pixels are hint colours")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda or auto")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar on folders")
    add_json_flag(parser)


def run(args: argparse.Namespace) -> int:
    from ganforge.api import translate

    written = translate(args.run, args.input, args.out, direction=args.direction, hints=args.hints,
                        progress=not args.no_progress, device=args.device)
    report(args, {"out": args.out, "n": len(written)}, f"wrote {len(written)} image(s) to {args.out}")
    return 0
