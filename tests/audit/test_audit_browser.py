"""The audit page in a real browser: loads without errors, histograms and contact sheets decode."""

import numpy as np
from PIL import Image

from chromium_page import assert_rendered, page_check, screenshot
from ganforge.audit import AuditOptions, run_audit, write_outputs


def test_audit_page_renders_in_chromium(seeded, tmp_path):
    result = run_audit(str(seeded["train"]), against=str(seeded["test"]), options=AuditOptions(progress=False))
    page = tmp_path / "audit.html"
    write_outputs(result, out=page)
    check = page_check(page, tmp_path)
    # sizes 2 histograms, class bar chart, caption histogram; sheets: grayscale, near-dups, outliers, leakage
    assert_rendered(check, min_images=8)
    assert {"recommendations", "unreadable", "duplicates", "near-duplicates", "classes", "channels",
            "captions", "outliers", "leakage", "sizes", "formats"} <= set(check["sections"])
    sheets = [img for img in check["images"] if img["alt"].startswith("near-duplicate group")]
    assert len(sheets) == 1 and sheets[0]["width"] == 2 * 96 + 3 * 4  # two thumbnails and padding
    shot = np.asarray(Image.open(screenshot(page, tmp_path / "audit.png")).convert("L"), dtype=np.float64)
    assert shot.std() > 20
