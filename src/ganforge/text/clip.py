"""`clip`: the text tower of a CLIP model (open_clip), frozen; the embedding is CLIP's
normalised text feature, so it can be compared with CLIP image features (CLIP score).

Weights: `text.weights` (an open_clip checkpoint file for `text.clip_model`, default
ViT-B-32), else open_clip's own download of the OpenAI weights (`pretrained="openai"`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import torch.nn.functional as F
from torch import Tensor

from ganforge.errors import UserError
from ganforge.text import register_text_encoder
from ganforge.text.base import FrozenTextEncoder
from ganforge.text.extras import require

DOWNLOADED = "openai"


class CLIPTextEncoder(FrozenTextEncoder):
    name = "clip"

    def __init__(self, model, tokenizer, weights_id: str):
        super().__init__()
        self.model = model.eval().requires_grad_(False)
        self.tokenizer = tokenizer
        self.dim = int(model.text_projection.shape[1])
        self.weights_id = weights_id

    def encode(self, texts: Sequence[str]) -> Tensor:
        device = next(self.model.parameters()).device
        tokens = self.tokenizer(list(texts)).to(device)
        return F.normalize(self.model.encode_text(tokens), dim=-1)


def _weights_id(path: Path) -> str:
    from ganforge.storage import sha256_of_file

    return sha256_of_file(path)


@register_text_encoder("clip")
def build_clip(text_config) -> CLIPTextEncoder:
    open_clip = require("open_clip", "text encoder clip")
    arch = text_config.clip_model
    if arch not in open_clip.list_models():
        raise UserError(f"text.clip_model {arch!r}: not an open_clip model (e.g. ViT-B-32)")
    if text_config.weights:
        path = Path(text_config.weights).expanduser()
        if not path.is_file():
            raise UserError(f"text.weights {path}: no such CLIP checkpoint file")
        try:
            model = open_clip.create_model(arch, pretrained=str(path))
        except Exception as err:  # a file torch refuses, or weights of another shape: both mean the same
            raise UserError(f"text.weights {path}: not an open_clip checkpoint of {arch} ({type(err).__name__})") from None
        weights_id = _weights_id(path)
    else:
        try:
            model = open_clip.create_model(arch, pretrained=DOWNLOADED)
        except Exception as err:  # network errors come in many types
            raise UserError(
                f"text encoder clip: cannot download the {arch} weights ({type(err).__name__}); "
                "pass a local open_clip checkpoint with text.weights=FILE"
            ) from None
        weights_id = hashlib.sha256(f"{arch}:{DOWNLOADED}".encode()).hexdigest()
    return CLIPTextEncoder(model, open_clip.get_tokenizer(arch), weights_id)
