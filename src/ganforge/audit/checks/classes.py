"""Class balance from first-level sub-folders (the classes `data.labels=true` trains with)."""

from __future__ import annotations

from collections import Counter

from ganforge.audit.base import AuditContext, Check, Finding
from ganforge.report import html, plots

RARE = 0.5  # a class under half the uniform share (1/k) is called under-represented


def _balanced_sampling_hint() -> str:
    from ganforge.config import DataConfig

    return "data.balance=true" if "balance" in DataConfig.model_fields else "class-balanced sampling"


def compute(ctx: AuditContext) -> Finding | None:
    classes = ctx.scan.classes
    readable = set(ctx.readable)
    counts = Counter(c for i, c in enumerate(classes) if c is not None and i in readable)
    if len(counts) < 2:
        return None
    total = sum(counts.values())
    uniform = 1 / len(counts)
    rare = sorted((c for c, n in counts.items() if n / total < RARE * uniform), key=lambda c: counts[c])
    top_level = sum(1 for i, c in enumerate(classes) if c is None and i in readable)
    recommendations = [
        f"class {c!r} holds {counts[c] / total:.1%} of the images ({counts[c]:,}; an even share is "
        f"{uniform:.1%}): add more of it or train with {_balanced_sampling_hint()}."
        for c in rare
    ]
    if top_level:
        recommendations.append(f"{top_level} images lie at the top level, outside any class folder: "
                               "with data.labels=true they are skipped; move them into their class.")
    ratio = max(counts.values()) / min(counts.values())
    summary = f"{len(counts)} classes, largest/smallest = {ratio:.1f}" + (f"; under-represented: {', '.join(rare)}" if rare else "")
    data = {"counts": dict(sorted(counts.items())), "under_represented": rare, "top_level_images": top_level,
            "largest_to_smallest": ratio}
    return Finding(summary, data, recommendations, problem=bool(rare))


def render(finding: Finding, ctx: AuditContext) -> str:
    counts = finding.data["counts"]
    total = sum(counts.values())
    rows = [[c + (" (under-represented)" if c in finding.data["under_represented"] else ""), n, f"{n / total:.1%}"]
            for c, n in counts.items()]
    chart = html.image(plots.bar_chart("Images per class", list(counts), list(counts.values())), "class balance")
    return html.table(["class", "images", "share"], rows) + html.plots([chart])


CHECK = Check("Class balance", compute, render)
