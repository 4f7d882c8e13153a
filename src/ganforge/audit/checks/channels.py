"""Grayscale images in a colour set (or the reverse), and images with an alpha channel."""

from __future__ import annotations

from ganforge.audit.base import AuditContext, Check, Finding, counted
from ganforge.audit.sheets import contact_sheet
from ganforge.report import html

SHOWN = 16


def compute(ctx: AuditContext) -> Finding | None:
    readable = [f for f in ctx.scan.facts if f.readable]
    if not readable:
        return None
    gray = [f.index for f in readable if f.grayscale]
    colour = [f.index for f in readable if not f.grayscale]
    alpha = [f.index for f in readable if f.alpha]
    odd, flagged, recommendations = [], {}, []
    if colour and gray and len(colour) >= len(gray):
        odd = gray
        flagged["grayscale"] = gray
        recommendations.append(
            f"{counted(len(gray), 'grayscale image')} in a colour set (e.g. {ctx.name(gray[0])}): with data.channels=3 "
            "they teach the generator to make some images gray; leave them out (--drop grayscale) "
            "unless gray images belong to what you want to generate.")
    elif colour and gray:
        odd = colour
        recommendations.append(
            f"{counted(len(colour), 'colour image')} in a mostly grayscale set (e.g. {ctx.name(colour[0])}): "
            "train with data.channels=1, or check where they came from.")
    if alpha:
        recommendations.append(
            f"{counted(len(alpha), 'image')} with transparency (e.g. {ctx.name(alpha[0])}): training puts them on "
            "black; flatten them onto the background you want first.")
    summary = f"{len(colour):,} colour, {len(gray):,} grayscale, {len(alpha):,} with alpha"
    data = {"colour": len(colour), "grayscale": len(gray), "alpha": [ctx.name(i) for i in alpha],
            "odd_ones": [ctx.name(i) for i in odd]}
    return Finding(summary, data, recommendations, flagged, problem=bool(odd))


def render(finding: Finding, ctx: AuditContext) -> str:
    odd = finding.data["odd_ones"]
    text = html.table(["colour", "grayscale", "with alpha"],
                      [[finding.data["colour"], finding.data["grayscale"], len(finding.data["alpha"])]], numeric_from=0)
    if not odd:
        return text
    index_of = {name: i for i, name in enumerate(ctx.scan.names)}
    shown = [index_of[name] for name in odd[:SHOWN]]
    sheet = html.image(contact_sheet(ctx.scan.source, shown), "images of the minority channel kind")
    return (text + f"<h3>The odd ones ({len(odd)})</h3>" + html.figure(sheet, ", ".join(odd[:SHOWN]))
            + (f'<p class="note">{len(odd) - SHOWN} more in the JSON.</p>' if len(odd) > SHOWN else ""))


CHECK = Check("Channels", compute, render)
