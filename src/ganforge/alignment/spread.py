"""Spread per caption of a text-to-image generator on `builtin:shapes`: does one prompt give
many pictures?

A caption fixes shape, colour, size class and position class, but the real images with that
caption still vary: the centre moves (x by ±4 %, y by ±10 % of the width) and the area by
±20 %. For each of `prompts` held-out captions, `per_prompt` images are generated with
different latents and read by their foreground (`data.shapes_foreground.measures`); per caption and
measure, the standard deviation over the generated images is divided by that over every real
image with the same caption. Reported per measure as the mean ratio over the captions:

- `position`: the mean of the ratios of the centre's x and y;
- `size`: the ratio of the foreground area.

1 is the real spread (the ceiling); a generator that draws one picture per prompt scores 0
(the floor). Ratios above 1 mean more spread than the data has.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ganforge.data.shapes import make_shapes
from ganforge.data.shapes_foreground import measures
from ganforge.errors import UserError

SIZES = {"builtin:shapes": 32, "builtin:shapes64": 64}
MEASURES = ("position", "size")
MIN_REAL = 4  # real images a caption needs for its spread to be measured


def held_out_captions(data_path: str, first: int, prompts: int) -> tuple[list[str], dict[str, np.ndarray]]:
    """The first `prompts` distinct captions after image `first` that at least MIN_REAL real
    images share, and the real measures of every image with each caption."""
    if data_path not in SIZES:
        raise UserError(f"data.path {data_path}: spread per caption needs builtin:shapes or builtin:shapes64")
    data = make_shapes(size=SIZES[data_path])
    by_caption: dict[str, list[int]] = {}
    for index, text in enumerate(data.captions):
        by_caption.setdefault(text, []).append(index)
    chosen: list[str] = []
    for text in data.captions[first:]:
        if text not in chosen and len(by_caption[text]) >= MIN_REAL:
            chosen.append(text)
        if len(chosen) == prompts:
            break
    if not chosen:
        raise UserError(f"data.max_images {first}: no held-out captions left to measure spread on")
    pixels = torch.from_numpy(np.array(data.pixels)).permute(0, 3, 1, 2)
    return chosen, {text: measures(pixels[by_caption[text]]) for text in chosen}


def ratios(generated: np.ndarray, real: np.ndarray) -> dict[str, float]:
    """{measure: std(generated) / std(real)} of one caption's [N,3] measures."""
    ratio = generated.std(axis=0) / np.maximum(real.std(axis=0), 1e-8)
    return {"position": float(ratio[:2].mean()), "size": float(ratio[2])}


@torch.no_grad()
def caption_spread(generator: nn.Module, data_path: str, first: int, prompts: int = 12, per_prompt: int = 32,
                   seed: int = 0) -> dict:
    """{"spread": {measure: mean ratio}, "per_caption": {caption: {measure: ratio}}, "prompts",
    "per_prompt", "protocol"} of a text-to-image `generator`."""
    from ganforge.sampling import generate_from_latents, latents
    from ganforge.text.prompts import encode_prompts

    if per_prompt < 2:
        raise UserError(f"--per-prompt {per_prompt}: a spread needs at least 2 images per prompt")
    captions, real = held_out_captions(data_path, first, prompts)
    was_training = generator.training
    generator.eval()
    try:
        z = latents(len(captions) * per_prompt, generator.z_dim, seed)
        e = encode_prompts(generator, [text for text in captions for _ in range(per_prompt)]).cpu()
        fakes = torch.cat(list(generate_from_latents(generator, z, labels=e)))
    finally:
        generator.train(was_training)
    generated = measures(fakes).reshape(len(captions), per_prompt, 3)
    per_caption = {text: ratios(generated[k], real[text]) for k, text in enumerate(captions)}
    spread = {key: float(np.mean([row[key] for row in per_caption.values()])) for key in MEASURES}
    return {
        "spread": spread,
        # what ranks checkpoints: the weaker measure, no credit for more spread than the data's
        "spread_min": min(min(value, 1.0) for value in spread.values()),
        "per_caption": per_caption,
        "prompts": len(captions),
        "per_prompt": per_prompt,
        "protocol": {
            "prompts": f"the first distinct captions of {data_path}[{first}:] shared by >= {MIN_REAL} images",
            "images": f"{per_prompt} per prompt, latents seeded by --seed",
            "ratio": "std over the generated images / std over every real image with the caption",
            "ceiling": 1.0,
            "floor": 0.0,
        },
    }


def format_spread(result: dict) -> str:
    lines = [f"{'spread':<10} {'ratio':>9} {'floor':>7} {'ceiling':>8}"]
    for key in MEASURES:
        lines.append(f"{key:<10} {result['spread'][key]:>9.3f} {0.0:>7.3f} {1.0:>8.3f}")
    lines.append(f"(std of {result['per_prompt']} images per prompt / std of the real images with that caption, "
                 f"mean over {result['prompts']} held-out captions)")
    return "\n".join(lines)
