"""Precompute reference statistics (mu, sigma of Inception pool3 features) of an image source.

Writes OUT.npz with arrays mu and sigma (readable by pytorch-fid and clean-fid) and
OUT.npz.json with the protocol (N, resize mode, extractor and weights SHA-256, versions).
Use it as `ganforge eval --real OUT.npz --metrics fid`.

examples:
  ganforge stats builtin:digits --out digits.npz --weights pt_inception.pth
  ganforge stats data/celeba/ --out celeba-50k.npz --n 50000 --resize clean
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_feature_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags shared with `ganforge eval`: what extracts the features, on how many images, where."""
    parser.add_argument(
        "--features",
        default="inception",
        help="inception (default), digits, shapes, domain:DIR or an evaluator DIR",
    )
    parser.add_argument(
        "--weights",
        metavar="PATH",
        help="Inception weights file (pt_inception-2015-12-05-6726825d.pth)",
    )
    parser.add_argument(
        "--resize",
        default="tf1",
        choices=("tf1", "pytorch-fid", "clean"),
        help="preprocessing to 299x299 (default tf1, as torch-fidelity and papers)",
    )
    parser.add_argument(
        "--n",
        "--num-images",  # the spelling torchrun's own parser lets through (it reads --n as its option)
        type=int,
        default=None,
        help="images per side: a seeded random subset of a source, or the number generated",
    )
    parser.add_argument(
        "--batch-size", type=int, default=64, help="images per extractor call (default 64)"
    )
    parser.add_argument(
        "--no-cache", action="store_true", help="neither read nor write cached real features"
    )
    parser.add_argument(
        "--device", default="auto", choices=("auto", "cpu", "cuda"), help="default auto"
    )
    parser.add_argument(
        "--exif-orientation",
        action="store_true",
        help="turn photos upright by their EXIF orientation first (the reference tools do not)",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "source",
        metavar="SRC",
        help="image folder, .zip, builtin:NAME, run directory or checkpoint",
    )
    parser.add_argument("--out", type=Path, required=True, help="statistics file to write (.npz)")
    add_feature_arguments(parser)
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of generated latents and the --n subset (default 0)",
    )


def run(args: argparse.Namespace) -> int:
    from ganforge.metrics.reference import write_reference_statistics
    from ganforge.outputs import check_output_file
    from ganforge.runs import evaluation_source
    from ganforge.sampling import check_seed

    check_seed(args.seed)
    if args.out.suffix == ".npz":
        check_output_file(args.out, "--out", make_parents=False, inputs=(args.source,))
        check_output_file(f"{args.out}.json", "--out", make_parents=False, inputs=(args.source,))

    protocol = write_reference_statistics(
        args.out,
        evaluation_source(args.source),
        features=args.features,
        weights=args.weights,
        resize=args.resize,
        n=args.n,
        batch_size=args.batch_size,
        seed=args.seed,
        device=args.device,
        cache=not args.no_cache,
        exif_orientation=args.exif_orientation,
    )
    print(f"wrote statistics of {protocol['n']} images to {args.out} (protocol in {args.out}.json)")
    return 0
