"""The runs' configs: the keys whose values differ between runs, then each whole config."""

from __future__ import annotations

import json
from typing import Any

from ganforge.report import html
from ganforge.report.run import Run
from ganforge.report.sections.base import Built

MISSING = "(absent)"


def flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"train": {"steps": 5}} -> {"train.steps": 5}; lists stay values."""
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(flatten(value, path + "."))
        else:
            flat[path] = value
    return flat


def _shown(value: Any) -> str:
    return MISSING if value is MISSING else json.dumps(value)


def differences(runs: list[Run]) -> dict[str, list[Any]]:
    """{dotted key: [value per run]} for keys not equal in every run; `name` is left out."""
    flats = [flatten(run.config) for run in runs]
    keys = sorted(set().union(*flats))
    differ = {}
    for key in keys:
        values = [flat.get(key, MISSING) for flat in flats]
        if key != "name" and any(v != values[0] for v in values[1:]):
            differ[key] = values
    return differ


def build(runs: list[Run]) -> Built | None:
    if not any(run.config for run in runs):
        return None
    parts = []
    data: dict[str, Any] = {"configs": {run.label: run.config for run in runs}}
    if len(runs) > 1:
        differ = differences(runs)
        data["differences"] = {key: dict(zip([r.label for r in runs], values, strict=True))
                               for key, values in differ.items()}
        if differ:
            rows = [[key, *[_shown(v) for v in values]] for key, values in differ.items()]
            parts.append(html.table(["key", *[run.label for run in runs]], rows))
        else:
            parts.append('<p>The configs are identical (apart from the name).</p>')
    for run in runs:
        flat = flatten(run.config)
        rows = [[key, json.dumps(value)] for key, value in flat.items()]
        parts.append(
            f"<details><summary>Whole config of {html.escape(run.label)} ({len(rows)} keys)</summary>"
            f"{html.table(['key', 'value'], rows, numeric_from=2)}</details>"
        )
    return Built("".join(parts), data)
