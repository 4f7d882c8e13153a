"""Held-out metrics of a translation run: PSNR/SSIM/L1 beside baselines, FID/KID, cycle PSNR.

The run's own test images are used: its data's test split, or the images it held out.
Paired tasks print the identity (input as output) and mean-colour baselines beside the model;
colorize runs are scored with 0 and 10 colour hints (--hints-count).

examples:
  ganforge eval-translation runs/pix2pix-shapes
  ganforge eval-translation runs/colorize-shapes --hints-count 0,1,10 --json result.json
  ganforge eval-translation runs/cyclegan-shapes --metrics cycle_psnr,fid
"""

from __future__ import annotations

import argparse

from ganforge.errors import UserError


def _int_list(text: str | None) -> list[int] | None:
    if text is None:
        return None
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise UserError(f"--hints-count {text}: expected comma-separated whole numbers such as 0,10") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run", help="run directory or .ckpt of a pix2pix, colorize or cyclegan run")
    parser.add_argument("--metrics", default=None, help="comma-separated: psnr,ssim,l1,fid,kid (paired tasks) or "
                        "fid,kid,cycle_psnr (cyclegan); default all of the task's")
    parser.add_argument("--hints-count", default=None, help="colorize: hints per image to score with, 0 to 1000 (default 0,10)")
    parser.add_argument("--features", default=None, help="FID/KID features (default: shapes on builtin:shapes, else the run's eval.features)")
    parser.add_argument("--weights", default=None, help="weights file of the feature extractor")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda or auto")
    parser.add_argument("--json", metavar="OUT", help="also write the result as JSON ('-': print it instead)")


def run(args: argparse.Namespace) -> int:
    from ganforge.api import evaluate_translation
    from ganforge.translation.evaluate import format_table

    metrics = [m.strip() for m in args.metrics.split(",") if m.strip()] if args.metrics else None
    result = evaluate_translation(args.run, metrics=metrics, hints=_int_list(args.hints_count), features=args.features,
                                  weights=args.weights, device=args.device, json_path=args.json)
    if args.json != "-":
        print(format_table(result))
    return 0
