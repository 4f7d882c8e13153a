"""The report in a real browser: it loads without errors, every image is inline and decodes."""

import numpy as np
from PIL import Image

from chromium_page import assert_rendered, page_check, screenshot
from ganforge.report import write_report


def test_two_run_report_renders_in_chromium(two_runs, tmp_path):
    page = write_report(list(two_runs), tmp_path / "report.html")
    check = page_check(page, tmp_path)
    # losses 2 + D 2 + metrics 2 + lr 2 + speed 1 + grads 2 plots, 2 final grids, 8 grids over training
    assert_rendered(check, min_images=21)
    assert {"runs", "config", "losses", "metrics", "samples", "final-samples"} <= set(check["sections"])
    plots = [img for img in check["images"] if img["alt"].startswith("Losses")]
    assert len(plots) == 2 and all(img["width"] > 300 for img in plots)
    shot = np.asarray(Image.open(screenshot(page, tmp_path / "report.png")).convert("L"), dtype=np.float64)
    assert shot.std() > 20  # not a blank page: text, plot lines and dark sample grids
    assert (shot < 100).mean() > 0.01
