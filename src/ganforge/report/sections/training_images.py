"""A run's training images as clickable tiles: mark them like / unlike for the next `data filter --marks`.

Shown for a run trained on a folder or a .zip (its config's data.path, only the files of
data.include when set); a built-in set has no files to name, so the section is absent.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import torchvision.transforms.functional as TF

from ganforge.data import ImageSource, open_source
from ganforge.data.thumbnails import relative_names, thumbnail
from ganforge.errors import UserError
from ganforge.report import html
from ganforge.report.marking import SCRIPT, marks_header, panel, tile
from ganforge.report.run import Run
from ganforge.report.sections.base import Built

SHOWN = 200  # tiles: a seeded sample of the training images
SEED = 0  # the same sample each time the report is written


def _data(run: Run) -> tuple[str, str | None] | None:
    """(data.path, data.include) of a run trained on files; None for built-in data or no config."""
    data = run.config.get("data")
    path = data.get("path") if isinstance(data, dict) else None
    if not isinstance(path, str) or not path or path.startswith("builtin:"):
        return None
    include = data.get("include")
    return path, include if isinstance(include, str) and include else None


def _png(source: ImageSource, index: int) -> bytes:
    buffer = io.BytesIO()
    TF.to_pil_image(thumbnail(source, index)).save(buffer, format="PNG")
    return buffer.getvalue()


def _sample(count: int) -> np.ndarray:
    if count <= SHOWN:
        return np.arange(count)
    return np.sort(np.random.default_rng(SEED).choice(count, SHOWN, replace=False))


def _missing(path: str, include: str | None) -> str | None:
    if not Path(path).expanduser().exists():
        return path
    return include if include and not Path(include).expanduser().is_file() else None


def _sheet(path: str, include: str | None) -> tuple[str, dict]:
    """(tiles and marks panel, the data behind them) of the images the run trained on."""
    source = open_source(path, include=include)
    names = relative_names(source)
    shown = _sample(len(names))
    tiles = "".join(tile(names[i], _png(source, int(i)), names[i]) for i in shown)
    what = f"{len(shown):,} of the {len(names):,} training images" + (" (a seeded sample)" if len(shown) < len(names)
                                                                      else "")
    origin = f"{path}" + (f", only the files of data.include {include}" if include else "")
    body = (f'<p class="note">{html.escape(what)} of {html.escape(origin)}.</p>' + panel(marks_header(path), {})
            + f'<div class="tiles">{tiles}</div>')
    return body, {"path": path, "include": include, "images": len(names), "shown": [names[i] for i in shown]}


def build(runs: list[Run]) -> Built | None:
    trained = [(run, data) for run in runs if (data := _data(run)) is not None]
    if not trained:
        return None
    run, (path, include) = trained[0]
    heading = f"<h3>{html.escape(run.label)}</h3>" if len(runs) > 1 else ""
    missing = _missing(path, include)
    if missing is not None:  # no tiles, so no marks panel and no script
        return Built(heading + f'<p class="note">{html.escape(missing)} is not here (paths are read from where the '
                     "report is written); write the report from where the run was trained to mark its images.</p>",
                     {run.label: None})
    try:
        body, data = _sheet(path, include)
    except UserError as err:
        return Built(heading + f'<p class="note">{html.escape(err)}</p>', {run.label: None})
    others = [r.label for r, _ in trained[1:]]
    note = (f'<p class="note">Images of {html.escape(", ".join(others))} not shown (one marks file a page): '
            "write a report of that run alone to mark them.</p>" if others else "")
    return Built(heading + body + note, {run.label: data}, script=SCRIPT)
