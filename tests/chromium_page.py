"""Open a page in headless Chromium (the distribution's package) and report what rendered.

`page_check` loads a copy of the page with a small checker script placed before everything
else (so before the page's Content-Security-Policy applies); on `load` it records every
image's source kind and decoded size, script errors, policy violations and fetched
resources into the DOM, which `--dump-dom` returns.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
TIMEOUT = 120
CHECKER = """<script>
window.__errors = [];
window.addEventListener("error", e => window.__errors.push(String(e.message || e.type)));
document.addEventListener("securitypolicyviolation", e => window.__errors.push("csp: " + e.blockedURI));
window.addEventListener("load", () => {
  const images = Array.from(document.images).map(img => ({
    alt: img.alt, inline: img.src.startsWith("data:image/"), complete: img.complete,
    width: img.naturalWidth, height: img.naturalHeight}));
  const fetched = performance.getEntriesByType("resource").map(r => r.name);
  const out = document.createElement("pre");
  out.id = "page-check";
  out.textContent = JSON.stringify({images, fetched, errors: window.__errors,
                                    sections: Array.from(document.querySelectorAll("section")).map(s => s.id)});
  document.body.appendChild(out);
});
</script>"""


def chromium() -> str:
    """The browser's command, or a skip naming how to get it."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("headless Chromium is not installed (apt-get install chromium; .ci/run installs it)")


def _run(args: list[str]) -> str:
    with tempfile.TemporaryDirectory() as profile:
        command = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   f"--user-data-dir={profile}", *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
    if done.returncode != 0:
        raise AssertionError(f"chromium failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout


def dump_dom(page: Path) -> str:
    """The page's DOM after load and its scripts ran (virtual time: timers finish at once)."""
    return _run(["--virtual-time-budget=10000", "--dump-dom", page.resolve().as_uri()])


def page_check(page: Path, work: Path) -> dict:
    """{"images": [...], "fetched": [...], "errors": [...], "sections": [...]} as the browser saw the page."""
    text = page.read_text(encoding="utf-8")
    checked = work / f"checked-{page.name}"
    checked.write_text(text.replace("<head>", "<head>" + CHECKER, 1), encoding="utf-8")
    dom = _run(["--virtual-time-budget=10000", "--dump-dom", checked.resolve().as_uri()])
    match = re.search(r'<pre id="page-check">(.*?)</pre>', dom, re.S)
    assert match, "the checker did not run: the page did not finish loading"
    return json.loads(match.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))


def screenshot(page: Path, out: Path, width: int = 1280, height: int = 2400) -> Path:
    _run([f"--window-size={width},{height}", "--hide-scrollbars", f"--screenshot={out}", page.resolve().as_uri()])
    assert out.is_file(), "no screenshot written"
    return out


def assert_rendered(check: dict, min_images: int) -> None:
    """Every image inline and decoded, nothing fetched, no script error or policy violation."""
    images = check["images"]
    assert len(images) >= min_images, f"{len(images)} images rendered, expected at least {min_images}"
    broken = [img["alt"] for img in images if not (img["inline"] and img["complete"] and img["width"] > 0)]
    assert not broken, f"images not embedded or not decoded: {broken[:5]}"
    assert check["fetched"] == [], f"the page fetched resources: {check['fetched'][:5]}"
    assert check["errors"] == [], f"errors in the page: {check['errors'][:5]}"
