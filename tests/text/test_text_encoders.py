"""The registry's other encoders: a tiny random CLIP of the real architecture, the learned one,
and the one-line errors for missing extras."""

import json
import sys
from types import SimpleNamespace

import pytest
import torch
from text_helpers import TINY_CLIP

from ganforge.errors import UserError
from ganforge.text import TEXT_ENCODERS, build_text_encoder
from ganforge.text.learned import word_ids


def test_registry_names():
    assert {"minilm", "clip", "learned"} <= set(TEXT_ENCODERS)


def test_tiny_random_clip_text_tower(tmp_path):
    open_clip = pytest.importorskip("open_clip")
    (tmp_path / "tiny-clip-test.json").write_text(json.dumps(TINY_CLIP))
    open_clip.add_model_config(tmp_path / "tiny-clip-test.json")
    torch.manual_seed(0)
    model = open_clip.create_model("tiny-clip-test")
    torch.save(model.state_dict(), tmp_path / "tiny.pt")
    config = SimpleNamespace(encoder="clip", weights=str(tmp_path / "tiny.pt"), clip_model="tiny-clip-test")
    encoder = build_text_encoder(config)
    vectors = encoder.encode_frozen(["a red circle", "a blue star", "a red circle"])
    assert vectors.shape == (3, 16) and encoder.dim == 16
    assert torch.allclose(vectors.norm(dim=1), torch.ones(3), atol=1e-5)
    assert torch.equal(vectors[0], vectors[2]) and not torch.allclose(vectors[0], vectors[1])
    # Its own text features, as CLIP computes them from the weights file.
    tokens = open_clip.get_tokenizer("tiny-clip-test")(["a blue star"])
    reference = torch.nn.functional.normalize(model.eval().encode_text(tokens), dim=-1)
    assert torch.allclose(vectors[1], reference[0], atol=1e-6)
    assert len(encoder.weights_id) == 64


def test_clip_bad_weights_path_is_one_line_error(tmp_path):
    pytest.importorskip("open_clip")
    config = SimpleNamespace(encoder="clip", weights=str(tmp_path / "none.pt"), clip_model="ViT-B-32")
    with pytest.raises(UserError, match="text.weights .*no such CLIP checkpoint"):
        build_text_encoder(config)


def test_missing_extra_names_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "open_clip", None)  # as if not installed
    config = SimpleNamespace(encoder="clip", weights=None, clip_model="ViT-B-32")
    with pytest.raises(UserError, match=r"pip install 'ganforge\[clip\]'"):
        build_text_encoder(config)


def test_learned_encoder_hashes_words_and_trains():
    assert word_ids("A Red circle!") == word_ids("a red circle")
    assert word_ids("left") != word_ids("right")
    torch.manual_seed(0)
    encoder = build_text_encoder(SimpleNamespace(encoder="learned", weights=None, clip_model=""))
    assert encoder.trainable
    vectors = encoder.encode(["a small red circle", "a large blue star on the left"])
    assert vectors.shape == (2, encoder.dim)
    vectors[0].sum().backward()
    assert encoder.embedding.weight.grad is not None
