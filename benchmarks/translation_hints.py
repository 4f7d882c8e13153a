"""Do colour hints steer a trained colorize run? One hint patch of a chosen colour on each
held-out shape; the output's shape colour (nearest palette colour) is compared to the hint.

    python benchmarks/translation_hints.py runs/colorize-shapes [--grid docs/images/colorize-hints.png]

Prints, per hint colour, the share of held-out images whose shape came out in that colour,
beside the same share without hints (the network's own choice).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from ganforge.data.shapes import BACKGROUND, COLOURS
from ganforge.data.translation import load_translation_data
from ganforge.runs import load_translator
from ganforge.training.logging import save_grid
from ganforge.translation.shapes_check import FOREGROUND_DIFFERENCE, colour_names

HINT_COLOURS = ("red", "blue", "green", "yellow")
PATCH = 3


def shape_centres(targets: torch.Tensor) -> list[tuple[int, int]]:
    """The foreground pixel nearest to each shape's centroid (a point surely inside the shape)."""
    background = torch.tensor(BACKGROUND).view(1, 3, 1, 1)
    masks = (targets.int() - background).abs().amax(1) > FOREGROUND_DIFFERENCE  # [N,H,W]
    centres = []
    for mask in masks:
        ys, xs = torch.nonzero(mask, as_tuple=True)
        cy, cx = ys.float().mean(), xs.float().mean()
        k = int(((ys - cy) ** 2 + (xs - cx) ** 2).argmin())
        centres.append((int(ys[k]), int(xs[k])))
    return centres


def hint_tensors(shape: tuple[int, ...], centres, colour) -> tuple[torch.Tensor, torch.Tensor]:
    n, _, height, width = shape
    hints, mask = torch.zeros(n, 3, height, width), torch.zeros(n, 1, height, width)
    value = torch.tensor(colour, dtype=torch.float32).view(3, 1, 1) / 127.5 - 1
    for i, (y, x) in enumerate(centres):
        top, left = min(max(y - PATCH // 2, 0), height - PATCH), min(max(x - PATCH // 2, 0), width - PATCH)
        hints[i, :, top : top + PATCH, left : left + PATCH] = value
        mask[i, :, top : top + PATCH, left : left + PATCH] = 1
    return hints, mask


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run")
    parser.add_argument("--grid", type=Path)
    args = parser.parse_args()
    translator = load_translator(args.run)
    data = load_translation_data(translator.config)
    gray, targets = data.a.test, data.b.test
    centres = shape_centres(targets)
    truth = colour_names(targets)
    plain = translator(gray)
    print(f"{len(gray)} held-out images; one {PATCH}x{PATCH} hint on each shape")
    print(f"no hint: shape in its true colour {sum(a == b for a, b in zip(colour_names(plain), truth, strict=True)) / len(gray):.3f}")
    columns = [gray.expand(-1, 3, -1, -1), plain]
    for name in HINT_COLOURS:
        hints, mask = hint_tensors(tuple(gray.shape), centres, COLOURS[name])
        out = translator(gray, hints, mask)
        share = sum(c == name for c in colour_names(out)) / len(out)
        before = sum(c == name for c in colour_names(plain)) / len(out)
        print(f"hint {name:7s}: shape comes out {name} {share:.3f} (without the hint {before:.3f})")
        columns.append(out)
    if args.grid:
        rows = torch.stack([c[:8] for c in columns], 1).flatten(0, 1)
        save_grid(rows, args.grid, nrow=len(columns))
        print(f"grid: {args.grid} (columns: gray input, no hint, hints {', '.join(HINT_COLOURS)})")


if __name__ == "__main__":
    main()
