"""One row per run: where it is, what it trains, how far it got and how fast."""

from __future__ import annotations

from ganforge.report import html
from ganforge.report.run import Run
from ganforge.report.sections.base import Built
from ganforge.report.series import series


def training_minutes(run: Run) -> float | None:
    """Training time from the logged speed: Σ (steps between log lines) / it_per_s."""
    curve = series(run.log, "it_per_s")
    if curve is None:
        return None
    previous, seconds = 0.0, 0.0
    for step, speed in zip(curve.steps, curve.values, strict=True):
        if speed > 0:
            seconds += (step - previous) / speed
        previous = step
    return seconds / 60


def _duration(minutes: float | None) -> str:
    if minutes is None:
        return "—"
    return f"{minutes * 60:.0f} s" if minutes < 1 else f"{minutes:.1f} min"


def _get(tree: dict, dotted: str) -> object:
    node: object = tree
    for key in dotted.split("."):
        node = node.get(key) if isinstance(node, dict) else None
    return node


def summary(run: Run) -> dict:
    minutes = training_minutes(run)
    return {
        "label": run.label,
        "path": str(run.path),
        "task": run.task,
        "status": run.status(),
        "last_step": run.last_step,
        "planned_steps": run.planned_steps,
        "model": _get(run.config, "model.name"),
        "loss": _get(run.config, "loss.name"),
        "data": _get(run.config, "data.path"),
        "training_minutes": minutes,
        "log_lines": len(run.log),
        "metric_lines": len(run.metrics),
        "sample_grids": len(run.grids) + (run.final_grid is not None),
    }


def build(runs: list[Run]) -> Built:
    rows = []
    data = [summary(run) for run in runs]
    for item in data:
        planned = item["planned_steps"]
        progress = f"{item['last_step']:,}" + (f" / {planned:,}" if planned else "")
        rows.append([
            item["label"], item["path"], item["task"], item["model"] or "—", item["loss"] or "—",
            item["data"] or "—", item["status"], progress, _duration(item["training_minutes"]),
        ])
    header = ["run", "directory", "task", "model", "loss", "data", "status", "step", "training time"]
    note = ""
    if any(item["status"] != "finished" for item in data):
        note = ('<p class="note">A run without <code>samples/final.png</code> has not finished: '
                "it is shown as far as it got (\"training\" when its log changed in the last 10 minutes).</p>")
    return Built(html.table(header, rows, numeric_from=7) + note, data)
