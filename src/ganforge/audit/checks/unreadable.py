"""Files that cannot be decoded, each named with the reason; and files that are not images at all."""

from __future__ import annotations

from ganforge.audit.base import AuditContext, Check, Finding, counted
from ganforge.audit.captions import is_caption_file
from ganforge.report import html

SHOWN = 200


def compute(ctx: AuditContext) -> Finding:
    broken = [(ctx.name(f.index), f.error) for f in ctx.scan.facts if not f.readable]
    others = [m for m in ctx.scan.skipped_files if not is_caption_file(m.split(":")[0].removeprefix("skipping ").strip())]
    recommendations = []
    if broken:
        recommendations.append(
            f"{counted(len(broken), 'file')} cannot be decoded (e.g. {broken[0][0]}): training skips them with a "
            "warning each; re-export them from their originals or leave them out (the keep list does).")
    summary = f"{len(broken):,} unreadable of {len(ctx.scan.facts):,}" + (f"; {counted(len(others), 'note')} on non-image files" if others else "")
    data = {"unreadable": [{"file": n, "reason": r} for n, r in broken], "non_image_files": others}
    flagged = {"unreadable": [f.index for f in ctx.scan.facts if not f.readable]}
    return Finding(summary, data, recommendations, flagged, problem=bool(broken))


def render(finding: Finding, ctx: AuditContext) -> str:
    broken = finding.data["unreadable"]
    parts = []
    if broken:
        parts.append(html.table(["file", "reason"], [[b["file"], b["reason"]] for b in broken[:SHOWN]], numeric_from=2))
        if len(broken) > SHOWN:
            parts.append(f'<p class="note">{len(broken) - SHOWN} more in the JSON.</p>')
    else:
        parts.append("<p>Every image file decodes.</p>")
    for message in finding.data["non_image_files"][:SHOWN]:
        parts.append(f'<p class="note">{html.escape(message)}</p>')
    return "".join(parts)


CHECK = Check("Unreadable files", compute, render)
