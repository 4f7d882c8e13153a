"""Settle `data.resolution=auto` and `data.channels=auto` by looking at the images."""

from __future__ import annotations

import statistics
import warnings

from ganforge.data.sources import nothing_readable, open_source, read_or_warn

PROBE_IMAGES = 256  # evenly spread over the source: enough for a median and a colour check
GRAYSCALE_MODES = {"1", "L", "LA", "I", "I;16", "F"}


def probe_images(path: str, labels: bool = False, include: str | None = None) -> tuple[int, bool]:
    """(median shorter side, every probed image grayscale) over up to PROBE_IMAGES images of
    the source (only those of the keep list `include`, when given)."""
    source = open_source(path, labels=labels, include=include)
    stride = max(1, len(source) // PROBE_IMAGES)
    sides, gray = [], True
    for index in range(0, len(source), stride):
        with warnings.catch_warnings():  # loading the data warns about each bad file once, later
            warnings.simplefilter("ignore")
            img = read_or_warn(source, index)
        if img is None:
            continue
        sides.append(min(img.size))
        gray = gray and (img.mode in GRAYSCALE_MODES or _equal_channels(img))
    if not sides:
        raise nothing_readable(source)
    return int(statistics.median(sides)), gray


def _equal_channels(img) -> bool:
    """An RGB image whose three channels are identical is grayscale stored as colour."""
    if img.mode not in ("RGB", "RGBA"):
        return False
    red, green, blue = img.convert("RGB").split()
    return red.tobytes() == green.tobytes() == blue.tobytes()


def auto_resolution(median_side: int, allowed: tuple[int, ...] | None, largest: int | None = None) -> int:
    """The smallest allowed resolution >= the images' median side (the largest if none is),
    at most `largest` (a preset's size: a 64-px preset trains 256-px photos at 64)."""
    largest = largest or 1024
    if allowed is None:
        return min(max(8, median_side), largest)
    allowed = tuple(r for r in allowed if r <= largest) or (min(allowed),)
    fitting = [r for r in sorted(allowed) if r >= median_side]
    return fitting[0] if fitting else max(allowed)
