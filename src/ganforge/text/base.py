"""What every text encoder offers: sentences in, one embedding per sentence out."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn


class TextEncoder(nn.Module):
    """encode(texts) -> [N, dim] float32 embeddings on the encoder's device.

    `weights_id` names the weights (a SHA-256 for pretrained ones) so cached embeddings of one
    encoder are never read for another. Frozen encoders (`trainable` False) run in eval mode
    without gradients; a trainable one is a network the objective trains.
    """

    name: str = ""
    dim: int = 0
    weights_id: str = ""
    trainable: bool = False

    def encode(self, texts: Sequence[str]) -> Tensor:
        raise NotImplementedError

    def cache_key(self) -> str:
        return f"{self.name}-{self.weights_id}"

    @torch.inference_mode()
    def encode_frozen(self, texts: Sequence[str], batch_size: int = 256) -> Tensor:
        """CPU float32 embeddings of `texts`, in batches (the same values whatever the batch size)."""
        self.eval()
        chunks = [self.encode(list(texts[i : i + batch_size])).float().cpu() for i in range(0, len(texts), batch_size)]
        return torch.cat(chunks) if chunks else torch.empty(0, self.dim)


class FrozenTextEncoder(TextEncoder):
    """A pretrained encoder that never trains: copies of a generator (its EMA) share it."""

    def __deepcopy__(self, memo) -> FrozenTextEncoder:
        return self
