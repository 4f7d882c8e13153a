"""Do the shapes features see colour and size? FID, recall and coverage of narrowed real sets
against real shapes, in the `shapes` features and in `shapes-attributes` (the same features
with colour, position and size appended).

    python benchmarks/shapes_features.py [--markdown]

The real shapes are cut into two seeded halves: half A is the reference; the "generated" sets
are half B, and half B narrowed to what a collapsed generator draws (small shapes only, warm
colours only, small red shapes only, the left third only). A feature space that sees colour and
size scores the narrowed sets far worse than half B.
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from ganforge.data.shapes import make_shapes
from ganforge.metrics.features import build_features
from ganforge.metrics.floor import real_halves
from ganforge.metrics.registry import compute_metric

NARROWED = {
    "half B (all of it)": lambda a: True,
    "small only": lambda a: a["size"] == "small",
    "red, orange, yellow only": lambda a: a["colour"] in ("red", "orange", "yellow"),
    "small red only": lambda a: a["size"] == "small" and a["colour"] == "red",
    "left only": lambda a: a["position"] == "left",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    data = make_shapes()
    pixels = torch.from_numpy(np.array(data.pixels)).permute(0, 3, 1, 2)
    half_a, half_b = real_halves(len(pixels), seed=0)
    rows = []
    for space in ("shapes", "shapes-attributes"):
        extractor = build_features(space)
        with torch.no_grad():
            features = torch.cat([extractor(pixels[i : i + 500])["features"] for i in range(0, len(pixels), 500)]).double().numpy()
        for name, keep in NARROWED.items():
            chosen = [i for i in half_b if keep(data.attributes[i])]
            fake = features[chosen]
            fid = compute_metric("fid", fake, features[half_a])["fid"]
            recall = compute_metric("pr", fake, features[half_a])["recall"]
            coverage = compute_metric("dc", fake, features[half_a])["coverage"]
            rows.append((space, name, len(chosen), fid, recall, coverage))
    header = ("features", "generated set", "images", "FID", "recall", "coverage")
    if args.markdown:
        print("| " + " | ".join(header) + " |\n|" + "---|" * len(header))
    for space, name, count, fid, recall, coverage in rows:
        cells = (space, name, str(count), f"{fid:.2f}", f"{recall:.3f}", f"{coverage:.3f}")
        print("| " + " | ".join(cells) + " |" if args.markdown else "  ".join(cells))


if __name__ == "__main__":
    main()
