"""`learned`: a small word encoder trained with the GAN; it needs no weights.

Words (lower-cased, split on non-letters) are hashed (CRC-32) into a fixed table of buckets,
so no vocabulary file is needed and unseen words still get a vector; a bidirectional GRU
reads them (the recurrent text encoder of GAN-CLS, on words rather than characters), its
states are mean-pooled and projected, and the sentence vector is L2-normalised as the
pretrained encoders' are. It is trained by D's matching-aware loss.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganforge.text import register_text_encoder
from ganforge.text.base import TextEncoder

BUCKETS = 4096
WORD = re.compile(r"[a-z0-9]+")
MAX_WORDS = 64


def word_ids(text: str) -> list[int]:
    """Bucket ids of the words of `text` (index 0 is padding, so buckets start at 1)."""
    words = WORD.findall(text.lower())[:MAX_WORDS] or [""]
    return [1 + zlib.crc32(word.encode()) % (BUCKETS - 1) for word in words]


class LearnedEncoder(TextEncoder):
    name = "learned"
    weights_id = "none"
    trainable = True

    def __init__(self, dim: int = 256, width: int = 128):
        super().__init__()
        self.dim = dim
        self.embedding = nn.Embedding(BUCKETS, width, padding_idx=0)
        self.rnn = nn.GRU(width, width, batch_first=True, bidirectional=True)
        self.project = nn.Linear(2 * width, dim)

    def encode(self, texts: Sequence[str]) -> Tensor:
        ids = [word_ids(text) for text in texts]
        length = max(len(row) for row in ids)
        device = self.embedding.weight.device
        tokens = torch.zeros(len(ids), length, dtype=torch.int64)
        for i, row in enumerate(ids):
            tokens[i, : len(row)] = torch.tensor(row)
        tokens = tokens.to(device)
        mask = (tokens > 0).float()[..., None]
        states, _ = self.rnn(self.embedding(tokens))
        pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1)
        return F.normalize(self.project(pooled), dim=-1)


@register_text_encoder("learned")
def build_learned(text_config) -> LearnedEncoder:
    return LearnedEncoder()
