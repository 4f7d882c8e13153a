"""Image sizes and aspect ratios (histograms), and what they mean for the training resolution."""

from __future__ import annotations

import numpy as np

from ganforge.audit.base import AuditContext, Check, Finding
from ganforge.report import html, plots

RESOLUTIONS = (32, 64, 128, 256, 512, 1024)  # square sizes the presets and models train at
WIDE = 1.25  # width/height beyond this (or below 1/WIDE) loses a fifth or more to a centre crop


def compute(ctx: AuditContext) -> Finding | None:
    readable = [f for f in ctx.scan.facts if f.readable]
    if not readable:
        return None
    widths = np.array([f.width for f in readable])
    heights = np.array([f.height for f in readable])
    shorter = np.minimum(widths, heights)
    aspect = widths / heights
    p10 = float(np.percentile(shorter, 10))
    fitting = [r for r in RESOLUTIONS if r <= p10]
    cropped = float(np.mean((aspect > WIDE) | (aspect < 1 / WIDE)))
    sizes = {f"{w}x{h}" for w, h in zip(widths.tolist(), heights.tolist(), strict=True)}
    recommendations = []
    if fitting and len(sizes) > 1:
        upsampled = float(np.mean(shorter < fitting[-1]))
        recommendations.append(
            f"90% of the images have a shorter side of {p10:.0f} px or more: data.resolution={fitting[-1]} "
            "trains without upsampling them" + (f" ({upsampled:.0%} would be upsampled)." if upsampled else "."))
    elif not fitting:
        recommendations.append(
            f"a tenth of the images have a shorter side under {p10:.0f} px, below the smallest model size "
            f"{RESOLUTIONS[0]}: they are upsampled, and blurred; collect larger images where you can.")
    if cropped > 0.1:
        recommendations.append(
            f"{cropped:.0%} of the images are far from square (aspect beyond {WIDE}:1): a centre crop cuts "
            "their edges; crop them to the subject beforehand, or train with data.crop=random.")
    summary = (f"{len(sizes):,} distinct sizes; shorter side {int(shorter.min())}-{int(shorter.max())} px "
               f"(median {float(np.median(shorter)):.0f}); {cropped:.0%} far from square")
    data = {"shorter_side": {"min": int(shorter.min()), "p10": p10, "median": float(np.median(shorter)),
                             "max": int(shorter.max())},
            "distinct_sizes": len(sizes), "far_from_square": cropped,
            "widths": widths.tolist(), "heights": heights.tolist()}
    return Finding(summary, data, recommendations)


def render(finding: Finding, ctx: AuditContext) -> str:
    widths = np.array(finding.data["widths"])
    heights = np.array(finding.data["heights"])
    shorter = np.minimum(widths, heights)
    images = [
        html.image(plots.histogram("Shorter side", shorter, "pixels", log_x=shorter.max() > 4 * shorter.min()), "sizes"),
        html.image(plots.histogram("Aspect ratio (width / height)", np.log2(widths / heights), "log2(width / height)"),
                   "aspect ratios"),
    ]
    s = finding.data["shorter_side"]
    table = html.table(["shorter side", "min", "10th percentile", "median", "max"],
                       [["pixels", s["min"], f"{s['p10']:.0f}", f"{s['median']:.0f}", s["max"]]])
    return table + html.plots(images)


CHECK = Check("Sizes and aspect ratios", compute, render)
