"""Plots as PNG bytes, drawn by matplotlib's Agg backend (no display, no fonts fetched)."""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # before pyplot: reports are written on machines without a display

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from ganforge.report.series import Curve  # noqa: E402

FIGSIZE = (6.4, 3.6)  # inches; at DPI 100 a 640x360 image that fits two per row
DPI = 100
SMOOTH_MIN_POINTS = 50  # fewer points are drawn as they are
MAX_LEGEND = 12  # more lines than this (e.g. one per class) go without a legend


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def smoothed(values: np.ndarray, fraction: float = 0.05) -> np.ndarray:
    """A centred moving average over `fraction` of the points (noisy GAN losses), same length."""
    window = max(1, int(len(values) * fraction)) | 1
    if len(values) < SMOOTH_MIN_POINTS or window == 1:
        return values
    padded = np.pad(values, window // 2, mode="edge")
    return np.convolve(padded, np.ones(window) / window, mode="valid")


def line_plot(
    title: str, curves: Sequence[Curve], ylabel: str = "", log_y: bool = False, smooth: bool = False
) -> bytes:
    """Curves against training step in one axes; bands for curves with `low`/`high`.

    With `smooth`, the raw values are drawn faint and a moving average on top.
    """
    figure, axes = plt.subplots(figsize=FIGSIZE)
    for index, curve in enumerate(curves):
        colour = f"C{index % 10}"
        marker = "o" if len(curve.steps) <= 20 else None
        if smooth and len(curve.values) >= SMOOTH_MIN_POINTS:
            axes.plot(curve.steps, curve.values, color=colour, alpha=0.25, linewidth=0.8)
            axes.plot(curve.steps, smoothed(curve.values), color=colour, label=curve.label)
        else:
            axes.plot(curve.steps, curve.values, color=colour, label=curve.label, marker=marker, markersize=3)
        if curve.low is not None and curve.high is not None:
            axes.fill_between(curve.steps, curve.low, curve.high, color=colour, alpha=0.2, linewidth=0)
    axes.set_title(title)
    axes.set_xlabel("step")
    axes.set_ylabel(ylabel)
    if log_y and all((c.values > 0).all() for c in curves):
        axes.set_yscale("log")
    axes.grid(alpha=0.3)
    if 1 < len(curves) <= MAX_LEGEND or (len(curves) == 1 and curves[0].label != title):
        axes.legend(fontsize="small")
    return _png(figure)


def histogram(title: str, values: Sequence[float], xlabel: str, bins: int | Sequence[float] = 30,
              log_x: bool = False, lines: Sequence[tuple[str, float]] = ()) -> bytes:
    """A histogram of `values`; `lines` are labelled vertical markers (label, x), e.g. a threshold."""
    figure, axes = plt.subplots(figsize=FIGSIZE)
    data = np.asarray(values, dtype=np.float64)
    if log_x and len(data) and (data > 0).all():
        low, high = data.min(), data.max()
        bins = np.geomspace(low, high if high > low else low * 1.01, 31)
        axes.set_xscale("log")
    axes.hist(data, bins=bins, color="C0", edgecolor="white")
    for number, (label, x) in enumerate(lines):
        axes.axvline(x, color=f"C{number + 1}", linestyle="--", label=label)
    if lines:
        axes.legend(fontsize="small")
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    axes.set_ylabel("images")
    axes.grid(alpha=0.3)
    return _png(figure)


def bar_chart(title: str, labels: Sequence[str], counts: Sequence[float], ylabel: str = "images") -> bytes:
    figure, axes = plt.subplots(figsize=FIGSIZE)
    positions = np.arange(len(labels))
    axes.bar(positions, counts, color="C0")
    axes.set_xticks(positions, labels, rotation=45 if len(labels) > 6 else 0, ha="right" if len(labels) > 6 else "center")
    axes.set_title(title)
    axes.set_ylabel(ylabel)
    axes.grid(alpha=0.3, axis="y")
    return _png(figure)
