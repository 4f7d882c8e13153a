"""Build the worked example of docs/REPORTS.md: a "scraped" folder and a folder of wanted examples.

scraped/ holds 40 `builtin:shapes` images (large and small shapes) with 10 `builtin:digits`
mixed in, as a scrape would bring irrelevant pictures; good/ holds 20 large shapes that are
not in scraped/. The wanted images are the large shapes: the digits are
irrelevant and the small shapes have too small a subject.

    python benchmarks/filter_example.py OUT    (writes OUT/scraped and OUT/good)
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ganforge.data import open_source


def build(root: Path) -> None:
    shapes, digits = open_source("builtin:shapes"), open_source("builtin:digits")
    scraped, good = root / "scraped", root / "good"
    scraped.mkdir(parents=True)
    good.mkdir()
    for i in range(40):
        a = shapes.attributes[i]
        shapes.image(i).save(scraped / f"img{i:03d}_{a['size']}_{a['shape']}.png")
    for i in range(10):
        digits.image(i).convert("RGB").save(scraped / f"img{40 + i:03d}_digit.png")
    large = [i for i in range(100, 400) if shapes.attributes[i]["size"] == "large"][:20]
    for i in large:
        shapes.image(i).save(good / f"good{i:03d}.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    build(parser.parse_args().out)


if __name__ == "__main__":
    main()
