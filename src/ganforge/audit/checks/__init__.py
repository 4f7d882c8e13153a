"""The audit's checks, in page order. A new check is one module here and one line below."""

from __future__ import annotations

from ganforge.audit.base import Check
from ganforge.audit.checks import (
    captions,
    channels,
    classes,
    duplicates,
    formats,
    leakage,
    near_duplicates,
    outliers,
    sizes,
    unreadable,
)

CHECKS: dict[str, Check] = {
    "unreadable": unreadable.CHECK,
    "leakage": leakage.CHECK,
    "duplicates": duplicates.CHECK,
    "near-duplicates": near_duplicates.CHECK,
    "classes": classes.CHECK,
    "channels": channels.CHECK,
    "captions": captions.CHECK,
    "outliers": outliers.CHECK,
    "sizes": sizes.CHECK,
    "formats": formats.CHECK,
}

__all__ = ["CHECKS"]
