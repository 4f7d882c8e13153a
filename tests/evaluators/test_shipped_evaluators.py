"""The evaluators shipped for builtin:digits and builtin:shapes (made by `make evaluators`)."""

from __future__ import annotations

import json

import pytest
import torch

from ganforge.evaluators.dataset import load_real_images
from ganforge.evaluators.train import validation_accuracy
from ganforge.metrics.features import build_features
from ganforge.metrics.features.domain import shipped_evaluator_dir
from ganforge.metrics.features.domain.files import META_FILE, WEIGHTS_FILE
from ganforge.metrics.weights import sha256_of_file

SIZE_LIMIT = 1_000_000  # bytes per shipped evaluator: small enough to commit


@pytest.mark.parametrize("name", ["digits", "shapes"])
def test_shipped_files_are_small_complete_and_consistent(name):
    directory = shipped_evaluator_dir(name)
    meta = json.loads((directory / META_FILE).read_text())
    assert (directory / WEIGHTS_FILE).stat().st_size + (
        directory / META_FILE
    ).stat().st_size < SIZE_LIMIT
    assert meta["weights"]["sha256"] == sha256_of_file(directory / WEIGHTS_FILE)
    assert meta["data"]["source"] == f"builtin:{name}" and meta["data"]["max_images"] is None
    assert meta["mode"] == "supervised" and meta["floor_fid"] > 0 and meta["floor_n"] > 0


def test_shipped_digits_reaches_97_percent_and_the_figure_reproduces():
    extractor = build_features("digits")
    meta = extractor.meta
    assert meta["val_accuracy"] >= 0.97
    real = load_real_images("builtin:digits", True, seed=meta["split"]["seed"])
    assert meta["data"]["fingerprint"] == real.fingerprint  # the same data as at training time
    recomputed = validation_accuracy(extractor.evaluator, real, meta["split"])
    assert recomputed == pytest.approx(meta["val_accuracy"], abs=1e-6)


def test_build_features_digits_and_shapes():
    for name, classes in (("digits", 10), ("shapes", 5)):
        extractor = build_features(name)
        assert extractor.name == f"domain:{name}" and extractor.is_imagenet is False
        assert extractor.protocol()["weights_sha256"] == extractor.meta["weights"]["sha256"]
        images = torch.randint(0, 256, (4, 3, 32, 32), dtype=torch.uint8)
        outputs = extractor(images)
        assert outputs["features"].shape == (4, 128) and outputs["logits"].shape == (4, classes)


def test_shipped_shapes_classifies_shapes():
    extractor = build_features("shapes")
    real = load_real_images("builtin:shapes", True, seed=extractor.meta["split"]["seed"])
    accuracy = validation_accuracy(extractor.evaluator, real, extractor.meta["split"])
    assert accuracy == pytest.approx(extractor.meta["val_accuracy"], abs=1e-6)
    assert accuracy > 0.9  # 5 balanced classes: chance is 0.2


@pytest.mark.parametrize("name", ["digits", "shapes"])
def test_shipped_evaluators_read_faintly_noisy_images_like_clean_ones(name):
    """Generated images always carry some pixel noise; trained without it, the shapes classifier
    read every real shape with 3 levels of noise as a star (accuracy 0.26)."""
    extractor = build_features(name)
    real = load_real_images(f"builtin:{name}", True, seed=extractor.meta["split"]["seed"])
    images = torch.stack(real.images[:400])  # uint8 [3,32,32] each
    labels = real.labels[:400]
    noise = torch.randn(images.shape, generator=torch.Generator().manual_seed(0)) * 6
    noisy = (images.float() + noise).round().clamp(0, 255).to(torch.uint8)
    accuracy = (extractor(noisy)["logits"].argmax(dim=1) == labels).double().mean().item()
    assert accuracy >= 0.97  # measured: 1.0 (shapes), 0.998 (digits)
