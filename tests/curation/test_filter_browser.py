"""The filter page in a real browser: everything decodes, and clicking tiles writes the marks file."""

import json
import re

from chromium_page import assert_rendered, dump_dom, page_check
from ganforge.cli import main
from ganforge.curation.marks import parse_marks

CLICKER = """<script>
window.addEventListener("load", () => {
  const tiles = Array.from(document.querySelectorAll(".tile"));
  tiles[0].click();
  tiles[1].click(); tiles[1].click();
  tiles[2].click(); tiles[2].click(); tiles[2].click();
  const out = document.createElement("pre");
  out.id = "clicked";
  out.textContent = JSON.stringify({names: tiles.slice(0, 3).map(t => t.dataset.name),
                                    classes: tiles.slice(0, 3).map(t => t.className),
                                    text: document.getElementById("marks-text").value});
  document.body.appendChild(out);
});
</script>"""


def test_filter_page_renders_and_marks(mixed, pixel_backbone, tmp_path):
    page = tmp_path / "keep.html"
    assert main(["data", "filter", str(mixed["src"]), "--like", str(mixed["like"]), "--out", str(tmp_path / "keep.txt"),
                 "--features", pixel_backbone, "--no-progress"]) == 0
    check = page_check(page, tmp_path)
    assert_rendered(check, min_images=3 + 16)  # three histograms, a tile per image at least
    assert {"overview", "histograms", "marks", "borderline", "kept", "low-score"} <= set(check["sections"])

    clicked = tmp_path / "clicked.html"
    clicked.write_text(page.read_text().replace("</body>", CLICKER + "</body>"))
    dom = dump_dom(clicked)
    match = re.search(r'<pre id="clicked">(.*?)</pre>', dom, re.S)
    assert match, "the clicking script did not run"
    state = json.loads(match.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
    first, second, third = state["names"]
    assert state["classes"] == ["tile like", "tile unlike", "tile"]
    marks = parse_marks(state["text"], "page")
    assert marks.like == {first} and marks.unlike == {second} and third not in marks.like | marks.unlike
