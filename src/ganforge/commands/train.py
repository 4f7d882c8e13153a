"""Train a GAN from a YAML config or preset name, with dotted overrides.

examples:
  ganforge train configs/dcgan-digits.yaml
  ganforge train dcgan-digits train.steps=300 --run-dir runs/a
  ganforge train configs/dcgan-folder-64.yaml data.path=~/faces model.g.width=32
  ganforge train --resume --run-dir runs/a                   # continue after a stop, as saved
  ganforge train --resume --run-dir runs/a train.steps=5000  # ... and train longer
  ganforge train sngan-shapes --dry-run                      # validate, print shapes, exit
  ganforge train dcgan-digits --nproc 2                      # 2 processes via torchrun
  torchrun --nproc-per-node 8 -m ganforge train dcgan-folder-64 data.path=~/faces

On --resume only train.steps, train.log_every, train.sample_every, ckpt.every, ckpt.keep and
eval.every may change; the run's saved config.yaml gives everything else.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ganforge.commands.output import add_json_flag, report
from ganforge.distributed.launch import add_nproc_argument
from ganforge.errors import UserError, environment_message

STOPS_CLEANLY = True  # SIGINT/SIGTERM: finish the step, save a checkpoint, exit 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "config", nargs="?", help="YAML file or preset name (e.g. dcgan-digits); optional with --resume"
    )
    parser.add_argument("overrides", nargs="*", metavar="key.sub=value", help="config overrides")
    parser.add_argument("--run-dir", type=Path, help="run directory (default runs/<config name>)")
    parser.add_argument(
        "--resume", action="store_true", help="continue the run in --run-dir from its latest checkpoint"
    )
    parser.add_argument("--dry-run", action="store_true", help="validate, build, print shapes and exit")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar or progress lines")
    add_nproc_argument(parser)
    add_json_flag(parser)


def tensorboard_command(logdir: Path) -> str:
    """A TensorBoard command that works from this shell: the one beside this Python, if installed."""
    beside = Path(sys.executable).parent / "tensorboard"
    program = str(beside) if beside.is_file() else f"{sys.executable} -m tensorboard.main"
    return f"{program} --logdir {logdir}"


# What to run next, by what the run makes (Objective.output): its commands refuse the other kind.
NEXT_COMMANDS = {
    "latents": ("ganforge sample {run} --n 64 --out grid.png", "ganforge eval --fake {run} --real DATA --metrics fid,kid"),
    "translation": ("ganforge translate {run} --input IMAGES --out OUT", "ganforge eval-translation {run}"),
}


def next_steps(run_dir: Path, output: str = "latents") -> str:
    """What the run left and what to do next; only files that exist are named (a stopped run
    has no final samples)."""
    files = [("samples:    ", run_dir / "samples" / "final.png"), ("checkpoint: ", run_dir / "checkpoints" / "latest.ckpt")]
    return "\n".join([
        f"run directory: {run_dir}",
        *(f"  {label} {path}" for label, path in files if path.is_file()),
        f"  TensorBoard: {tensorboard_command(run_dir / 'tb')}",
        "next:",
        *(f"  {command.format(run=run_dir)}" for command in NEXT_COMMANDS[output]),
        f"  ganforge train --resume --run-dir {run_dir} train.steps=N   # train longer",
    ])


def split_config_argument(args: argparse.Namespace) -> tuple[str | None, list[str]]:
    """`train --resume --run-dir R a.b=1`: argparse takes `a.b=1` for the config; it is an override."""
    config, overrides = args.config, list(args.overrides)
    if config is not None and "=" in config and not Path(config).exists():
        return None, [config, *overrides]
    return config, overrides


def run(args: argparse.Namespace) -> int:
    from ganforge.distributed import Distribution
    from ganforge.distributed.launch import launch, wants_launch
    from ganforge.distributed.ranks import per_process_batch
    from ganforge.signals import StopRequest
    from ganforge.training.budget import check_models_fit
    from ganforge.training.evaluation import evaluation_hook
    from ganforge.training.loop import train
    from ganforge.training.resume import plan_training

    source, overrides = split_config_argument(args)
    with StopRequest():  # a signal from here on stops with a checkpoint, never mid-write
        plan = plan_training(source, overrides, args.run_dir, args.resume, dry_run=args.dry_run)
        if plan.finished:
            print(f"ganforge: {plan.finished}", file=sys.stderr)
            return 0
        check_models_fit(plan.config)
        launching = wants_launch(args.nproc)
        if launching:  # checked here: one line instead of one error per process
            per_process_batch(plan.config.train.batch_size, Distribution(world_size=args.nproc))
        else:
            main_process = _train_here(plan, args, train, evaluation_hook(plan.config))
    if launching:
        return launch(args.nproc, args.argv)
    if not args.dry_run and main_process:
        checkpoint = plan.run_dir / "checkpoints" / "latest.ckpt"
        summary = {"run_dir": plan.run_dir, "checkpoint": checkpoint, "steps": plan.config.train.steps}
        from ganforge.training.objectives import OBJECTIVES

        report(args, summary, next_steps(plan.run_dir, OBJECTIVES[plan.config.task].output))
    return 0


def _train_here(plan, args: argparse.Namespace, train, step_hook) -> bool:
    """Train in this process (one of several under torchrun); True for the process that reports."""
    from ganforge.distributed import current, shutdown

    try:
        train(
            plan.config,
            plan.run_dir,
            resume=plan.resume,
            dry_run=args.dry_run,
            progress=not args.no_progress,
            step_hook=step_hook,
        )
        return current().is_main
    except OSError as err:
        message = environment_message(err)
        if message is None:
            raise
        if (plan.run_dir / "checkpoints" / "latest.ckpt").is_file():
            message += (
                f"; the last complete checkpoint in {plan.run_dir} is intact:"
                f" continue with ganforge train --resume --run-dir {plan.run_dir}"
            )
        raise UserError(message) from None
    finally:
        shutdown()
