"""What `train` starts from: a new run, or the saved run of RUN with the few keys a resume may change.

Rules (README "When something goes wrong"):
- `train --resume --run-dir RUN` alone continues from RUN/config.yaml;
- overrides on resume may change only `MUTABLE_ON_RESUME`; any other key is an error naming it;
- a config given with `--resume` must describe the same run: differing keys are named;
- `--resume` where there is no run is refused (`train.resume=auto` starts a new one);
- a finished run is reported with the command that extends it, and nothing is written.
Nothing here writes to RUN.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ganforge.config import Config, load_config, parse_override, validate
from ganforge.config import flatten as flatten_tree
from ganforge.errors import UserError
from ganforge.training.checkpoint import CHECKPOINT_DIR, LATEST, config_from_state, load_checkpoint

RUN_CONFIG = "config.yaml"
# Keys that may change in the middle of a run: length, and how often it logs, samples, saves, evaluates.
MUTABLE_ON_RESUME = (
    "train.steps",
    "train.max_minutes",
    "train.log_every",
    "train.sample_every",
    "ckpt.every",
    "ckpt.keep",
    "eval.every",
    "train.resume",
)
# Keys that name or describe the run without changing what it trains.
IGNORED_ON_RESUME = ("name",)
MAX_NAMED = 4  # differing keys named in one error line


@dataclass(frozen=True)
class SavedRun:
    config: Config
    step: int
    checkpoint: Path


@dataclass(frozen=True)
class TrainingPlan:
    config: Config
    run_dir: Path
    resume: bool
    finished: str | None = None  # set when a resumed run has nothing left to do


def flatten(config: Config | dict) -> dict[str, Any]:
    """{"train.steps": 200, "model.g.width": 8, ...}: leaf values (JSON types) by dotted key."""
    return flatten_tree(config.model_dump(mode="json") if isinstance(config, BaseModel) else config)


def differing_keys(a: Config, b: Config) -> list[str]:
    """Keys whose values differ; "auto" in `b` (resolved from the data in `a`) matches any value."""
    left, right = flatten(a), flatten(b)
    return [
        key for key in left
        if left[key] != right.get(key) and key not in IGNORED_ON_RESUME and right.get(key) != "auto"
    ]


def _describe(keys: list[str], a: Config, b: Config, a_name: str, b_name: str) -> str:
    left, right = flatten(a), flatten(b)
    shown = [f"{key} ({a_name} {left[key]!r}, {b_name} {right.get(key)!r})" for key in keys[:MAX_NAMED]]
    more = f" and {len(keys) - MAX_NAMED} more" if len(keys) > MAX_NAMED else ""
    return ", ".join(shown) + more


def read_run_config(path: Path) -> Config:
    from ganforge.textfiles import read_yaml

    try:
        tree = read_yaml(path)
    except UserError as err:
        raise UserError(f"{err}; restore it from the checkpoint's config") from None
    if not isinstance(tree, dict):
        raise UserError(f"{path}: expected a mapping of config keys")
    return validate(tree, str(path), written=True)


def saved_run(run_dir: Path) -> SavedRun | None:
    """The run in `run_dir` (its config and checkpoint step), or None when it holds none."""
    checkpoint = Path(run_dir) / CHECKPOINT_DIR / LATEST
    if not checkpoint.is_file():
        return None
    state = load_checkpoint(checkpoint)
    trained = config_from_state(state, str(checkpoint))
    config_path = Path(run_dir) / RUN_CONFIG
    config = read_run_config(config_path) if config_path.is_file() else trained
    fixed = [key for key in differing_keys(trained, config) if key not in MUTABLE_ON_RESUME]
    if fixed:
        raise UserError(
            f"{config_path}: differs from the run's checkpoint in "
            f"{_describe(fixed, trained, config, 'checkpoint', 'config.yaml')}; undo the edit"
        )
    return SavedRun(config, int(state.get("step", 0)), checkpoint)


def _override_items(overrides: list[str] | dict | None) -> list[tuple[str, Any]]:
    if isinstance(overrides, dict):
        return list(overrides.items())
    return [(".".join(keys), value) for keys, value in map(parse_override, overrides or [])]


def resolve_resume_config(
    run: SavedRun, run_dir: Path, source: str | Path | dict | None, overrides: list[str] | dict | None
) -> Config:
    """The saved config with the overrides a resume allows; a given config must match the run."""
    saved = run.config
    items = _override_items(overrides)
    config = load_config(saved.model_dump(mode="json"), dict(items))
    for key in differing_keys(saved, config):
        if key not in MUTABLE_ON_RESUME:
            raise UserError(
                f"{key}: cannot change when resuming (the run in {run_dir} has {flatten(saved)[key]!r}); "
                f"a resume may change only {', '.join(MUTABLE_ON_RESUME)}; start a new --run-dir instead"
            )
    if source is None:
        return config
    given = load_config(source, dict(items))
    fixed = [key for key in differing_keys(config, given) if key not in MUTABLE_ON_RESUME]
    if fixed:
        raise UserError(
            f"{run_dir}: the config given with --resume differs from the run's in "
            f"{_describe(fixed, config, given, 'run', 'given')}; drop the config to continue the run as"
            f" saved (ganforge train --resume --run-dir {run_dir})"
        )
    explicit = {key for key, _ in items}
    for key in differing_keys(config, given):
        if key not in explicit:
            print(
                f"ganforge: note: keeping the run's {key}={flatten(config)[key]!r} ({source} says "
                f"{flatten(given)[key]!r}); pass {key}={flatten(given)[key]} to change it",
                file=sys.stderr,
            )
    return config


def check_finished(run: SavedRun, config: Config, run_dir: Path) -> str | None:
    """A message when the saved run has already trained `train.steps` steps, else None."""
    if run.step < config.train.steps:
        return None
    return (
        f"{run_dir}: the run is finished (step {run.step} of train.steps={config.train.steps}); nothing"
        f" to do. To train longer: ganforge train --resume --run-dir {run_dir} train.steps={2 * run.step}"
    )


def _data_inputs(config: Config) -> tuple[str | None, ...]:
    """What training reads: the run directory must not be, or lie inside, one of these."""
    return config.data.path, config.data.include


def plan_training(
    source: str | Path | dict | None,
    overrides: list[str] | dict | None,
    run_dir: str | Path | None,
    resume: bool,
    dry_run: bool = False,
) -> TrainingPlan:
    """Decide what `train` does; refuse before anything is written when it cannot be done.

    A dry run writes nothing, so it may validate a config against any (even a used) --run-dir.
    """
    from ganforge.outputs import check_output_dir

    if dry_run and source is not None:
        fresh = load_config(source, overrides)
        if run_dir is not None:  # what the real run would refuse, a dry run refuses too
            check_output_dir(run_dir, "--run-dir", inputs=_data_inputs(fresh))
        return TrainingPlan(fresh, Path(run_dir or Path("runs") / fresh.name), resume=False)

    if source is None and not resume:
        raise UserError("train: give a config (a YAML file or preset name), or --resume --run-dir RUN")
    if source is None and run_dir is None:
        raise UserError("train --resume: give --run-dir RUN (the run to continue)")
    fresh = load_config(source, overrides) if source is not None else None
    run_dir = Path(run_dir) if run_dir is not None else Path("runs") / fresh.name
    check_output_dir(run_dir, "--run-dir", inputs=_data_inputs(fresh) if fresh is not None else ())
    auto = fresh is not None and fresh.train.resume == "auto"
    run = saved_run(run_dir) if (resume or auto) else None
    if run is None:
        if resume and not auto:
            raise UserError(
                f"--resume {run_dir}: no run to resume (no {CHECKPOINT_DIR}/{LATEST}); drop --resume to "
                "start a new run there, or set train.resume=auto to start one when there is none"
            )
        if (run_dir / CHECKPOINT_DIR / LATEST).exists():
            raise UserError(
                f"{run_dir}: already holds a run; pass --resume to continue it or choose another --run-dir"
            )
        if auto and run_dir.exists():
            print(f"ganforge: note: train.resume=auto: no run in {run_dir} yet; starting a new one",
                  file=sys.stderr)
        return TrainingPlan(fresh, run_dir, resume=False)
    config = resolve_resume_config(run, run_dir, source, overrides)
    return TrainingPlan(config, run_dir, resume=True, finished=check_finished(run, config, run_dir))
