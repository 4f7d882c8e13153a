"""Marks made on a run's report (its training images) are read by the next `data filter --marks`."""

import json
import re

from test_filter_browser import CLICKER

from chromium_page import assert_rendered, dump_dom, page_check
from ganforge.cli import main
from ganforge.curation.marks import parse_marks

TINY = ["model.g.width=16", "model.d.width=16", "model.z_dim=8", "train.batch_size=4", "train.steps=2",
        "train.sample_every=2", "train.sample_grid=4", "ckpt.every=1000"]


def test_report_marks_feed_the_next_filter_pass(mixed, pixel_backbone, tmp_path):
    keep = tmp_path / "keep.txt"
    assert main(["data", "filter", str(mixed["src"]), "--like", str(mixed["like"]), "--out", str(keep),
                 "--features", pixel_backbone, "--no-progress"]) == 0
    run = tmp_path / "run"
    assert main(["train", "gan-mlp-digits", *TINY, f"data.path={mixed['src']}", f"data.include={keep}",
                 "--run-dir", str(run), "--no-progress"]) == 0
    page = tmp_path / "report.html"
    assert main(["report", str(run), "--out", str(page)]) == 0
    kept = [line for line in keep.read_text().splitlines() if line and not line.startswith("#")]
    check = page_check(page, tmp_path)
    assert_rendered(check, min_images=len(kept))
    assert "training-images" in check["sections"]

    clicked = tmp_path / "clicked.html"
    clicked.write_text(page.read_text().replace("</body>", CLICKER + "</body>"))
    match = re.search(r'<pre id="clicked">(.*?)</pre>', dump_dom(clicked), re.S)
    assert match, "the clicking script did not run"
    state = json.loads(match.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
    first, second, third = state["names"]
    assert {first, second, third} <= set(kept) and state["classes"] == ["tile like", "tile unlike", "tile"]
    marks_file = tmp_path / "marks.txt"
    marks_file.write_text(state["text"])
    assert parse_marks(state["text"], "page").unlike == {second}

    again = tmp_path / "again.txt"
    assert main(["data", "filter", str(mixed["src"]), "--like", str(mixed["like"]), "--from-keep", str(keep),
                 "--marks", str(marks_file), "--out", str(again), "--features", pixel_backbone,
                 "--no-progress", "--json", str(tmp_path / "again.json")]) == 0
    decisions = {row["file"]: row["decision"] for row in json.loads((tmp_path / "again.json").read_text())["scores"]}
    assert decisions[first] == "marked like" and decisions[second] == "marked unlike"
    assert second not in again.read_text().splitlines() and first in again.read_text().splitlines()
