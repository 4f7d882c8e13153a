"""What a run directory holds, read without changing it: config, logs, metrics, sample grids.

A run that is still training is read as it stands: a half-written last line of a
`.jsonl` log is left out, missing files give empty lists.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ganforge.errors import UserError
from ganforge.textfiles import read_json

STEP_GRID = re.compile(r"^step-(\d+)\.png$")
FINAL_GRID = "final.png"
RECENT_SECONDS = 600  # a log written this recently most likely belongs to a run still training


@dataclass
class Run:
    """One run directory as the report sees it (all paths inside `path`)."""

    path: Path
    label: str
    config: dict[str, Any]
    log: list[dict[str, Any]]
    metrics: list[dict[str, Any]]
    grids: list[tuple[int, Path]]  # (step, samples/step-*.png), by step
    final_grid: Path | None
    best: dict[str, Any] | None
    last_write: float | None  # seconds since the epoch of the newest log line

    @property
    def task(self) -> str:
        """The config's task (`task: NAME` or `task: {name: NAME}`); the default task when absent."""
        from ganforge.config import Config

        task = self.config.get("task")
        if isinstance(task, dict):
            task = task.get("name")
        return str(task) if task else Config.model_fields["task"].default

    @property
    def planned_steps(self) -> int | None:
        steps = self.config.get("train", {}).get("steps")
        return int(steps) if isinstance(steps, (int, float)) else None

    @property
    def last_step(self) -> int:
        steps = [int(r["step"]) for r in self.log + self.metrics if isinstance(r.get("step"), (int, float))]
        steps += [step for step, _ in self.grids]
        if self.finished and self.planned_steps:  # the final grid is written once all steps are done
            steps.append(self.planned_steps)
        return max(steps, default=0)

    @property
    def finished(self) -> bool:
        return self.final_grid is not None

    def status(self, now: float | None = None) -> str:
        """"finished", "training" (a recent log write, no final grid) or "stopped"."""
        if self.finished:
            return "finished"
        now = time.time() if now is None else now
        if self.last_write is not None and now - self.last_write < RECENT_SECONDS:
            return "training"
        return "stopped"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Records of a JSON-lines file; a line that does not parse (still being written) is skipped."""
    if not path.is_file():
        return []
    records = []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            except RecursionError:  # not a line being written: a file that is not a ganforge log
                raise UserError(f"{path}: line {number}: JSON nested too deeply to read") from None
            if isinstance(record, dict):
                records.append(record)
    return records


def read_config(path: Path) -> dict[str, Any]:
    """The run's config as saved (a plain mapping, read leniently: keys of other releases are
    shown as they are), with each section the config defines checked to be a mapping."""
    from ganforge.config import Config, Section
    from ganforge.textfiles import read_yaml

    if not path.exists():
        return {}
    tree = read_yaml(path)
    if not isinstance(tree, dict):
        raise UserError(f"{path}: expected a mapping of config keys")
    for key, field in Config.model_fields.items():
        is_section = isinstance(field.annotation, type) and issubclass(field.annotation, Section)
        if is_section and key in tree and not isinstance(tree[key], dict):
            raise UserError(f"{path}: {key}: expected a mapping of {key}.* keys (got a {type(tree[key]).__name__})")
    return tree


def sample_grids(samples: Path) -> list[tuple[int, Path]]:
    if not samples.is_dir():
        return []
    found = []
    for entry in samples.iterdir():
        match = STEP_GRID.match(entry.name)
        if match and entry.is_file():
            found.append((int(match.group(1)), entry))
    return sorted(found)


def _mtime(path: Path) -> float | None:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None


def read_run(path: str | Path, label: str | None = None) -> Run:
    """Read run directory `path`; raises UserError when it is not a run directory."""
    path = Path(path)
    if not path.is_dir():
        raise UserError(f"{path}: no such run directory")
    markers = ("config.yaml", "log.jsonl", "metrics.jsonl", "samples")
    if not any((path / marker).exists() for marker in markers):
        raise UserError(f"{path}: not a run directory (expected config.yaml, log.jsonl or samples/)")
    config = read_config(path / "config.yaml")
    best_path = path / "best.json"
    best = None
    if best_path.exists():
        best = read_json(best_path)
    final = path / "samples" / FINAL_GRID
    writes = [t for t in (_mtime(path / "log.jsonl"), _mtime(path / "metrics.jsonl")) if t is not None]
    return Run(
        path=path,
        label=label or str(config.get("name") or path.name),
        config=config,
        log=read_jsonl(path / "log.jsonl"),
        metrics=read_jsonl(path / "metrics.jsonl"),
        grids=sample_grids(path / "samples"),
        final_grid=final if final.is_file() else None,
        best=best if isinstance(best, dict) else None,
        last_write=max(writes, default=None),
    )


def read_runs(paths: list[str | Path]) -> list[Run]:
    """Runs with unique labels: the run name, or the folder name when names repeat."""
    runs = [read_run(p) for p in paths]
    labels = [r.label for r in runs]
    if len(set(labels)) < len(labels):
        for run in runs:
            run.label = run.path.name
    labels = [r.label for r in runs]
    if len(set(labels)) < len(labels):
        for run in runs:
            run.label = str(run.path)
    return runs
