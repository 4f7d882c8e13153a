"""Curves out of log and metric records: (steps, values) and, for metrics, their intervals."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ganforge.metrics import catalog

# Metric keys whose smaller values are better (from the one metric registry); every other
# metric ranks larger-is-better.
LOWER_IS_BETTER = catalog.lower_is_better_keys()
PART_SEPARATOR = "/"  # "ifid/cat": one class's share of a metric, plotted with its siblings
CI_SUFFIX = "_ci"
STD_SUFFIX = "_std"
MEAN_SUFFIX = "_mean"


@dataclass
class Curve:
    """One line of a plot; `low`/`high` (same length as `steps`) draw a band when given."""

    label: str
    steps: np.ndarray
    values: np.ndarray
    low: np.ndarray | None = None
    high: np.ndarray | None = None

    def to_json(self) -> dict[str, Any]:
        data = {"label": self.label, "steps": self.steps.tolist(), "values": self.values.tolist()}
        if self.low is not None and self.high is not None:
            data["low"], data["high"] = self.low.tolist(), self.high.tolist()
        return data


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def series(records: list[dict[str, Any]], key: str, label: str | None = None) -> Curve | None:
    """The finite values of `key` against `step`, in step order; None when there are none."""
    by_step: dict[float, float] = {}  # a resumed run logs its steps again: the later line wins
    for record in records:
        step, value = _number(record.get("step")), _number(record.get(key))
        if step is not None and value is not None:
            by_step[step] = value
    if not by_step:
        return None
    steps, values = zip(*sorted(by_step.items()), strict=True)
    return Curve(label or key, np.asarray(steps), np.asarray(values))


def metric_keys(records: list[dict[str, Any]], parts: bool = False) -> list[str]:
    """Scalar metric keys in first-seen order, leaving out the spreads that belong to a mean.

    Per-class parts (`ifid/cat`) are left out, or with `parts` are the only keys returned.
    """
    keys: dict[str, None] = {}
    for record in records:
        for key, value in record.items():
            if key == "step" or _number(value) is None or (PART_SEPARATOR in key) != parts:
                continue
            if key.endswith(STD_SUFFIX) and f"{key[: -len(STD_SUFFIX)]}{MEAN_SUFFIX}" in record:
                continue
            keys[key] = None
    return list(keys)


def _interval(record: dict[str, Any], key: str) -> tuple[float, float] | None:
    """[low, high] from `<key>_ci`, else mean ± std from `<name>_std` beside `<name>_mean`."""
    ci = record.get(f"{key}{CI_SUFFIX}")
    if isinstance(ci, (list, tuple)) and len(ci) == 2 and all(_number(v) is not None for v in ci):
        return float(ci[0]), float(ci[1])
    if key.endswith(MEAN_SUFFIX):
        std = _number(record.get(f"{key[: -len(MEAN_SUFFIX)]}{STD_SUFFIX}"))
        value = _number(record.get(key))
        if std is not None and value is not None:
            return value - std, value + std
    return None


def interval_kind(records: list[dict[str, Any]], key: str) -> str | None:
    """How the band of `key` is made: "95% CI", "± std" or None."""
    for record in records:
        if isinstance(record.get(f"{key}{CI_SUFFIX}"), (list, tuple)):
            return "95% CI"
        if _interval(record, key) is not None:
            return "± std"
    return None


def metric_curve(records: list[dict[str, Any]], key: str, label: str | None = None) -> Curve | None:
    """`series` of a metric with a band wherever every point has an interval."""
    curve = series(records, key, label)
    if curve is None:
        return None
    by_step = {float(r["step"]): _interval(r, key) for r in records if _number(r.get("step")) is not None}
    bands = [by_step.get(step) for step in curve.steps]
    if all(band is not None for band in bands):
        curve.low = np.asarray([band[0] for band in bands])
        curve.high = np.asarray([band[1] for band in bands])
    return curve


def best_and_final(curve: Curve, key: str) -> dict[str, float]:
    """{"best", "best_step", "final", "final_step"}; best is the min or max by `LOWER_IS_BETTER`."""
    pick = np.argmin if key in LOWER_IS_BETTER else np.argmax
    index = int(pick(curve.values))
    return {
        "best": float(curve.values[index]),
        "best_step": int(curve.steps[index]),
        "final": float(curve.values[-1]),
        "final_step": int(curve.steps[-1]),
    }
