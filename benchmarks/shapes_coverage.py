"""How much of the shapes data a run's samples cover: the share of each colour, size and
position that the attribute reader of `ganforge align` finds in n samples, beside the same
reader on n real shapes. Class accuracy and the shapes-feature FID do not show this: the
shapes evaluator's features are trained to tell the five shapes apart, not their colours.

    python benchmarks/shapes_coverage.py RUN [RUN ...] [--n 1000] [--seed 0] [--markdown]

A run is a run directory or checkpoint of a model trained on builtin:shapes (any task whose
generator takes z, with class labels drawn as `ganforge eval` draws them).
"""

from __future__ import annotations

import argparse
from collections import Counter

import torch

from ganforge.alignment.shapes_reader import read_attributes
from ganforge.data.shapes import ATTRIBUTES, make_shapes
from ganforge.errors import UserError
from ganforge.runs import load_generator
from ganforge.sampling import class_labels, generate_from_latents, latents

COLUMNS = ("colour", "size", "position")


def shares(images: torch.Tensor) -> dict[str, dict[str, float]]:
    """{attribute: {value: share}} of uint8 RGB images, "none" where the reader finds no shape."""
    read = read_attributes(images)
    result = {}
    for key in COLUMNS:
        counts = Counter(entry[key] for entry in read)
        result[key] = {value: counts[value] / len(read) for value in (*ATTRIBUTES[key], "none")}
    return result


def sampled(run: str, n: int, seed: int) -> torch.Tensor:
    generator = load_generator(run).eval()
    labels = class_labels(generator, n, seed)
    z = latents(n, generator.z_dim, seed)
    with torch.no_grad():
        return torch.cat(list(generate_from_latents(generator, z, labels=labels)))


def real(n: int) -> torch.Tensor:
    data = make_shapes()
    return torch.from_numpy(data.pixels[-n:].copy()).permute(0, 3, 1, 2)


def _row(name: str, table: dict[str, dict[str, float]], markdown: bool) -> str:
    cells = [f"{table[key][value]:.3f}" for key in COLUMNS for value in (*ATTRIBUTES[key], "none")]
    return f"| {name} | " + " | ".join(cells) + " |" if markdown else name + "  " + "  ".join(cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    values = [f"{key[:3]}:{value}" for key in COLUMNS for value in (*ATTRIBUTES[key], "none")]
    print(("| images | " + " | ".join(values) + " |") if args.markdown else "images  " + "  ".join(values))
    if args.markdown:
        print("|---" * (len(values) + 1) + "|")
    print(_row(f"real (last {args.n} of builtin:shapes)", shares(real(args.n)), args.markdown))
    for run in args.runs:
        try:
            images = sampled(run, args.n, args.seed)
        except UserError as error:  # a wrong run path: one line, the rows so far stay printed
            raise SystemExit(f"shapes_coverage: {error}") from None
        print(_row(run, shares(images), args.markdown))


if __name__ == "__main__":
    main()
