"""Train a GAN from a YAML config or preset name, with dotted overrides.

examples:
  ganforge train configs/dcgan-digits.yaml
  ganforge train dcgan-digits train.steps=300 --run-dir runs/a
  ganforge train configs/dcgan-folder-64.yaml data.path=~/faces model.g.width=32
  ganforge train dcgan-digits --run-dir runs/a --resume      # continue after a stop
  ganforge train sngan-shapes --dry-run                      # validate, print shapes, exit
  ganforge train dcgan-digits --nproc 2                      # 2 processes via torchrun
  torchrun --nproc-per-node 8 -m ganforge train dcgan-folder-64 data.path=~/faces
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ganforge.commands.output import add_json_flag, report
from ganforge.config import load_config
from ganforge.distributed import current, shutdown
from ganforge.distributed.launch import add_nproc_argument, launch, wants_launch


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", help="YAML file or preset name (e.g. dcgan-digits)")
    parser.add_argument("overrides", nargs="*", metavar="key.sub=value", help="config overrides")
    parser.add_argument("--run-dir", type=Path, help="run directory (default runs/<config name>)")
    parser.add_argument("--resume", action="store_true", help="continue from RUN/checkpoints/latest.ckpt")
    parser.add_argument("--dry-run", action="store_true", help="validate, build, print shapes and exit")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_nproc_argument(parser)
    add_json_flag(parser)


def default_run_dir(config_name: str) -> Path:
    return Path("runs") / config_name


def run(args: argparse.Namespace) -> int:
    from ganforge.distributed import Distribution
    from ganforge.distributed.ranks import per_process_batch
    from ganforge.training.evaluation import evaluation_hook
    from ganforge.training.loop import train

    config = load_config(args.config, args.overrides)
    if wants_launch(args.nproc):  # checked here: one line instead of one error per process
        per_process_batch(config.train.batch_size, Distribution(world_size=args.nproc))
        return launch(args.nproc, args.argv)
    run_dir = args.run_dir or default_run_dir(config.name)
    try:
        train(
            config,
            run_dir,
            resume=args.resume,
            dry_run=args.dry_run,
            progress=not args.no_progress,
            step_hook=evaluation_hook(config),
        )
        main_process = current().is_main
    finally:
        shutdown()
    if not args.dry_run and main_process:
        checkpoint = run_dir / "checkpoints" / "latest.ckpt"
        report(args, {"run_dir": run_dir, "checkpoint": checkpoint, "steps": config.train.steps}, f"run: {run_dir}")
    return 0
