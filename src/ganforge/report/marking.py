"""Marking images on a page (the filter page, a run's training images): click a tile to cycle
like / unlike / unmarked; save the marks file.

The saved file is what `ganforge data filter --marks FILE` reads (curation/marks.py). Nothing
leaves the page: the file is made in the browser and downloaded. One marks panel a page.
"""

from __future__ import annotations

import json

from ganforge.report import html

STYLE = """
.tiles { display: flex; flex-wrap: wrap; gap: 4px; }
.tile { margin: 0; cursor: pointer; border: 3px solid transparent; }
.tile figcaption { font-size: .75em; }
.tile.like { border-color: #2a2; } .tile.unlike { border-color: #c22; }
#marks-text { width: 100%; height: 8em; font-family: monospace; }
"""

SCRIPT = """
const box = document.getElementById("marks-text");
const header = box.dataset.header;
const marks = new Map(Object.entries(JSON.parse(box.dataset.initial)));
function render() {
  const lines = [header];
  for (const verdict of ["like", "unlike"])
    for (const [name, v] of [...marks].sort()) if (v === verdict) lines.push(verdict + " " + name);
  document.getElementById("marks-text").value = lines.join("\\n") + "\\n";
  document.getElementById("marks-count").textContent = marks.size;
}
for (const tile of document.querySelectorAll(".tile")) {
  tile.addEventListener("click", () => {
    const name = tile.dataset.name, next = {undefined: "like", like: "unlike", unlike: undefined}[marks.get(name)];
    if (next) marks.set(name, next); else marks.delete(name);
    for (const same of document.querySelectorAll(".tile"))
      if (same.dataset.name === name) same.className = "tile" + (next ? " " + next : "");
  });
  tile.addEventListener("click", render);
  if (marks.has(tile.dataset.name)) tile.className = "tile " + marks.get(tile.dataset.name);
}
document.getElementById("marks-save").addEventListener("click", () => {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([document.getElementById("marks-text").value], {type: "text/plain"}));
  link.download = "marks.txt";
  link.click();
});
render();
"""


def marks_header(source: str) -> str:
    """The first line of a marks file: what it marks and how to use it (a comment to the reader)."""
    return f"# ganforge filter marks for {source}: pass to data filter --marks THIS_FILE"


def tile(name: str, png: bytes, caption: str) -> str:
    """A clickable thumbnail carrying the image's relative name."""
    return (f'<figure class="tile" data-name="{html.escape(name)}" title="{html.escape(name)}">'
            f'{html.image(png, name)}<figcaption>{html.escape(caption)}</figcaption></figure>')


def panel(header: str, initial: dict[str, str]) -> str:
    """The marks box: what the saved file will hold (starting from `initial`, name -> verdict), and its button."""
    return (f"<style>{STYLE}</style>"
            "<p>Click an image to mark it <b style=\"color:#2a2\">like</b>, again for "
            "<b style=\"color:#c22\">unlike</b>, a third time to clear. Save the marks and pass the file to the "
            "next pass: <code>ganforge data filter SRC --like GOOD --marks marks.txt ...</code>. Marked images "
            "join the examples and are kept (like) or dropped (unlike) whatever their score.</p>"
            f'<p><button id="marks-save">Save marks (<span id="marks-count">0</span>)</button></p>'
            f'<textarea id="marks-text" readonly data-header="{html.escape(header)}" '
            f'data-initial="{html.escape(json.dumps(initial, sort_keys=True))}"></textarea>')
