"""Metric curves over training with their intervals (95% CI, or mean ± std for KID and IS).

Per-class parts of a metric (`ifid/cat`, `ifid/dog`) share one plot per run.
"""

from __future__ import annotations

from ganforge.report import html, plots
from ganforge.report.run import Run
from ganforge.report.sections.base import Built
from ganforge.report.sections.metric_table import all_metric_keys
from ganforge.report.series import PART_SEPARATOR, interval_kind, metric_curve, metric_keys


def build(runs: list[Run]) -> Built | None:
    images, data = [], {}
    for key in all_metric_keys(runs):
        curves = [c for run in runs if (c := metric_curve(run.metrics, key, run.label)) is not None]
        kinds = {interval_kind(run.metrics, key) for run in runs} - {None}
        band = f" (band: {', '.join(sorted(kinds))})" if kinds else ""
        images.append(html.image(plots.line_plot(f"{key}{band}", curves, key), key))
        data[key] = {c.label: c.to_json() for c in curves}
    for run in runs:
        by_metric: dict[str, list] = {}
        for key in metric_keys(run.metrics, parts=True):
            by_metric.setdefault(key.split(PART_SEPARATOR)[0], []).append(metric_curve(run.metrics, key))
        for metric, curves in by_metric.items():
            title = f"{metric} per class: {run.label}"
            images.append(html.image(plots.line_plot(title, curves, metric), title))
            data[f"{metric} per class"] = data.get(f"{metric} per class", {}) | {run.label: [c.to_json() for c in curves]}
    return Built(html.plots(images), data) if images else None
