"""Evaluator directories: safetensors + JSON only, and clear errors for bad ones."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest
import torch

from ganforge.errors import UserError
from ganforge.metrics.features import build_features
from ganforge.metrics.features.domain.architectures import SmallCNN
from ganforge.metrics.features.domain.files import (
    META_FILE,
    WEIGHTS_FILE,
    load_evaluator,
    save_evaluator,
)
from ganforge.metrics.features.domain.preprocess import preprocessing_spec

ARCHITECTURE = {"name": "small_cnn", "in_channels": 3, "widths": [4, 8], "num_classes": 3}


@pytest.fixture
def tiny_dir(tmp_path):
    torch.manual_seed(0)
    network = SmallCNN(3, [4, 8], 3).eval()
    meta = {
        "name": "tiny",
        "mode": "supervised",
        "architecture": ARCHITECTURE,
        "preprocessing": preprocessing_spec(16, 3),
        "feature_layer": {"name": "features", "where": network.feature_layer, "dim": 8},
    }
    save_evaluator(tmp_path / "tiny", network, meta)
    return tmp_path / "tiny"


def test_save_then_load_round_trips(tiny_dir):
    evaluator, meta = load_evaluator(tiny_dir)
    images = torch.randint(0, 256, (5, 3, 20, 24), dtype=torch.uint8)
    outputs = evaluator(images)
    assert outputs["features"].shape == (5, 8) and outputs["logits"].shape == (5, 3)
    assert meta["format"] == "ganforge-evaluator/1"
    assert not list(tiny_dir.glob(".*tmp"))  # no temporary files left behind


def test_domain_features_from_a_directory(tiny_dir):
    for spec in (f"domain:{tiny_dir}", str(tiny_dir)):
        extractor = build_features(spec)
        assert extractor.name == "domain:tiny" and extractor.is_imagenet is False
        protocol = extractor.protocol()
        assert protocol["name"] == "domain:tiny" and protocol["layer"] == "features"
        assert (
            protocol["weights_sha256"]
            == json.loads((tiny_dir / META_FILE).read_text())["weights"]["sha256"]
        )
        assert protocol["preprocessing"]["input_size"] == 16


def _edit_json(directory, edit):
    path = directory / META_FILE
    meta = json.loads(path.read_text())
    edit(meta)
    path.write_text(json.dumps(meta))


def test_missing_directory_names_it(tmp_path):
    with pytest.raises(UserError, match="nowhere.*not found"):
        load_evaluator(tmp_path / "nowhere")
    with pytest.raises(UserError, match="nowhere"):
        build_features(f"domain:{tmp_path / 'nowhere'}")


def test_missing_files_are_named(tiny_dir, tmp_path):
    no_json = tmp_path / "no_json"
    shutil.copytree(tiny_dir, no_json)
    (no_json / META_FILE).unlink()
    with pytest.raises(UserError, match=f"{META_FILE}: missing"):
        load_evaluator(no_json)
    (tiny_dir / WEIGHTS_FILE).unlink()
    with pytest.raises(UserError, match=f"{WEIGHTS_FILE}: missing"):
        load_evaluator(tiny_dir)


@pytest.mark.parametrize("key", ["architecture", "preprocessing", "weights"])
def test_missing_key_is_named(tiny_dir, key):
    _edit_json(tiny_dir, lambda meta: meta.pop(key))
    with pytest.raises(UserError, match=f"missing key '{key}'"):
        load_evaluator(tiny_dir)


def test_invalid_json_is_refused(tiny_dir):
    (tiny_dir / META_FILE).write_text("{not json")
    with pytest.raises(UserError, match="not valid JSON"):
        load_evaluator(tiny_dir)


def test_replaced_or_mismatched_weights_are_refused(tiny_dir):
    other = tiny_dir.parent / "other"
    save_evaluator(other, SmallCNN(3, [4, 16], 3), json.loads((tiny_dir / META_FILE).read_text()))
    shutil.copy(other / WEIGHTS_FILE, tiny_dir / WEIGHTS_FILE)
    with pytest.raises(UserError, match="SHA-256 differs"):
        load_evaluator(tiny_dir)
    other_sha256 = json.loads((other / META_FILE).read_text())["weights"]["sha256"]
    _edit_json(tiny_dir, lambda meta: meta["weights"].update(sha256=other_sha256))
    with pytest.raises(UserError, match="do not match the architecture"):
        load_evaluator(tiny_dir)
    _edit_json(tiny_dir, lambda meta: meta["architecture"].update(name="resnet1000"))
    with pytest.raises(UserError, match="architecture.name 'resnet1000' unknown"):
        load_evaluator(tiny_dir)


def test_weights_file_is_not_a_pickle(tiny_dir):
    (tiny_dir / WEIGHTS_FILE).write_bytes(b"\x80\x04garbage")  # a pickle header: never unpickled
    _edit_json(
        tiny_dir,
        lambda meta: meta["weights"].update(sha256=hashlib.sha256(b"\x80\x04garbage").hexdigest()),
    )
    with pytest.raises(UserError, match="not a readable safetensors file"):
        load_evaluator(tiny_dir)
