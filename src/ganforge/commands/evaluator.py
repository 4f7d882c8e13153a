"""Train a domain evaluator: a feature extractor for FID/KID judged on your own data.

examples:
  ganforge evaluator train --data builtin:digits --out evaluators/digits
  ganforge evaluator train --data photos/ --out evaluators/photos --mode selfsupervised --epochs 50
  ganforge evaluator train --data faces_by_class/ --out evaluators/faces --mode supervised --weights pt_inception.pth
  ganforge eval --fake runs/dcgan-digits --real builtin:digits --features domain:evaluators/digits

Labelled data (builtins, or one sub-folder per class) trains a classifier: a small CNN for
small images, Inception-v3 fine-tuning when the shorter side is >= 128 px. Unlabelled data
trains the small CNN with SimCLR-style contrastive learning. DIR/evaluator.json reports
val_accuracy (supervised) and floor_fid: the FID between two disjoint halves of the real data.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from ganforge.evaluators.plan import INITS, MODES
from ganforge.evaluators.train import train_evaluator

TRAIN_EXAMPLES = """examples:
  ganforge evaluator train --data builtin:digits --out evaluators/digits --seed 0
  ganforge evaluator train --data images.zip --out evaluators/mine --mode selfsupervised
  ganforge evaluator train --data builtin:shapes --out evaluators/shapes-inception --init inception
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="evaluator_action", metavar="ACTION", required=True)
    train = actions.add_parser(
        "train",
        help="train an evaluator on a data source and save it to a directory",
        description="Train an evaluator on SRC and write DIR/weights.safetensors and DIR/evaluator.json.",
        epilog=TRAIN_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    train.add_argument(
        "--data", required=True, metavar="SRC", help="builtin:NAME, an image folder or a .zip"
    )
    train.add_argument(
        "--out", required=True, metavar="DIR", help="directory to write the evaluator to"
    )
    train.add_argument(
        "--mode",
        choices=MODES,
        default="auto",
        help="auto: supervised when every image has a class label, else selfsupervised",
    )
    train.add_argument(
        "--epochs", type=int, default=None, help="training epochs (default depends on the network)"
    )
    train.add_argument(
        "--seed", type=int, default=0, help="seed of the split, initialisation and batch order"
    )
    train.add_argument(
        "--init",
        choices=INITS,
        default="auto",
        help="auto: Inception fine-tuning for labelled images >= 128 px, else a small CNN; "
        "inception: fine-tune the pretrained FID Inception whatever the size",
    )
    train.add_argument(
        "--weights",
        default=None,
        metavar="PATH",
        help="FID Inception weights to fine-tune from (large labelled images only)",
    )
    train.add_argument(
        "--device", choices=("auto", "cpu", "cuda"), default="cpu", help="default cpu (reproducible)"
    )
    train.add_argument(
        "--max-images",
        type=int,
        default=None,
        metavar="N",
        help="use a seeded random subset of N images (quick trials)",
    )
    train.add_argument(
        "--noise",
        type=float,
        default=None,
        metavar="STD",
        help="supervised: largest std of the Gaussian pixel noise added to training images "
        "(preprocessed units; default 0.1, 0 for none)",
    )
    train.add_argument(
        "--json", action="store_true", help="print the evaluator.json contents on stdout"
    )


def run(args: argparse.Namespace) -> int:
    from ganforge.outputs import check_output_dir

    check_output_dir(args.out, "--out", inputs=(args.data,))
    started = time.perf_counter()
    progress = (lambda message: print(message, file=sys.stderr)) if args.json else print
    meta = train_evaluator(
        args.data,
        args.out,
        mode=args.mode,
        epochs=args.epochs,
        seed=args.seed,
        weights=args.weights,
        device=args.device,
        max_images=args.max_images,
        log=progress,
        init=args.init,
        noise=args.noise,
    )
    if args.json:
        print(json.dumps(meta, indent=2))
    else:
        print(
            f"wrote {args.out}/evaluator.json and weights ({time.perf_counter() - started:.0f} s)"
        )
    return 0
