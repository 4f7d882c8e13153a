"""Run the relevance filter: embed, score, apply the subject-size floor and the marks, decide."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ganforge import __version__
from ganforge.curation.backbones import Backbone, build_backbone
from ganforge.curation.embed import Embedded, embed_source
from ganforge.curation.marks import Marks, read_marks
from ganforge.curation.scoring import NEIGHBOURS, score
from ganforge.curation.subject import SUBJECT_RULE
from ganforge.data import ImageSource, open_source
from ganforge.data.include import read_include
from ganforge.data.thumbnails import relative_names
from ganforge.errors import UserError
from ganforge.metrics.cache import FeatureCache

MIN_LIKE = 5  # fewer make the leave-one-out threshold a guess; a few dozen work best
DECISIONS = ("kept", "marked like", "low score", "small subject", "marked unlike")


@dataclass(frozen=True)
class FilterOptions:
    like: str
    unlike: str | None = None
    marks: tuple[str, ...] = ()
    from_keep: str | None = None  # a previous pass's keep list: only those images (and marked ones) are filtered
    recall: float = 0.9  # share of held-out --like examples the threshold keeps
    min_subject: float = 0.0  # drop images whose subject covers less of the frame
    features: str = "inception"
    weights: str | None = None
    device: str = "cpu"
    seed: int = 0
    cache: bool = True
    progress: bool = True


@dataclass
class FilterResult:
    options: FilterOptions
    source: ImageSource
    names: list[str]  # relative name of each source index
    candidates: int  # images filtered: the source's, or those --from-keep and the marks name
    rows: Embedded  # the readable source images
    scores: np.ndarray  # [rows] log-odds (held-out, marked images included)
    threshold: float
    like_scores: np.ndarray  # held-out scores of the --like examples (and marked-like images)
    decisions: list[str]  # per row, one of DECISIONS
    marks: Marks
    protocol: dict[str, Any]
    seconds: float
    created: str = field(default_factory=lambda: time.strftime("%Y-%m-%d %H:%M:%S"))

    @property
    def kept_rows(self) -> np.ndarray:
        return np.array([d in ("kept", "marked like") for d in self.decisions], dtype=bool)

    def kept_names(self) -> list[str]:
        return [self.names[i] for i in self.rows.indices[self.kept_rows]]

    def counts(self) -> dict[str, int]:
        return {d: self.decisions.count(d) for d in DECISIONS}

    def summary_text(self) -> str:
        counts = self.counts()
        unreadable = self.candidates - len(self.rows.indices)
        lines = [f"filter of {self.source.spec}: kept {len(self.kept_names()):,} of {self.candidates:,} images "
                 f"in {self.seconds:.1f} s (threshold {self.threshold:.3f}, which keeps at least "
                 f"{self.options.recall:.0%} of the --like examples)"]
        lines += [f"  {name:<14} {count:,}" for name, count in counts.items() if count]
        if unreadable:
            lines.append(f"  {'unreadable':<14} {unreadable:,} (left out)")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        o = self.options
        return {
            "ganforge_version": __version__,
            "source": self.source.spec, "like": o.like, "unlike": o.unlike, "marks": list(o.marks),
            "from_keep": o.from_keep, "recall": o.recall, "min_subject": o.min_subject, "seed": o.seed,
            "protocol": self.protocol, "threshold": self.threshold, "seconds": self.seconds,
            "images": self.candidates, "counts": self.counts(), "kept": len(self.kept_names()),
            "scores": [{"file": self.names[i], "score": float(s), "subject": float(sub), "decision": d}
                       for i, s, sub, d in zip(self.rows.indices, self.scores, self.rows.subject,
                                               self.decisions, strict=True)],
        }


def open_filtered_source(spec: str) -> ImageSource:
    if spec.startswith("builtin:"):
        raise UserError(f"{spec}: a built-in source has no files to list; filter a folder or a .zip")
    return open_source(spec)


def selected_names(names: list[str], from_keep: str | None, marks: Marks) -> set[str]:
    """The images to filter: all, or with --from-keep those its keep list names and the marked ones."""
    if from_keep is None:
        return set(names)
    path = Path(from_keep).expanduser()
    if not path.is_file():
        raise UserError(f"--from-keep {path}: {'no such file' if not path.exists() else 'not a regular file'}")
    listed = read_include(path) | marks.like | marks.unlike
    chosen = listed & set(names)
    if not chosen:
        raise UserError(f"--from-keep {path}: names none of the images of the source (e.g. {sorted(listed)[0]!r})")
    return chosen


def _examples(spec: str | None, flag: str, backbone: Backbone, cache: FeatureCache,
              progress: bool) -> Embedded | None:
    if spec is None:
        return None
    if spec.startswith("builtin:"):
        raise UserError(f"{flag} {spec}: a built-in set is thousands of images; give a folder or .zip of examples")
    return embed_source(open_source(spec), backbone, cache, progress, label=f"reading {flag}")


def _check_marks(marks: Marks, names: set[str], spec: str) -> None:
    unknown = sorted((marks.like | marks.unlike) - names)
    if unknown:
        raise UserError(f"--marks: {unknown[0]!r} is not an image of {spec}"
                        + (f" ({len(unknown) - 1} more)" if len(unknown) > 1 else ""))


def _decide(scores: np.ndarray, subject: np.ndarray, marked: list[str | None], threshold: float,
            min_subject: float) -> list[str]:
    decisions = []
    for value, share, mark in zip(scores, subject, marked, strict=True):
        if mark is not None:
            decisions.append(f"marked {mark}")
        elif value < threshold:
            decisions.append("low score")
        elif share < min_subject:
            decisions.append("small subject")
        else:
            decisions.append("kept")
    return decisions


def run_filter(spec: str, options: FilterOptions) -> FilterResult:
    """Score every image of `spec` (read-only) against the examples; decide what to keep."""
    started = time.perf_counter()
    marks = Marks()
    for path in options.marks:
        marks.update(read_marks(path))
    source = open_filtered_source(spec)
    names = relative_names(source)
    _check_marks(marks, set(names), spec)
    chosen = selected_names(names, options.from_keep, marks)
    backbone = build_backbone(options.features, weights=options.weights, device=options.device)
    cache = FeatureCache(enabled=options.cache)
    like = _examples(options.like, "--like", backbone, cache, options.progress)
    unlike = _examples(options.unlike, "--unlike", backbone, cache, options.progress)
    # the whole source is embedded (a cache hit after the first pass); --from-keep picks rows after
    rows = embed_source(source, backbone, cache, options.progress, label="scoring SRC")
    rows = rows.rows(np.array([names[i] in chosen for i in rows.indices], dtype=bool))
    if not len(rows.indices):
        raise UserError(f"--from-keep {options.from_keep}: none of the images it names is readable")
    marked = [("like" if names[i] in marks.like else "unlike" if names[i] in marks.unlike else None)
              for i in rows.indices]
    is_like = np.array([m == "like" for m in marked], dtype=bool)
    is_unlike = np.array([m == "unlike" for m in marked], dtype=bool)
    like_rows = np.concatenate([like.embedding, rows.embedding[is_like]])
    if len(like_rows) < MIN_LIKE:
        raise UserError(f"--like {options.like}: {len(like.embedding)} readable images and {int(is_like.sum())} "
                        f"marked; at least {MIN_LIKE} examples are needed (a few dozen work best)")
    unlike_parts = ([unlike.embedding] if unlike is not None else []) + [rows.embedding[is_unlike]]
    scored = score(rows.embedding, like_rows, np.concatenate(unlike_parts), recall=options.recall)
    decisions = _decide(scored.source, rows.subject, marked, scored.threshold, options.min_subject)
    protocol = {**backbone.protocol(), "scorer": f"{NEIGHBOURS}-nearest --like examples, cosine",
                "subject": SUBJECT_RULE}
    return FilterResult(options, source, names, len(chosen), rows, scored.source, scored.threshold, scored.like, decisions,
                        marks, protocol, time.perf_counter() - started)
