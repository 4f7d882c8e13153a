"""Train DCGAN on builtin:digits for a few minutes, sample, interpolate, evaluate, report.

examples:
  ganforge demo
  ganforge demo --run-dir runs/my-demo --steps 500
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

DEMO_PRESET = "dcgan-digits"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--run-dir", type=Path, help="default runs/demo-<date-time>")
    parser.add_argument("--steps", type=int, default=None, help="training steps (default: the preset's)")
    parser.add_argument("--no-eval", action="store_true", help="skip the metrics table")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar or progress lines")


def run(args: argparse.Namespace) -> int:
    from ganforge.api import interpolate
    from ganforge.config import load_config
    from ganforge.training.loop import train

    overrides = {"name": "demo"}
    if args.steps is not None:
        overrides["train.steps"] = args.steps
    config = load_config(DEMO_PRESET, overrides)
    run_dir = args.run_dir or Path("runs") / time.strftime("demo-%Y%m%d-%H%M%S")
    print(f"ganforge demo: training {config.model.name} on {config.data.path} for {config.train.steps} steps")
    started = time.perf_counter()
    train(config, run_dir, progress=not args.no_progress)
    minutes = (time.perf_counter() - started) / 60
    interpolate(run_dir, run_dir / "interpolation.png", steps=8, rows=4)
    print(f"\ntrained in {minutes:.1f} min")
    if not args.no_eval:
        from ganforge.commands.demo_report import print_demo_metrics

        print_demo_metrics(run_dir)
    print(f"\nrun directory: {run_dir}")
    for name in ("samples/final.png", "interpolation.png", "checkpoints/latest.ckpt", "config.yaml", "log.jsonl"):
        print(f"  {run_dir / name}")
    from ganforge.commands.train import tensorboard_command
    from ganforge.report import write_report

    print(f"TensorBoard:   {tensorboard_command(run_dir / 'tb')}")
    print(f"report:        {write_report([run_dir], run_dir / 'report.html')}  (open it in a browser)")
    return 0
