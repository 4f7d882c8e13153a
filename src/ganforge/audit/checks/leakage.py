"""Train/test leakage: images of the audited set that also appear (exactly or nearly) in --against."""

from __future__ import annotations

import numpy as np

from ganforge.audit.base import AuditContext, Check, Finding, counted
from ganforge.audit.sheets import contact_sheet
from ganforge.report import html

SHOWN = 24


def compute(ctx: AuditContext) -> Finding | None:
    other = ctx.against
    if other is None:
        return None
    mine = [f for f in ctx.scan.facts if f.readable]
    theirs = [f for f in other.facts if f.readable]
    their_hashes = {f.sha256: f.index for f in theirs}
    matches: dict[int, tuple[int, str, int]] = {}  # my index -> (their index, kind, distance)
    for f in mine:
        if f.sha256 in their_hashes:
            matches[f.index] = (their_hashes[f.sha256], "exact", 0)
    thumbs = [np.stack([f.thumb for f in facts]) if facts else np.zeros((0, 1), np.uint8) for facts in (mine, theirs)]
    near = ctx.near_matcher().pairs([f.phash for f in mine], thumbs[0], [f.phash for f in theirs], thumbs[1])
    for i, j, distance in near:
        matches.setdefault(mine[i].index, (theirs[j].index, "near", distance))
    leaked = sorted(matches)
    pairs = [{"file": ctx.name(i), "against": other.names[matches[i][0]], "kind": matches[i][1],
              "distance": matches[i][2]} for i in leaked]
    recommendations = []
    if leaked:
        recommendations.append(
            f"{counted(len(leaked), 'image')} of this set found in {other.source.spec} too (e.g. {pairs[0]['file']} ~ "
            f"{pairs[0]['against']}): metrics against that set then reward memorisation; remove them "
            "from one of the two sets (the keep list leaves them out of this one).")
    summary = f"{counted(len(leaked), 'image')} shared with {other.source.spec} ({sum(p['kind'] == 'exact' for p in pairs)} exact)"
    return Finding(summary, {"against": other.source.spec, "pairs": pairs}, recommendations, {"leaked": leaked},
                   problem=bool(leaked))


def render(finding: Finding, ctx: AuditContext) -> str:
    pairs = finding.data["pairs"]
    if not pairs:
        return f"<p>No image is shared with {html.escape(finding.data['against'])}.</p>"
    rows = [[p["file"], p["against"], p["kind"], p["distance"]] for p in pairs[:200]]
    index_of = {name: i for i, name in enumerate(ctx.scan.names)}
    sheet = contact_sheet(ctx.scan.source, [index_of[p["file"]] for p in pairs[:SHOWN]])
    return (html.table(["this set", "other set", "match", "pHash bits apart"], rows, numeric_from=3)
            + html.figure(html.image(sheet, "leaked images"), "the shared images, as found in this set"))


CHECK = Check("Leakage (--against)", compute, render)
