"""Sample grids from the fixed latents over training (step under each), and the final grids."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from PIL import Image

from ganforge.report import html
from ganforge.report.run import Run
from ganforge.report.sections.base import Built

MAX_GRIDS = 10  # per run; evenly spaced over training, first and last always shown
SMALL = 320  # grids narrower than this many pixels are shown at twice their size


def grid_image(path: Path, alt: str) -> str:
    """The grid inline; a small grid is doubled, pixels kept sharp. An unreadable grid (a
    corrupt file) is named in a warning and in the page; the rest of the report stands."""
    try:
        with Image.open(path) as opened:
            opened.verify()
            width = opened.width
    except (OSError, SyntaxError, ValueError) as err:  # PIL's ways of saying "not an image"
        warnings.warn(f"skipping {path}: not a readable image ({type(err).__name__})", stacklevel=2)
        return f'<p class="note">{html.escape(path)}: not a readable image</p>'
    return html.image_file(path, alt, width=2 * width if width < SMALL else None, pixels=True)


def spaced(grids: list[tuple[int, Path]], limit: int = MAX_GRIDS) -> list[tuple[int, Path]]:
    """At most `limit` grids, evenly spaced by position, keeping the first and the last."""
    if len(grids) <= limit:
        return grids
    picks = np.unique(np.round(np.linspace(0, len(grids) - 1, limit)).astype(int))
    return [grids[k] for k in picks]


def _heading(runs: list[Run], run: Run) -> str:
    return f"<h3>{html.escape(run.label)}</h3>" if len(runs) > 1 else ""


def over_training(runs: list[Run]) -> Built | None:
    if not any(run.grids for run in runs):
        return None
    parts, data = [], {}
    for run in runs:
        shown = spaced(run.grids)
        data[run.label] = [{"step": step, "file": str(path)} for step, path in shown]
        figures = [html.figure(grid_image(path, f"{run.label} step {step}"), f"step {step:,}")
                   for step, path in shown]
        skipped = len(run.grids) - len(shown)
        note = f'<p class="note">{skipped} more grids in {html.escape(run.path / "samples")}.</p>' if skipped else ""
        body = f'<div class="grids">{"".join(figures)}</div>' if figures else '<p class="note">No grids yet.</p>'
        parts.append(_heading(runs, run) + body + note)
    return Built("".join(parts), data)


def final(runs: list[Run]) -> Built:
    figures, data = [], {}
    for run in runs:
        if run.final_grid is None:
            if run.grids:  # still training: its newest grid is the nearest thing to final samples
                step, path = run.grids[-1]
                caption = f"{run.label}: newest grid, step {step:,} (not finished)"
            else:
                figures.append(f'<p class="note">{html.escape(run.label)}: no samples yet.</p>')
                continue
        else:
            path, caption = run.final_grid, f"{run.label}: final samples, step {run.last_step:,}"
        data[run.label] = str(path)
        figures.append(html.figure(grid_image(path, caption), caption))
    return Built(f'<div class="grids">{"".join(figures)}</div>', data, half=len(runs) == 1)
