"""Evaluate generated images against real ones: FID, KID, IS, precision/recall, density/coverage.

SRC is an image folder (recursive), a .zip, builtin:NAME, a run directory or checkpoint
(images generated from seeded latents; as many as the real side has unless --n), or, for
--real with fid only, a statistics .npz from `ganforge stats`. Real features are cached
under $GANFORGE_HOME/cache (default ~/.cache/ganforge); --no-cache skips the cache.

examples:
  ganforge eval --fake samples/ --real builtin:digits --weights pt_inception.pth
  ganforge eval --fake runs/dcgan-digits --real data/ --metrics fid,kid,pr --n 5000 --json result.json
  ganforge eval --fake samples/ --real ref.npz --metrics fid --json -
  ganforge eval --fake samples/ --real data/ --metrics fid,kid --ci --kid-subset-size 500
  ganforge eval --fake samples/ --real builtin:digits --features digits --metrics fid,kid
  ganforge eval --fake runs/cdcgan-digits --real builtin:digits --features digits --metrics fid,ifid,cacc --ci
  ganforge eval --fake samples/ --real builtin:digits --features digits --metrics fid,kid,is --floor
  ganforge eval --fake runs/dcgan-digits --real builtin:digits --nproc 2   # extraction split over 2

KID is printed as the raw unbiased MMD² (not ×10³), as torch-fidelity prints it.
"""

from __future__ import annotations

import argparse
import sys
import warnings

from ganforge.commands.stats import add_feature_arguments
from ganforge.distributed.launch import add_nproc_argument

DEFAULT_METRICS = "fid"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--fake", required=True, metavar="SRC", help="generated images (set 1)")
    parser.add_argument("--real", metavar="SRC", help="reference images or statistics .npz (set 2)")
    parser.add_argument(
        "--metrics",
        default=DEFAULT_METRICS,
        help="comma-separated: fid,kid,is,pr,dc,fd_inf; for class-conditional runs also ifid"
        " (intra-class FID), cacc (class accuracy) and cdiv (recall and coverage within each"
        " class, with their real ceiling and one-image floor) (default fid)",
    )
    parser.add_argument(
        "--classifier",
        metavar="EVALUATOR",
        help="supervised evaluator judging cacc (default: --features if a domain evaluator, or the"
        " shipped one of a built-in --real)",
    )
    parser.add_argument(
        "--labels",
        choices=["data", "uniform"],
        default="data",
        help="class-conditional --fake: draw labels in the real data's proportions (default) or uniformly",
    )
    add_feature_arguments(parser)
    parser.add_argument(
        "--json",
        metavar="OUT",
        help="write the result as JSON to OUT ('-': print it instead of the table)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of generated latents and --n subsets (default 0)"
    )
    parser.add_argument("--kid-subsets", type=int, default=100, help="KID subsets (default 100)")
    parser.add_argument(
        "--kid-subset-size", type=int, default=1000, help="images per KID subset (default 1000)"
    )
    parser.add_argument(
        "--kid-strict",
        action="store_true",
        help="fail when --kid-subset-size exceeds the number of images (default: shrink it, with a note)",
    )
    parser.add_argument("--kid-shrink", action="store_true", help=argparse.SUPPRESS)  # the default now
    parser.add_argument(
        "--ci",
        action="store_true",
        help="add 95%% bootstrap intervals (each metric is computed --ci-draws more times)",
    )
    parser.add_argument("--ci-draws", type=int, default=200, help="bootstrap draws (default 200)")
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also print each metric on real images (<metric>_real): two disjoint halves of "
        "--real for two-sample metrics (the floor), all of them for IS (the ceiling)",
    )
    add_nproc_argument(parser)


def run(args: argparse.Namespace) -> int:
    from ganforge.distributed import init_from_env, shutdown
    from ganforge.distributed.launch import launch, wants_launch
    from ganforge.metrics.report import STDOUT, format_table, write_json
    from ganforge.outputs import check_output_file
    from ganforge.sampling import check_seed

    check_seed(args.seed)
    if args.json is not None and args.json != STDOUT:
        check_output_file(args.json, "--json", make_parents=False, inputs=(args.fake, args.real))
    if wants_launch(args.nproc):
        return launch(args.nproc, args.argv)
    try:  # under torchrun every process extracts its share; process 0 reports
        main_process = init_from_env(args.device).is_main
        with warnings.catch_warnings():  # the note below says it with the CLI's flag
            warnings.filterwarnings("ignore", message="KID: subset size shrunk")
            result = _evaluate(args)
    finally:
        shutdown()
    if not main_process:
        return 0
    used = result["protocol"].get("kid_subset_size")
    if used is not None and used < args.kid_subset_size:
        print(f"ganforge: note: KID subset size {args.kid_subset_size} shrunk to {used}, the number of"
              " images; pass --kid-strict to fail instead", file=sys.stderr)
    if args.json == STDOUT:
        write_json(result, STDOUT)
    else:
        print(format_table(result))  # shown before writing: a failed write loses no result
        if args.json is not None:
            write_json(result, args.json)
    return 0


def _evaluate(args: argparse.Namespace) -> dict:
    from ganforge.metrics.evaluate import evaluate
    from ganforge.runs import evaluation_source

    return evaluate(
        fake=evaluation_source(args.fake),
        real=evaluation_source(args.real),
        metrics=args.metrics,
        features=args.features,
        weights=args.weights,
        resize=args.resize,
        n=args.n,
        batch_size=args.batch_size,
        seed=args.seed,
        kid_subsets=args.kid_subsets,
        kid_subset_size=args.kid_subset_size,
        kid_allow_shrink=args.kid_shrink or not args.kid_strict,
        ci=args.ci,
        ci_draws=args.ci_draws,
        device=args.device,
        cache=not args.no_cache,
        classifier=args.classifier,
        proportions=args.labels,
        exif_orientation=args.exif_orientation,
        floor=args.floor,
    )
