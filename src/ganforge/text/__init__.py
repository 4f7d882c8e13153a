"""Text encoders behind one registry: `build_text_encoder(config.text)` -> a `TextEncoder`.

`minilm` (all-MiniLM-L6-v2, pretrained, frozen), `clip` (a CLIP text tower, frozen) and
`learned` (a small word encoder trained with the GAN, no weights needed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ganforge.choices.text import TEXT_ENCODER_CHOICES
from ganforge.text.base import TextEncoder

TEXT_ENCODERS: dict[str, Callable[[Any], TextEncoder]] = {}


def register_text_encoder(name: str):
    def add(builder: Callable[[Any], TextEncoder]) -> Callable[[Any], TextEncoder]:
        if name in TEXT_ENCODERS:
            raise ValueError(f"text encoder {name!r} is already registered")
        if name not in TEXT_ENCODER_CHOICES:
            raise ValueError(f"text encoder {name!r}: not among ganforge.choices.text.TEXT_ENCODER_CHOICES")
        TEXT_ENCODERS[name] = builder
        return builder

    return add


def build_text_encoder(text_config: Any) -> TextEncoder:
    """The encoder named by `text_config.encoder` (weights from `text_config.weights`)."""
    return TEXT_ENCODERS[text_config.encoder](text_config)


from ganforge.text import clip, learned, minilm  # noqa: E402,F401  (registration)

__all__ = ["TEXT_ENCODERS", "TextEncoder", "build_text_encoder", "register_text_encoder"]
