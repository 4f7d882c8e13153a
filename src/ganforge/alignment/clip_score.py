"""CLIP score and R-precision of a text-to-image generator (needs CLIP weights).

- CLIP score: 100 · mean over images of max(cos(I(x), T(prompt)), 0), with I, T the CLIP image
  and text towers (the torchmetrics definition; Hessel et al. 2021 scale by 2.5 instead);
- R-precision: the share of images whose own prompt ranks first, by CLIP cosine, among itself
  and `distractors` other captions drawn (seeded) from the prompt list (Xu et al. 2018 use
  99 distractors);
- floor: both with the prompts shuffled (seeded) against the images.

Images are resized (bicubic, antialiased) to the CLIP input size and normalised with CLIP's
mean and std. The protocol records the backbone and the weights' SHA-256.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


def image_features(model, images: Tensor) -> Tensor:
    size = model.visual.image_size
    size = size[0] if isinstance(size, (tuple, list)) else size
    x = images.float() / 255
    if x.shape[1] == 1:
        x = x.expand(-1, 3, -1, -1)
    x = F.interpolate(x, size=(size, size), mode="bicubic", antialias=True, align_corners=False).clamp(0, 1)
    mean = torch.tensor(CLIP_MEAN)[None, :, None, None]
    std = torch.tensor(CLIP_STD)[None, :, None, None]
    return F.normalize(model.encode_image((x - mean) / std), dim=-1)


def scores(image_vectors: Tensor, text_vectors: Tensor, distractors: int, seed: int) -> dict[str, float]:
    """CLIP score and R-precision of row i of images against row i of texts."""
    n = len(image_vectors)
    cosine = (image_vectors * text_vectors).sum(dim=1)
    clip_score = float(100 * cosine.clamp(min=0).mean())
    draw = torch.Generator().manual_seed(seed)
    hits = 0
    for i in range(n):
        others = torch.randperm(n - 1, generator=draw)[: min(distractors, n - 1)]
        others = others + (others >= i).long()  # every index but i
        candidates = torch.cat([text_vectors[i : i + 1], text_vectors[others]])
        hits += int((candidates @ image_vectors[i]).argmax() == 0)
    return {"clip_score": clip_score, "r_precision": hits / n}


@torch.no_grad()
def clip_alignment(generator, prompts: list[str], clip_model, clip_tokenizer, weights_sha256: str,
                   backbone: str, distractors: int = 99, seed: int = 0) -> dict:
    from ganforge.sampling import generate_from_latents, latents
    from ganforge.text.prompts import encode_prompts

    generator.eval()
    z = latents(len(prompts), generator.z_dim, seed)
    fakes = torch.cat(list(generate_from_latents(generator, z, labels=encode_prompts(generator, prompts).cpu())))
    clip_model = clip_model.eval()
    images = image_features(clip_model, fakes)
    texts = F.normalize(clip_model.encode_text(clip_tokenizer(prompts)), dim=-1)
    order = torch.randperm(len(prompts), generator=torch.Generator().manual_seed(seed + 1))
    return {
        "accuracy": scores(images, texts, distractors, seed),
        "floor": scores(images, texts[order], distractors, seed),
        "n": len(prompts),
        "protocol": {
            "backbone": backbone,
            "weights_sha256": weights_sha256,
            "clip_score": "100 * mean(max(cos(image, text), 0))",
            "r_precision": f"top-1 among the prompt and {distractors} other prompts",
            "floor": "prompts shuffled against the images (seeded)",
        },
    }
