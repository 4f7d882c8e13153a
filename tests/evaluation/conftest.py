"""Fixtures for the evaluation pipeline: image folders, calibrated Inception weights, a toy extractor."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from eval_helpers import ToyFeatures, write_pngs

from ganforge.cli import main
from ganforge.metrics.features import FEATURES
from inception_calibration import calibrated_random_inception_state, varied_images


@pytest.fixture(scope="session")
def image_folders(tmp_path_factory) -> tuple[Path, Path]:
    """(fake, real): 8 and 10 distinct 32×32 RGB PNGs (Inception at 299×299 costs ~0.4 s per image)."""
    root = tmp_path_factory.mktemp("images")
    fake = write_pngs(root / "fake", varied_images(8, 32, seed=11))
    real = write_pngs(root / "real", varied_images(10, 32, seed=12))
    return fake, real


@pytest.fixture(scope="session")
def inception_weights(tmp_path_factory) -> Path:
    """A calibrated random FID Inception state dict saved as .pth (METRICS.md §7).

    One calibration batch of 4 images is enough for features to vary (checked in the tests).
    """
    path = tmp_path_factory.mktemp("weights") / "calibrated_inception.pth"
    torch.save(calibrated_random_inception_state(seed=0, batches=1, batch_size=4), path)
    return path


@pytest.fixture
def toy_features(monkeypatch) -> list[ToyFeatures]:
    """Registers `--features toy`; the returned list collects every extractor built."""
    built: list[ToyFeatures] = []

    def factory(weights=None, resize="tf1", device="cpu") -> ToyFeatures:
        built.append(ToyFeatures())
        return built[-1]

    monkeypatch.setitem(FEATURES, "toy", factory)
    return built


@pytest.fixture
def toy_folders(tmp_path) -> tuple[Path, Path]:
    """(fake, real): 24 and 30 distinct 16×16 RGB PNGs for the toy extractor."""
    fake = write_pngs(tmp_path / "toy_fake", varied_images(24, 16, seed=21))
    real = write_pngs(tmp_path / "toy_real", varied_images(30, 16, seed=22))
    return fake, real


@pytest.fixture
def cli(capsys) -> Callable[..., tuple[int, str, str]]:
    """Run `ganforge ARGS...` in-process -> (exit code, stdout, stderr)."""

    def run(*args) -> tuple[int, str, str]:
        code = main([str(arg) for arg in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run
