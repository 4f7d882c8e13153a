"""The training loop: read it top to bottom in `train`."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from ganforge.atomic import atomic_write_bytes
from ganforge.config import Config, dump_config
from ganforge.distributed import Distribution, init_from_env
from ganforge.distributed.context import is_lost_contact
from ganforge.distributed.ranks import per_process_batch
from ganforge.errors import UserError
from ganforge.models import MODELS
from ganforge.signals import StopRequest, StopRequested
from ganforge.training.checkpoint import (
    CHECKPOINT_DIR,
    LATEST,
    load_checkpoint,
    numbered_name,
    prune_numbered,
    remove_stale_temp_files,
    save_checkpoint,
)
from ganforge.training.logging import NullLogger, RunLogger, progress_bar
from ganforge.training.rng import seed_everything
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
    """Every process takes part (each adds its own streams); process 0 alone writes."""
    checkpoints = run_dir / CHECKPOINT_DIR
    payload = state.state_dict()
    if not state.distribution.is_main:
        return
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
    return logger.samples(state.step, images, name, nrow=per_row, row_labels=state.objective.grid_labels(state.fixed_inputs),
                          columns=state.objective.grid_columns)


def describe(state: TrainingState) -> str:
    params = "  ".join(f"{name} params={sum(p.numel() for p in net.parameters()):,}" for name, net in state.networks.items())
    images, _ = state.objective.render(state.sampling_networks(), {k: v[:2] for k, v in state.fixed_inputs.items()})
    classes = f" classes={state.data_info.num_classes}" if state.data_info.num_classes else ""
    model = state.config.model
    if model.g.width == "auto":  # validation allows it only where the model settles it
        resolution = state.config.data.resolution
        params = f"G width {MODELS[model.name].g_width(model, resolution)} (auto at {resolution} px)  {params}"
    return (
        f"data: {state.data.source} images={len(state.data.images)} skipped={state.data.skipped}{classes}\n"
        f"task: {state.config.task}  model: {model.name}  {params}\n"
        f"{state.objective.describe(state.batches.next())}; samples {tuple(images.shape[1:])}\n"
        f"device: {state.placement.device}" + _processes(state.distribution)
    )


def _processes(distribution: Distribution) -> str:
    if not distribution.active:
        return ""
    return f"  processes: {distribution.world_size} (global batch split evenly)"


def _open_run(state: TrainingState, run_dir: Path, resume: bool) -> tuple[Path, RunLogger | NullLogger]:
    """Restore the latest checkpoint when resuming; process 0 prepares the run directory.

    Process 0 reads the checkpoint and hands it to the others, so only its disk must hold the run.
    """
    distribution = state.distribution
    latest = run_dir / CHECKPOINT_DIR / LATEST
    checkpoint, error = None, None
    if distribution.is_main:
        try:
            if resume and latest.exists():
                checkpoint = load_checkpoint(latest)
            if checkpoint is None and not resume and latest.exists():
                raise UserError(f"{run_dir}: already holds a run; pass --resume to continue it or choose another --run-dir")
        except UserError as err:
            error = str(err)
    distribution.agree_on_error(error)
    checkpoint = distribution.from_main(checkpoint)
    if checkpoint is not None:
        state.load_state_dict(checkpoint)
    if not distribution.is_main:
        return run_dir, NullLogger()
    run_dir = prepare_run_dir(state.config, run_dir, resume)
    return run_dir, RunLogger(run_dir, resumed_step=state.step if state.step else None)


def _stop_message(requested: list[str | None], distribution: Distribution) -> str:
    if not distribution.active:
        return f"{requested[0]} received"
    senders = ", ".join(f"{name} on process {rank}" for rank, name in enumerate(requested) if name)
    return f"stop requested ({senders})"


def train(
    config: Config,
    run_dir: str | Path,
    resume: bool = False,
    dry_run: bool = False,
    progress: bool = True,
    step_hook=None,
) -> Path:
    """Train until `config.train.steps` G steps; returns the run directory.

    `step_hook(state, run_dir, logger)` runs after every step in every process (used for
    periodic evaluation). Started by torchrun, every process runs this function: see
    `ganforge.distributed` for what they share and what each keeps.
    """
    run_dir = Path(run_dir)
    resume = resume or config.train.resume == "auto"
    distribution = init_from_env(config.train.device, config.train.distributed.timeout_s)
    per_process_batch(config.train.batch_size, distribution)
    try:
        seed_everything(config.seed)
        state = build_state(config, distribution)
        if dry_run:
            if distribution.is_main:
                print(describe(state))
            return run_dir
        return _run(state, run_dir, resume, progress and distribution.is_main, step_hook)
    except RuntimeError as err:
        if distribution.active and is_lost_contact(err):
            raise distribution.lost(err) from None
        raise


def _run(state: TrainingState, run_dir: Path, resume: bool, progress: bool, step_hook) -> Path:
    distribution = state.distribution
    run_dir, logger = _open_run(state, run_dir, resume)
    latest = run_dir / CHECKPOINT_DIR / LATEST
    guard, train_cfg = state.guard, state.config.train
    bar = progress_bar(train_cfg.steps, state.step, enabled=progress)
    last_time, last_step = time.perf_counter(), state.step
    deadline = last_time + 60 * train_cfg.max_minutes if train_cfg.max_minutes else None
    try:
        with StopRequest() as stop:
            # One process alone may abandon an evaluation at a signal; several must stay in step.
            stop.abandon_work = not distribution.active
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
                    logs = distribution.mean(logs)  # losses of the global batch
                    now = time.perf_counter()
                    logs["it_per_s"] = (state.step - last_step) / max(now - last_time, 1e-9)
                    logs.update({f"lr_{name.lower()}": opt.param_groups[0]["lr"] for name, opt in state.optimizers.items()})
                    last_time, last_step = now, state.step
                    logger.scalars(state.step, logs)
                    bar.set_postfix({key: f"{value:.3f}" for key, value in logs.items() if key.endswith("_loss")})
                if state.step % train_cfg.sample_every == 0 and distribution.is_main:
                    write_samples(state, logger)
                if state.step % state.config.ckpt.every == 0:
                    save(state, run_dir, numbered=True)
                if step_hook is not None:
                    try:
                        step_hook(state, run_dir, logger)
                    except StopRequested:
                        pass  # the evaluation was abandoned; the stop below saves at this step
                if distribution.any(stop.requested is not None):  # every process stops at the same step
                    requested = distribution.gather(stop.requested)
                    save(state, run_dir, numbered=False)
                    if distribution.is_main:
                        print(f"ganforge: {_stop_message(requested, distribution)}: checkpoint saved at step {state.step};"
                              f" continue with --resume", file=sys.stderr)
                    return run_dir
                if deadline is not None and distribution.any(time.perf_counter() > deadline):
                    if distribution.is_main:
                        print(f"ganforge: train.max_minutes {train_cfg.max_minutes:g} reached at step {state.step} of "
                              f"{train_cfg.steps}; continue with --resume", file=sys.stderr)
                    break
        save(state, run_dir, numbered=False)
        if distribution.is_main:
            write_samples(state, logger, name="final.png")
    finally:
        bar.close()
        logger.close()
    return run_dir
