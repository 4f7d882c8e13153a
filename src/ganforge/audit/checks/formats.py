"""Counts by file format, and files whose suffix names another format than their content."""

from __future__ import annotations

from collections import Counter
from pathlib import PurePosixPath

from ganforge.audit.base import AuditContext, Check, Finding, counted
from ganforge.report import html

MIXED = 0.05  # JPEG and other formats both above this share: artefacts differ between sources
# The suffixes each PIL format is normally stored under.
SUFFIXES = {"PNG": {".png"}, "JPEG": {".jpg", ".jpeg"}, "GIF": {".gif"}, "BMP": {".bmp"}, "WEBP": {".webp"},
            "TIFF": {".tif", ".tiff"}, "PPM": {".ppm", ".pgm"}}


def compute(ctx: AuditContext) -> Finding:
    readable = [f for f in ctx.scan.facts if f.readable]
    formats = Counter(f.format for f in readable)
    mismatched = [ctx.name(f.index) for f in readable if f.format in SUFFIXES
                  and PurePosixPath(ctx.name(f.index)).suffix.lower() not in SUFFIXES[f.format]
                  and not ctx.name(f.index).startswith("builtin:")]
    total_bytes = sum(f.n_bytes for f in ctx.scan.facts)
    summary = ", ".join(f"{n:,} {fmt}" for fmt, n in formats.most_common()) or "no readable image"
    recommendations = []
    share = formats["JPEG"] / len(readable) if readable else 0.0
    if MIXED <= share <= 1 - MIXED:
        recommendations.append(
            f"{share:.0%} of the images are JPEG and the rest are not: compression artefacts then tell the "
            "sources apart, which a discriminator can learn; re-encode all images in one format if they "
            "come from different places.")
    if mismatched:
        recommendations.append(f"{counted(len(mismatched), 'file')} with a suffix that does not match the content "
                               f"(e.g. {mismatched[0]}): rename them so other tools read them right.")
    data = {"formats": dict(formats), "suffix_mismatch": mismatched, "total_bytes": total_bytes}
    return Finding(summary, data, recommendations, problem=bool(mismatched))


def render(finding: Finding, ctx: AuditContext) -> str:
    rows = [[fmt, n] for fmt, n in finding.data["formats"].items()]
    mismatch = finding.data["suffix_mismatch"]
    extra = f"<p>Suffix differs from content: {html.escape(', '.join(mismatch[:20]))}</p>" if mismatch else ""
    size = f'<p class="note">{finding.data["total_bytes"] / 2**20:,.1f} MiB in all.</p>'
    return html.table(["format", "images"], rows) + size + extra


CHECK = Check("Formats", compute, render)
