"""Fixtures for metric tests: calibrated random FID Inception weights (METRICS.md §7)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from inception_calibration import calibrated_random_inception_state


@pytest.fixture(scope="session")
def inception_weights(tmp_path_factory) -> Path:
    """A calibrated random FID Inception state dict saved as .pth; loads wherever the real one does."""
    path = tmp_path_factory.mktemp("weights") / "calibrated_inception.pth"
    torch.save(calibrated_random_inception_state(seed=0), path)
    return path
