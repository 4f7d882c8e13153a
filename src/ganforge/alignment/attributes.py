"""Attribute accuracy of a text-to-image generator on `builtin:shapes` captions.

Prompts are the captions of held-out images (those after the run's `data.max_images`, which
training never saw). For each prompt one image is generated and read by `read_attributes`;
per attribute, the share that matches the prompt is reported with:

- ceiling: the reader on the real held-out images (how well it reads at all);
- floor: the same generated images scored against the prompts shuffled (seeded) — what
  matches by chance, given how often each attribute value occurs.

`all` is the share of images with all four attributes right.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from ganforge.alignment.shapes_reader import read_attributes
from ganforge.data.shapes import ATTRIBUTES, make_shapes
from ganforge.errors import UserError

COLUMNS = (*ATTRIBUTES, "all")


def accuracy(read: list[dict[str, str]], wanted: list[dict[str, str]]) -> dict[str, float]:
    scores = {key: float(np.mean([r[key] == w[key] for r, w in zip(read, wanted, strict=True)])) for key in ATTRIBUTES}
    scores["all"] = float(np.mean([all(r[k] == w[k] for k in ATTRIBUTES) for r, w in zip(read, wanted, strict=True)]))
    return scores


def held_out(data_path: str, first: int, n: int) -> tuple[Tensor, list[str], list[dict[str, str]]]:
    """(real uint8 images, captions, attributes) of images first..first+n of a shapes source."""
    sizes = {"builtin:shapes": 32, "builtin:shapes64": 64}
    if data_path not in sizes:
        raise UserError(f"data.path {data_path}: attribute accuracy needs builtin:shapes or builtin:shapes64")
    data = make_shapes(size=sizes[data_path])
    stop = min(len(data.captions), first + n)
    if stop <= first:
        raise UserError(
            f"data.max_images {first}: no held-out images left of {len(data.captions)}; train with fewer"
        )
    pixels = torch.from_numpy(np.array(data.pixels[first:stop])).permute(0, 3, 1, 2)
    return pixels, data.captions[first:stop], data.attributes[first:stop]


@torch.no_grad()
def attribute_alignment(generator: nn.Module, data_path: str, first: int, n: int = 500, seed: int = 0) -> dict:
    """{"accuracy", "floor", "ceiling": {attribute: share}, "n", "protocol"} for `generator`."""
    from ganforge.sampling import generate_from_latents, latents
    from ganforge.text.prompts import encode_prompts

    real, captions, wanted = held_out(data_path, first, n)
    was_training = generator.training
    generator.eval()
    try:
        z = latents(len(captions), generator.z_dim, seed)
        e = encode_prompts(generator, captions).cpu()
        fakes = torch.cat(list(generate_from_latents(generator, z, labels=e)))
    finally:
        generator.train(was_training)
    read = read_attributes(fakes)
    order = torch.randperm(len(wanted), generator=torch.Generator().manual_seed(seed)).tolist()
    return {
        "accuracy": accuracy(read, wanted),
        "floor": accuracy(read, [wanted[k] for k in order]),
        "ceiling": accuracy(read_attributes(real), wanted),
        "n": len(captions),
        "protocol": {
            "prompts": f"captions of {data_path}[{first}:{first + len(captions)}] (not trained on)",
            "images": "one per prompt, latents seeded by --seed, EMA generator",
            "reader": "shape: shipped shapes evaluator; colour/size/position: pixel rules (alignment/shapes_reader.py)",
            "floor": "same images against the prompts shuffled (seeded)",
            "ceiling": "reader on the real held-out images",
        },
    }


def format_table(result: dict) -> str:
    lines = [f"{'attribute':<10} {'accuracy':>9} {'floor':>7} {'ceiling':>8}"]
    for key in COLUMNS:
        lines.append(
            f"{key:<10} {result['accuracy'][key]:>9.3f} {result['floor'][key]:>7.3f} {result['ceiling'][key]:>8.3f}"
        )
    lines.append(f"(n={result['n']} held-out captions)")
    return "\n".join(lines)
