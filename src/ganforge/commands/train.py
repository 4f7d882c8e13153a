"""Train a GAN from a YAML config or preset name, with dotted overrides.

examples:
  ganforge train configs/dcgan-digits.yaml
  ganforge train dcgan-digits train.steps=300 --run-dir runs/a
  ganforge train configs/dcgan-folder-64.yaml data.path=~/faces model.g.width=32
  ganforge train dcgan-digits --run-dir runs/a --resume      # continue after a stop
  ganforge train sngan-shapes --dry-run                      # validate, print shapes, exit
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ganforge.commands.output import add_json_flag, report
from ganforge.config import load_config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", help="YAML file or preset name (e.g. dcgan-digits)")
    parser.add_argument("overrides", nargs="*", metavar="key.sub=value", help="config overrides")
    parser.add_argument("--run-dir", type=Path, help="run directory (default runs/<config name>)")
    parser.add_argument("--resume", action="store_true", help="continue from RUN/checkpoints/latest.ckpt")
    parser.add_argument("--dry-run", action="store_true", help="validate, build, print shapes and exit")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_json_flag(parser)


def default_run_dir(config_name: str) -> Path:
    return Path("runs") / config_name


def run(args: argparse.Namespace) -> int:
    from ganforge.training.evaluation import evaluation_hook
    from ganforge.training.loop import train

    config = load_config(args.config, args.overrides)
    run_dir = args.run_dir or default_run_dir(config.name)
    train(
        config,
        run_dir,
        resume=args.resume,
        dry_run=args.dry_run,
        progress=not args.no_progress,
        step_hook=evaluation_hook(config),
    )
    if not args.dry_run:
        checkpoint = run_dir / "checkpoints" / "latest.ckpt"
        report(args, {"run_dir": run_dir, "checkpoint": checkpoint, "steps": config.train.steps}, f"run: {run_dir}")
    return 0
