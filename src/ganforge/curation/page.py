"""The filter as one HTML page: what was kept and dropped, the borderline, the histograms, and marking."""

from __future__ import annotations

import io

import numpy as np
import torchvision.transforms.functional as TF

from ganforge import __version__
from ganforge.curation.filter import DECISIONS, FilterResult
from ganforge.data.thumbnails import thumbnail
from ganforge.report import html, plots
from ganforge.report.marking import SCRIPT, panel, tile

SHOWN = 48  # tiles per section: a seeded sample of kept and dropped images
BORDERLINE = 24  # images nearest the threshold on each side


def _png(result: FilterResult, index: int) -> bytes:
    buffer = io.BytesIO()
    TF.to_pil_image(thumbnail(result.source, int(index))).save(buffer, format="PNG")
    return buffer.getvalue()


def _tiles(result: FilterResult, rows: np.ndarray) -> str:
    if not len(rows):
        return "<p>None.</p>"
    tiles = [tile(result.names[result.rows.indices[r]], _png(result, result.rows.indices[r]),
                  f"{result.scores[r]:.3f} · subject {result.rows.subject[r]:.2f}") for r in rows]
    return f'<div class="tiles">{"".join(tiles)}</div>'


def _sample(rows: np.ndarray, seed: int) -> np.ndarray:
    if len(rows) <= SHOWN:
        return rows
    return np.sort(np.random.default_rng(seed).choice(rows, SHOWN, replace=False))


def _borderline(result: FilterResult) -> np.ndarray:
    unmarked = np.flatnonzero([not d.startswith("marked") for d in result.decisions])
    above = unmarked[result.scores[unmarked] >= result.threshold]
    below = unmarked[result.scores[unmarked] < result.threshold]
    above = above[np.argsort(result.scores[above], kind="stable")[:BORDERLINE]]
    below = below[np.argsort(-result.scores[below], kind="stable")[:BORDERLINE]]
    return np.concatenate([below[::-1], above])


def _histograms(result: FilterResult) -> str:
    o = result.options
    scores = plots.histogram("Score of each image", result.scores, "score (similarity to the --like examples)",
                             lines=[("keep threshold", result.threshold)])
    examples = plots.histogram("Held-out score of each --like example", result.like_scores, "score",
                               lines=[("keep threshold", result.threshold)])
    subject = plots.histogram("Subject share of the frame", result.rows.subject, "share",
                              lines=[("--min-subject", o.min_subject)] if o.min_subject > 0 else [])
    return html.plots([html.image(scores, "score histogram"), html.image(examples, "example scores"),
                       html.image(subject, "subject histogram")])


def filter_page(result: FilterResult, marks_header: str) -> str:
    o = result.options
    counts = result.counts()
    decided = np.array(result.decisions)
    overview = html.table(["setting", "value"], [
        ["source", result.source.spec], ["--like", o.like], ["--unlike", o.unlike or "—"],
        ["--marks", ", ".join(o.marks) or "—"], ["--from-keep", o.from_keep or "—"],
        ["readable images", f"{len(result.rows.indices):,} of {result.candidates:,}"],
        *[[name, f"{count:,}"] for name, count in counts.items()],
        ["keep threshold", f"{result.threshold:.4f} (keeps at least {o.recall:.0%} of the --like examples, "
                           "each scored against the others)"],
        ["--min-subject", f"{o.min_subject:g} ({result.protocol['subject']})"],
        ["features", f"{result.protocol['features']} (weights SHA-256 {result.protocol['weights_sha256'][:12]}...)"],
        ["scorer", result.protocol["scorer"]],
    ], numeric_from=9)
    sections = [("overview", "Overview", overview), ("histograms", "Scores", _histograms(result)),
                ("marks", "Marks", panel(marks_header, {**{n: "like" for n in result.marks.like},
                                                          **{n: "unlike" for n in result.marks.unlike}})),
                ("borderline", "Borderline (nearest the threshold, lowest first)", _tiles(result, _borderline(result)))]
    for name in DECISIONS:
        rows = np.flatnonzero(decided == name)
        title = f"{name.capitalize()} ({len(rows):,}{', a sample' if len(rows) > SHOWN else ''})"
        sections.append((name.replace(" ", "-"), title, _tiles(result, _sample(rows, o.seed))))
    subtitle = (f"{result.candidates:,} images scored in {result.seconds:.1f} s on {result.created} by ganforge "
                f"{__version__}; nothing in the source was changed")
    return html.page(f"ganforge data filter: {result.source.spec}", subtitle, sections, script=SCRIPT)
