"""What a report section is: a title and a builder from runs to HTML plus the data behind it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ganforge.report.run import Run


@dataclass
class Built:
    """A section's body (HTML) and the data it shows (JSON-able), for `--json`."""

    html: str
    data: Any
    half: bool = False  # narrow enough (one plot) to sit beside the next half-width section
    script: str | None = None  # inline JavaScript the section's body needs (once a page)


@dataclass(frozen=True)
class Section:
    """`build(runs)` returns None when the section has nothing to show for these runs."""

    title: str
    build: Callable[[list[Run]], Built | None]
