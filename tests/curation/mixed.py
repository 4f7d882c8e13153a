"""A mixed folder for the filter: built-in shapes (wanted) with built-in digits mixed in (irrelevant)."""

from __future__ import annotations

from pathlib import Path

from ganforge.data import open_source


def mixed_folder(root: Path, shapes: int = 12, digits: int = 4, like: int = 8) -> dict:
    """root/src: `shapes` shapes and `digits` digits (32x32 RGB PNGs); root/like: `like` other shapes.

    Shape files are named `shape_INDEX_SIZE.png` (SIZE small or large), digits `digit_INDEX.png`.
    """
    src, examples = root / "src", root / "like"
    src.mkdir(parents=True)
    examples.mkdir()
    shape_source, digit_source = open_source("builtin:shapes"), open_source("builtin:digits")
    for i in range(shapes):
        size = shape_source.attributes[i]["size"]
        shape_source.image(i).save(src / f"shape_{i:03d}_{size}.png")
    for i in range(digits):
        digit_source.image(i).convert("RGB").save(src / f"digit_{i:03d}.png")
    for i in range(shapes, shapes + like):
        shape_source.image(i).save(examples / f"example_{i:03d}.png")
    wanted = sorted(p.name for p in src.glob("shape_*"))
    return {"root": root, "src": src, "like": examples, "wanted": wanted,
            "irrelevant": sorted(p.name for p in src.glob("digit_*"))}
