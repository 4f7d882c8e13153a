"""Image-to-image runs: input | output | target rows, one row per sampled step.

A run whose objective names its grid's columns writes each column as its own strip,
`RUN/samples/translation/step-NNNNNNNN-<column>.png` (pix2pix and colorize: input, output,
target; cyclegan: input, output, reconstruction), the same fixed inputs at every step.
"""

from __future__ import annotations

import re
from pathlib import Path

from ganforge.report import html
from ganforge.report.run import Run
from ganforge.report.sections.base import Built
from ganforge.report.sections.samples import spaced

FOLDER = "translation"
ORDER = ("input", "output", "target", "reconstruction")  # the usual columns first, others after
PART_FILE = re.compile(r"^step-(\d+)-([a-z]+)\.png$")


def translation_rows(run: Run) -> list[tuple[int, dict[str, Path]]]:
    """[(step, {part: path})] by step, for the steps that have at least an output."""
    folder = run.path / "samples" / FOLDER
    if not folder.is_dir():
        return []
    steps: dict[int, dict[str, Path]] = {}
    for entry in folder.iterdir():
        match = PART_FILE.match(entry.name)
        if match and entry.is_file():
            steps.setdefault(int(match.group(1)), {})[match.group(2)] = entry
    return sorted((step, parts) for step, parts in steps.items() if "output" in parts)


def build(runs: list[Run]) -> Built | None:
    found = {run.label: rows for run in runs if (rows := translation_rows(run))}
    if not found:
        return None
    parts, data = [], {}
    for label, rows in found.items():
        seen = {part for _, files in rows for part in files}
        columns = [p for p in ORDER if p in seen] + sorted(seen - set(ORDER))
        table_rows = []
        for step, files in spaced(rows):
            cells = "".join(
                f"<td>{html.image_file(files[p], f'{label} step {step} {p}', pixels=True)}</td>"
                if p in files else "<td class=\"note\">—</td>" for p in columns
            )
            table_rows.append(f"<tr><th>step {step:,}</th>{cells}</tr>")
        head = "<tr><th></th>" + "".join(f"<th>{p}</th>" for p in columns) + "</tr>"
        parts.append(f"<h3>{html.escape(label)}</h3><table>{head}{''.join(table_rows)}</table>")
        data[label] = [{"step": step, **{p: str(f) for p, f in files.items()}} for step, files in rows]
    return Built("".join(parts), data)
