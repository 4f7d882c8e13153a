"""Present an evaluation result: a readable table for people, JSON for programs."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ganforge.atomic import atomic_write

CI_SUFFIX = "_ci"
PER_CLASS_SUFFIX = "_per_class"
STDOUT = "-"


def _number(value: float) -> str:
    return f"{value:.7g}"  # 7 significant digits, as the reference tools print


def format_table(result: dict[str, Any]) -> str:
    """Rows `metric  value  [low, high]` for every value of `result` (per-class values as
    `metric/class`), then one protocol line."""
    has_ci = any(key.endswith(CI_SUFFIX) for key in result)
    header = ["metric", "value"] + (["95% CI"] if has_ci else [])
    rows = [header]
    for key, value in result.items():
        if key == "protocol" or key.endswith(CI_SUFFIX):
            continue
        if isinstance(value, (int, float)):
            interval = result.get(key + CI_SUFFIX)
            shown = f"[{_number(interval[0])}, {_number(interval[1])}]" if interval else ""
            rows.append([key, _number(value)] + ([shown] if has_ci else []))
        elif key.endswith(PER_CLASS_SUFFIX) and isinstance(value, dict):
            base = key[: -len(PER_CLASS_SUFFIX)]
            rows += [[f"{base}/{name}", _number(number)] + ([""] if has_ci else []) for name, number in value.items()]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    if "protocol" in result:
        lines.append(protocol_line(result["protocol"]))
    return "\n".join(lines)


def protocol_line(protocol: dict[str, Any]) -> str:
    """One line: sample counts, resize mode, extractor and weights hash, device."""
    features = protocol.get("features") or {}
    weights = protocol.get("weights_sha256")
    parts = [
        f"N fake {protocol.get('n_fake')}",
        f"N real {protocol.get('n_real')}",
        f"resize {protocol.get('resize') or 'by the extractor'}",
        f"features {features.get('features') or features.get('name')}",
        f"weights {weights[:12] if weights else None}",
        f"device {protocol.get('device')}",
    ]
    return "(" + ", ".join(parts) + ")"


def to_json(result: dict[str, Any]) -> str:
    return json.dumps(result, indent=2) + "\n"


def check_output_path(path: str | Path, flag: str = "--json", inputs=()) -> None:
    """Fail before any work when the output cannot be written there ("-" is stdout)."""
    from ganforge.outputs import check_output_file

    if str(path) != STDOUT:
        check_output_file(path, flag, make_parents=False, inputs=inputs)


def write_json(result: dict[str, Any], path: str | Path) -> None:
    """Write `result` as JSON to `path` atomically, or to stdout when `path` is "-"."""
    if str(path) == STDOUT:
        sys.stdout.write(to_json(result))
        return
    check_output_path(path)
    path = Path(path)
    text = to_json(result).encode()
    atomic_write(path, lambda file: file.write(text))
