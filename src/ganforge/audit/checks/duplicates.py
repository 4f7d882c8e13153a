"""Exact duplicates: files with the same bytes (SHA-256)."""

from __future__ import annotations

from ganforge.audit.base import AuditContext, Check, Finding, counted
from ganforge.audit.similarity import exact_groups
from ganforge.report import html

SHOWN = 100


def compute(ctx: AuditContext) -> Finding:
    found = exact_groups({f.index: f.sha256 for f in ctx.scan.facts if f.sha256})
    # the shortest name of each group is kept: copies tend to add to it ("x copy.png", "x (1).png")
    groups = [sorted(group, key=lambda i: (len(ctx.name(i)), ctx.name(i))) for group in found]
    extra = [i for group in groups for i in group[1:]]
    recommendations = []
    if groups:
        recommendations.append(
            f"{counted(len(extra), 'file')} duplicating another byte for byte ({counted(len(groups), 'group')}, e.g. "
            f"{ctx.name(groups[0][0])} = {ctx.name(groups[0][1])}): copies weigh those images more "
            "and inflate memorisation; keep one of each (the keep list does).")
    data = {"groups": [[ctx.name(i) for i in group] for group in groups], "extra_copies": len(extra)}
    summary = f"{counted(len(groups), 'group')}, {counted(len(extra), 'extra copy', 'extra copies')}"
    return Finding(summary, data, recommendations, {"duplicates": extra}, problem=bool(groups))


def render(finding: Finding, ctx: AuditContext) -> str:
    groups = finding.data["groups"]
    if not groups:
        return "<p>No two files have the same content.</p>"
    rows = [[k + 1, len(g), " = ".join(g)] for k, g in enumerate(groups[:SHOWN])]
    more = f'<p class="note">{len(groups) - SHOWN} more groups in the JSON.</p>' if len(groups) > SHOWN else ""
    note = '<p class="note">The first name of each group is the one kept.</p>'
    return note + html.table(["group", "files", "names"], rows, numeric_from=1) + more


CHECK = Check("Exact duplicates", compute, render)
