"""Curves of `log.jsonl` values: one plot per group for one run, one plot per value overlaid for several.

A group names the logged keys it plots; `other_values` picks up whatever a task logs
beyond the known groups, so a new objective's values appear without a new section.
"""

from __future__ import annotations

from dataclasses import dataclass

from ganforge.report import html, plots
from ganforge.report.run import Run
from ganforge.report.sections.base import Built
from ganforge.report.series import series


@dataclass(frozen=True)
class CurveGroup:
    title: str
    keys: tuple[str, ...]
    ylabel: str
    smooth: bool = False
    log_y: bool = False


LOSSES = CurveGroup("Losses", ("d_loss", "g_loss"), "loss", smooth=True)
# d_wrong: D on real images with mismatched conditions (GAN-CLS text runs)
DISCRIMINATOR = CurveGroup("D(real) and D(fake)", ("d_real", "d_fake", "d_wrong"), "mean D logit", smooth=True)
LEARNING_RATES = CurveGroup("Learning rates", ("lr_g", "lr_d"), "learning rate")
SPEED = CurveGroup("Speed", ("it_per_s",), "G steps per second", smooth=True)
GRADIENTS = CurveGroup("Gradient norms", ("grad_norm_d", "grad_norm_g"), "L2 norm", smooth=True, log_y=True)
KNOWN_GROUPS = (LOSSES, DISCRIMINATOR, LEARNING_RATES, SPEED, GRADIENTS)


def _plots_for(runs: list[Run], keys: tuple[str, ...], group: CurveGroup) -> tuple[list[str], dict]:
    """Plot HTML and {key: {run label: curve}}: one plot of all keys for one run, one per key for several."""
    images, data = [], {}
    if len(runs) == 1:
        run = runs[0]
        curves = [c for key in keys if (c := series(run.log, key)) is not None]
        if curves:
            png = plots.line_plot(group.title, curves, group.ylabel, group.log_y, group.smooth)
            images.append(html.image(png, group.title))
            data = {c.label: {run.label: c.to_json() | {"label": run.label}} for c in curves}
        return images, data
    for key in keys:
        curves = [c for run in runs if (c := series(run.log, key, run.label)) is not None]
        if curves:
            title = f"{group.title}: {key}" if len(keys) > 1 else group.title
            images.append(html.image(plots.line_plot(title, curves, group.ylabel, group.log_y, group.smooth), title))
            data[key] = {c.label: c.to_json() for c in curves}
    return images, data


def group_section(group: CurveGroup, empty_note: str | None = None):
    """A section builder plotting `group`'s keys; `empty_note` (or nothing) when no run logged them."""

    def build(runs: list[Run]) -> Built | None:
        images, data = _plots_for(runs, group.keys, group)
        if images:
            return Built(html.plots(images), data, half=len(images) == 1)
        return Built(f'<p class="note">{html.escape(empty_note)}</p>', {}) if empty_note else None

    return build


def _other_keys(runs: list[Run]) -> tuple[str, ...]:
    known = {key for group in KNOWN_GROUPS for key in group.keys} | {"step"}
    keys: dict[str, None] = {}
    for run in runs:
        for record in run.log:
            keys.update((k, None) for k, v in record.items()
                        if k not in known and isinstance(v, (int, float)) and not isinstance(v, bool))
    return tuple(keys)


def other_values(runs: list[Run]) -> Built | None:
    """Every other logged number (R1, gradient penalty, a task's own terms), one plot each."""
    images, data = [], {}
    for key in _other_keys(runs):
        group = CurveGroup(key, (key,), key, smooth=True)
        found, values = _plots_for(runs, (key,), group)
        images += found
        data.update(values)
    return Built(html.plots(images), data) if images else None
