"""Near-duplicates: different files showing the same picture (resized, re-encoded, recoloured).

Found by `similarity.NearMatcher` (pHash candidates confirmed by thumbnails); exact
duplicates are left to `duplicates.py` (one file stands for each content hash here).
"""

from __future__ import annotations

import numpy as np

from ganforge.audit.base import AuditContext, Check, Finding, counted
from ganforge.audit.sheets import contact_sheet
from ganforge.audit.similarity import union_groups
from ganforge.report import html

SHEETS = 40  # groups drawn as contact sheets; the rest are listed in the JSON
SHEET_MEMBERS = 8


def _representatives(ctx: AuditContext) -> list[int]:
    seen, kept = set(), []
    for f in ctx.scan.facts:
        if f.readable and f.sha256 not in seen:
            seen.add(f.sha256)
            kept.append(f.index)
    return kept


def compute(ctx: AuditContext) -> Finding:
    facts = ctx.scan.facts
    reps = _representatives(ctx)
    thumbs = np.stack([facts[i].thumb for i in reps]) if reps else np.zeros((0, 1), np.uint8)
    pairs = list(ctx.near_matcher().pairs([facts[i].phash for i in reps], thumbs))
    groups = [[reps[k] for k in group] for group in union_groups(len(reps), [(i, j) for i, j, _ in pairs])]
    # keep the largest image of each group (most pixels), then the shortest name
    ordered = [sorted(g, key=lambda i: (-facts[i].width * facts[i].height, len(ctx.name(i)), i)) for g in groups]
    extra = [i for group in ordered for i in group[1:]]
    recommendations = []
    if groups:
        recommendations.append(
            f"{counted(len(groups), 'group')} of near-duplicates ({counted(len(extra), 'image')} beyond the first of each; e.g. "
            f"{' ~ '.join(ctx.name(i) for i in ordered[0][:2])}): resized or re-encoded copies make the set "
            "look larger than it is; keep the largest of each group (the keep list does).")
    data = {"hamming": ctx.options.near_hamming, "correlation": ctx.options.near_correlation,
            "groups": [[ctx.name(i) for i in group] for group in ordered],
            "pairs": [[ctx.name(reps[i]), ctx.name(reps[j]), d] for i, j, d in pairs[:10000]]}
    summary = f"{counted(len(groups), 'group')}, {counted(len(extra), 'image')} beyond the first of each"
    return Finding(summary, data, recommendations, {"near-duplicates": extra}, problem=bool(groups))


def render(finding: Finding, ctx: AuditContext) -> str:
    groups = finding.data["groups"]
    if not groups:
        return "<p>No two images show the same picture.</p>"
    index_of = {name: i for i, name in enumerate(ctx.scan.names)}
    figures = []
    for k, group in enumerate(groups[:SHEETS]):
        members = group[:SHEET_MEMBERS]
        sheet = contact_sheet(ctx.scan.source, [index_of[n] for n in members])
        caption = f"group {k + 1}: " + ", ".join(members) + (f" and {len(group) - len(members)} more" if len(group) > len(members) else "")
        figures.append(html.figure(html.image(sheet, f"near-duplicate group {k + 1}"), caption))
    more = f'<p class="note">{len(groups) - SHEETS} more groups in the JSON.</p>' if len(groups) > SHEETS else ""
    how = (f"pHash within {finding.data['hamming']} bits and 8x8 thumbnails correlating at "
           f"{finding.data['correlation']} or more; the first image of each group is the one kept.")
    return f'<p class="note">{how}</p><div class="grids">{"".join(figures)}</div>{more}'


CHECK = Check("Near-duplicates", compute, render)
