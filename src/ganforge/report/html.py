"""Self-contained HTML: every image inlined as a data URI, styles inline, no fonts, no scripts but a page's own inline one.

A page opens the same with or without a network and can be mailed as one file.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Sequence
from pathlib import Path

STYLE = """
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1400px; padding: 1em 2em; color: #222; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 1.6em; }
h3 { font-size: 1.05em; margin: 1em 0 .4em; }
table { border-collapse: collapse; margin: .5em 0; font-size: .92em; }
th, td { border: 1px solid #ddd; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
section.half { display: inline-block; vertical-align: top; width: calc(50% - 1em); margin-right: 1em; }
.plots { display: flex; flex-wrap: wrap; gap: 1em; }
.plots img { max-width: 100%; }
.grids { display: flex; flex-wrap: wrap; gap: .8em; align-items: flex-end; }
figure { margin: 0; width: fit-content; } figcaption { font-size: .85em; color: #555; text-align: center; }
img.pixels { image-rendering: pixelated; }
.note { color: #666; font-size: .9em; }
.warn { color: #a40; }
ul.recommendations li { margin: .3em 0; }
code { background: #f4f4f4; padding: 0 .2em; }
"""

# The browser itself refuses any fetch: only inline images and the inline style may load.
CONTENT_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
MIME = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp"}


def escape(text: object) -> str:
    return html.escape(str(text), quote=True)


def data_uri(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def image(data: bytes, alt: str, width: int | None = None, pixels: bool = False, mime: str = "image/png") -> str:
    """An <img> holding `data` inline; `pixels` keeps small images sharp when scaled up."""
    size = f' width="{width}"' if width else ""
    cls = ' class="pixels"' if pixels else ""
    return f'<img src="{data_uri(data, mime)}" alt="{escape(alt)}"{size}{cls}>'


def image_file(path: Path, alt: str, width: int | None = None, pixels: bool = False) -> str:
    return image(path.read_bytes(), alt, width, pixels, MIME.get(path.suffix.lower(), "image/png"))


def figure(content: str, caption: str) -> str:
    return f"<figure>{content}<figcaption>{escape(caption)}</figcaption></figure>"


def plots(images: Iterable[str]) -> str:
    return f'<div class="plots">{"".join(images)}</div>'


def table(header: Sequence[str], rows: Iterable[Sequence[object]], numeric_from: int = 1) -> str:
    """A table of escaped cells; columns from `numeric_from` on are right-aligned."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="num">{escape(c)}</td>' if k >= numeric_from else f"<td>{escape(c)}</td>"
            for k, c in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def section(anchor: str, title: str, body: str, half: bool = False) -> str:
    kind = ' class="half"' if half else ""
    return f'<section id="{escape(anchor)}"{kind}><h2>{escape(title)}</h2>{body}</section>'


def page(title: str, subtitle: str, sections: Sequence[tuple], script: str | None = None) -> str:
    """A whole document; `sections` are (anchor, title, body html[, half width]) in order, linked from the top.

    `script` (JavaScript) runs inline at the end of the body; the policy then allows inline
    scripts and still nothing fetched.
    """
    policy = CONTENT_POLICY + ("; script-src 'unsafe-inline'" if script else "")
    tail = f"<script>{script}</script>" if script else ""
    contents = " · ".join(f'<a href="#{escape(s[0])}">{escape(s[1])}</a>' for s in sections)
    body = "".join(section(*s) for s in sections)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1><p class=\"note\">{escape(subtitle)}</p>"
        f"<nav>{contents}</nav>{body}{tail}</body></html>\n"
    )


def number(value: object, digits: int = 4) -> str:
    """Numbers to `digits` significant digits; anything else as text."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "—" if value is None else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:.{digits}g}"
