"""Text on a generator: the encoder a text-to-image G carries, and prompts -> embeddings.

A frozen pretrained encoder rides on G outside its parameters (never in its checkpoint: it is
rebuilt from `config.text`); a trainable one is a sub-module of G and is saved with it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import torch
from torch import Tensor, nn

from ganforge.text import TextEncoder, build_text_encoder


@functools.lru_cache(maxsize=4)
def _frozen_encoder(encoder: str, weights: str | None, clip_model: str) -> TextEncoder:
    from types import SimpleNamespace

    # Built on the CPU whatever the ambient device: the cached encoder is shared, and one first
    # built under the size check's meta device would have no weights. Its layers' throwaway
    # random initialisation runs on a forked RNG: whether the encoder was already cached in this
    # process must not change the networks a seed gives.
    with torch.device("cpu"), torch.random.fork_rng(devices=[]):
        return build_text_encoder(SimpleNamespace(encoder=encoder, weights=weights, clip_model=clip_model))


def text_encoder_for(text_config) -> TextEncoder:
    """A frozen encoder is built once per process and shared; a trainable one is new each time."""
    if text_config.encoder == "learned":
        return build_text_encoder(text_config)
    return _frozen_encoder(text_config.encoder, text_config.weights, text_config.clip_model)


def attach_text_encoder(generator: nn.Module, encoder: TextEncoder) -> None:
    if encoder.trainable:
        generator.text_encoder = encoder  # a sub-module: trained and saved with G
    else:
        generator.__dict__["text_encoder"] = encoder  # outside G's parameters and state dict


def is_text_generator(generator: nn.Module) -> bool:
    return getattr(generator, "text_encoder", None) is not None


def encode_prompts(generator: nn.Module, prompts: Sequence[str]) -> Tensor:
    """[len(prompts), dim] embeddings for `generator`, on its device."""
    from ganforge.text.cache import encode_one_by_one

    encoder: TextEncoder | None = getattr(generator, "text_encoder", None)
    if encoder is None:
        raise ValueError("this generator takes no text prompts")
    device = next(generator.parameters()).device
    if encoder.trainable:
        with torch.no_grad():
            return encoder.encode(list(prompts)).to(device)
    return torch.stack(encode_one_by_one(encoder, list(prompts))).to(device)
