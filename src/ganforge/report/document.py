"""Assemble the report: read the runs, build every section that has something to show."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from ganforge import __version__
from ganforge.atomic import atomic_write_bytes
from ganforge.errors import UserError
from ganforge.report import html
from ganforge.report.run import Run, read_runs
from ganforge.report.sections import SECTIONS


def build_report(runs: list[Run]) -> tuple[str, dict[str, Any]]:
    """(HTML document, the data behind each section keyed by section name)."""
    shown, data, scripts = [], {}, []
    for name, section in SECTIONS.items():
        built = section.build(runs)
        if built is None:
            continue
        shown.append((name, section.title, built.html, built.half))
        data[name] = built.data
        if built.script and built.script not in scripts:
            scripts.append(built.script)
    labels = ", ".join(run.label for run in runs)
    title = f"ganforge report: {labels}" if len(runs) <= 3 else f"ganforge report: {len(runs)} runs"
    subtitle = f"written {time.strftime('%Y-%m-%d %H:%M:%S')} by ganforge {__version__}"
    return html.page(title, subtitle, shown, script="\n".join(scripts) or None), data


def write_report(run_dirs: list[str | Path], out: str | Path, json_out: str | Path | None = None) -> Path:
    """Write the report of `run_dirs` to `out` (and its data to `json_out`); nothing in the runs changes."""
    if not run_dirs:
        raise UserError("report: give at least one run directory")
    out = Path(out)
    runs = read_runs(list(run_dirs))
    document, data = build_report(runs)
    atomic_write_bytes(out, document.encode("utf-8"))
    if json_out is not None:
        payload = json.dumps({"ganforge_version": __version__, "sections": data}, indent=1, default=str)
        if str(json_out) == "-":
            print(payload)
        else:
            atomic_write_bytes(Path(json_out), payload.encode("utf-8"))
    return out
