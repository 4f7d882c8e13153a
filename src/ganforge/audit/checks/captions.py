"""Captions: images without one, caption lengths, the vocabulary, entries naming no image."""

from __future__ import annotations

import re
from collections import Counter

from ganforge.audit.base import AuditContext, Check, Finding, counted
from ganforge.report import html, plots

WORD = re.compile(r"[\w']+")
TOP_WORDS = 30


def compute(ctx: AuditContext) -> Finding | None:
    captions = ctx.captions
    if captions is None:
        return None
    readable = ctx.readable
    missing = [i for i in readable if not any(t.strip() for t in captions.by_name.get(ctx.name(i), []))]
    texts = [t for i in readable for t in captions.by_name.get(ctx.name(i), []) if t.strip()]
    lengths = [len(WORD.findall(t)) for t in texts]
    words = Counter(w.lower() for t in texts for w in WORD.findall(t))
    once = sum(1 for n in words.values() if n == 1)
    recommendations = []
    if missing:
        recommendations.append(
            f"{counted(len(missing), 'image')} without a caption ({len(missing) / max(1, len(readable)):.0%}; e.g. "
            f"{ctx.name(missing[0])}): write them, or leave them out of text-conditional training "
            "(--drop uncaptioned).")
    if captions.orphans:
        recommendations.append(f"{counted(len(captions.orphans), 'caption entry', 'caption entries')} naming no image of the set "
                               f"(e.g. {captions.orphans[0]}): fix the names in {captions.where}.")
    if captions.bad_lines:
        recommendations.append(f"{counted(len(captions.bad_lines), 'line')} of {captions.where} not a JSON object "
                               f"with a file name (first: line {captions.bad_lines[0]}).")
    if words and once / len(words) > 0.5 and len(texts) > 100:
        recommendations.append(f"{once / len(words):.0%} of the {len(words):,} words occur once: a text encoder "
                               "sees them too rarely to learn them; normalise spelling and synonyms.")
    mean = sum(lengths) / len(lengths) if lengths else 0
    summary = (f"{counted(len(texts), 'caption')} for {counted(len(readable) - len(missing), 'image')}, {len(missing):,} without; "
               f"{mean:.1f} words on average, vocabulary {len(words):,}")
    data = {"where": captions.where, "captions": len(texts), "images_without": [ctx.name(i) for i in missing],
            "orphans": captions.orphans, "bad_lines": captions.bad_lines, "lengths": lengths,
            "vocabulary": len(words), "words_once": once, "top_words": words.most_common(TOP_WORDS)}
    return Finding(summary, data, recommendations, {"uncaptioned": missing},
                   problem=bool(missing or captions.orphans or captions.bad_lines))


def render(finding: Finding, ctx: AuditContext) -> str:
    data = finding.data
    parts = [f'<p class="note">From {html.escape(data["where"])}.</p>']
    if data["lengths"]:
        parts.append(html.plots([html.image(plots.histogram("Caption length", data["lengths"], "words",
                                                            bins=range(0, max(data["lengths"]) + 2)), "caption lengths")]))
    words = ", ".join(f"{word} ({count:,})" for word, count in data["top_words"])
    parts.append(f"<p>Most frequent words: {html.escape(words)}.</p>")
    if data["images_without"]:
        shown = data["images_without"][:50]
        parts.append(f"<h3>Without a caption ({len(data['images_without'])})</h3><p>{html.escape(', '.join(shown))}</p>")
    return "".join(parts)


CHECK = Check("Captions", compute, render)
