"""The audit's shared vocabulary: options, the context every check reads, a finding, a check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ganforge.audit.captions import Captions
from ganforge.audit.scan import Scan
from ganforge.audit.similarity import NearMatcher

DEFAULT_DROP = ("unreadable", "duplicates", "near-duplicates", "leaked")
# pHash bits apart to be a candidate. Measured on 48-px images: JPEG q90 copies within 10 bits,
# 0.8x resizes within 12, 2x resizes and JPEG q60 up to 14-18 (missed); larger images move less.
NEAR_HAMMING = 12
NEAR_CORRELATION = 0.99  # thumbnail correlation confirming a candidate: copies scored above 0.997
HASH_BITS = 64  # of the perceptual hash: no two hashes lie further apart


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`counted(1, "file")` -> "1 file"; `counted(3, "file")` -> "3 files"."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"


@dataclass(frozen=True)
class AuditOptions:
    drop: tuple[str, ...] = DEFAULT_DROP  # what --write-keep leaves out (names of `Finding.flagged`)
    near_hamming: int = NEAR_HAMMING
    near_correlation: float = NEAR_CORRELATION
    workers: int | None = None
    progress: bool = True

    def __post_init__(self) -> None:
        from ganforge.errors import UserError

        if not 0 <= self.near_hamming < HASH_BITS:  # 64 would call every pair a candidate
            raise UserError(f"--near-hamming {self.near_hamming}: expected bits apart from 0 to {HASH_BITS - 1} "
                            f"(default {NEAR_HAMMING})")
        if not 0 < self.near_correlation <= 1:
            raise UserError(f"--near-correlation {self.near_correlation}: expected a correlation above 0 and at most 1 "
                            f"(default {NEAR_CORRELATION})")


@dataclass
class AuditContext:
    scan: Scan
    options: AuditOptions
    against: Scan | None = None
    captions: Captions | None = None

    def near_matcher(self) -> NearMatcher:
        return NearMatcher(self.options.near_hamming, self.options.near_correlation)

    @property
    def readable(self) -> list[int]:
        return [f.index for f in self.scan.facts if f.readable]

    def name(self, index: int) -> str:
        return self.scan.names[index]


@dataclass
class Finding:
    """What one check found: a one-line summary, its data (JSON), advice, and flagged images.

    `flagged` maps a drop filter name (see `AuditOptions.drop`) to the image indices it removes.
    """

    summary: str
    data: dict[str, Any]
    recommendations: list[str] = field(default_factory=list)
    flagged: dict[str, list[int]] = field(default_factory=dict)
    problem: bool = False  # True when the check found something to act on


@dataclass(frozen=True)
class Check:
    title: str
    compute: Callable[[AuditContext], Finding | None]
    render: Callable[[Finding, AuditContext], str]
