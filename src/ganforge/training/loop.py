"""The training loop: read it top to bottom in `train`."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from ganforge.atomic import atomic_write_bytes
from ganforge.config import Config, dump_config
from ganforge.errors import UserError
from ganforge.runs import CHECKPOINT_DIR, LATEST, load_checkpoint
from ganforge.training.checkpoint import (
    numbered_name,
    prune_numbered,
    remove_stale_temp_files,
    save_checkpoint,
)
from ganforge.training.logging import RunLogger, progress_bar
from ganforge.training.rng import seed_everything
from ganforge.training.signals import StopRequest
from ganforge.training.state import TrainingState, build_state
from ganforge.training.step import set_learning_rates, train_step


def prepare_run_dir(config: Config, run_dir: Path, resume: bool) -> Path:
    run_dir = Path(run_dir)
    latest = run_dir / CHECKPOINT_DIR / LATEST
    if not resume and latest.exists():
        raise UserError(f"{run_dir}: already holds a run; pass --resume to continue it or choose another --run-dir")
    run_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_files(run_dir / CHECKPOINT_DIR)  # left by a checkpoint write that was killed
    atomic_write_bytes(run_dir / "config.yaml", dump_config(config).encode())
    return run_dir


def save(state: TrainingState, run_dir: Path, numbered: bool) -> None:
    checkpoints = run_dir / CHECKPOINT_DIR
    payload = state.state_dict()
    save_checkpoint(checkpoints / LATEST, payload)
    if numbered and state.config.ckpt.keep > 0:
        save_checkpoint(checkpoints / numbered_name(state.step), payload)
        prune_numbered(checkpoints, state.config.ckpt.keep)


def write_samples(state: TrainingState, logger: RunLogger, name: str | None = None) -> Path:
    networks = state.sampling_networks()
    modes = {key: net.training for key, net in networks.items()}
    for net in networks.values():
        net.eval()
    images, per_row = state.objective.render(networks, state.fixed_inputs)
    for key, net in networks.items():
        net.train(modes[key])
    return logger.samples(state.step, images, name, nrow=per_row, row_labels=state.objective.grid_labels(state.fixed_inputs))


def describe(state: TrainingState) -> str:
    params = "  ".join(f"{name} params={sum(p.numel() for p in net.parameters()):,}" for name, net in state.networks.items())
    images, _ = state.objective.render(state.sampling_networks(), {k: v[:2] for k, v in state.fixed_inputs.items()})
    classes = f" classes={state.data_info.num_classes}" if state.data_info.num_classes else ""
    return (
        f"data: {state.data.source} images={len(state.data.images)} skipped={state.data.skipped}{classes}\n"
        f"task: {state.config.task}  model: {state.config.model.name}  {params}\n"
        f"{state.objective.describe(state.batches.next())}; samples {tuple(images.shape[1:])}\n"
        f"device: {state.placement.device}"
    )


def train(
    config: Config,
    run_dir: str | Path,
    resume: bool = False,
    dry_run: bool = False,
    progress: bool = True,
    step_hook=None,
) -> Path:
    """Train until `config.train.steps` G steps; returns the run directory.

    `step_hook(state)` runs after every step (used for periodic evaluation).
    """
    run_dir = Path(run_dir)
    resume = resume or config.train.resume == "auto"
    seed_everything(config.seed)
    state = build_state(config)
    if dry_run:
        print(describe(state))
        return run_dir
    latest = run_dir / CHECKPOINT_DIR / LATEST
    if resume and latest.exists():
        state.load_state_dict(load_checkpoint(latest))
    run_dir = prepare_run_dir(state.config, run_dir, resume)
    logger = RunLogger(run_dir, resumed_step=state.step if state.step else None)
    guard, train_cfg = state.guard, state.config.train
    bar = progress_bar(train_cfg.steps, state.step, enabled=progress)
    last_time, last_step = time.perf_counter(), state.step
    try:
        with StopRequest() as stop:
            while state.step < train_cfg.steps:
                set_learning_rates(state)
                measure = (state.step + 1) % train_cfg.log_every == 0
                logs = train_step(state, measure=measure)
                if logs is None:
                    guard.on_bad_step(state, latest)
                    continue
                guard.on_good_step()
                state.step += 1
                for name, ema in state.emas.items():
                    ema.update(state.networks[name], state.step)
                bar.update(1)
                if measure:
                    now = time.perf_counter()
                    logs["it_per_s"] = (state.step - last_step) / max(now - last_time, 1e-9)
                    logs.update({f"lr_{name.lower()}": opt.param_groups[0]["lr"] for name, opt in state.optimizers.items()})
                    last_time, last_step = now, state.step
                    logger.scalars(state.step, logs)
                    bar.set_postfix({key: f"{value:.3f}" for key, value in logs.items() if key.endswith("_loss")})
                if state.step % train_cfg.sample_every == 0:
                    write_samples(state, logger)
                if state.step % state.config.ckpt.every == 0:
                    save(state, run_dir, numbered=True)
                if step_hook is not None:
                    step_hook(state, run_dir, logger)
                if stop.requested:
                    save(state, run_dir, numbered=False)
                    print(f"ganforge: {stop.requested} received: checkpoint saved at step {state.step};"
                          f" continue with --resume", file=sys.stderr)
                    return run_dir
        save(state, run_dir, numbered=False)
        write_samples(state, logger, name="final.png")
    finally:
        bar.close()
        logger.close()
    return run_dir
