"""Text-conditional runs: the prompts behind the sample grids, in grid order.

A run whose grids have row labels (the text tasks: their prompts) writes
`RUN/samples/prompts.txt`, one per line, row by row of the grid.
"""

from __future__ import annotations

from ganforge.report import html
from ganforge.report.run import Run
from ganforge.report.sections.base import Built

PROMPTS_FILE = "prompts.txt"


def read_prompts(run: Run) -> list[str] | None:
    path = run.path / "samples" / PROMPTS_FILE
    if not path.is_file():
        return None
    return [line.rstrip("\n") for line in path.read_text(encoding="utf-8", errors="replace").splitlines()]


def build(runs: list[Run]) -> Built | None:
    found = {run.label: prompts for run in runs if (prompts := read_prompts(run)) is not None}
    if not found:
        return None
    parts = []
    for label, prompts in found.items():
        items = "".join(f"<li>{html.escape(p)}</li>" for p in prompts)
        parts.append(f"<h3>{html.escape(label)}</h3><p class=\"note\">In grid order, row by row.</p><ol>{items}</ol>")
    return Built("".join(parts), found)
