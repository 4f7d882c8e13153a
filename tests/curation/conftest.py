"""Fixtures: a mixed folder, and a fast stand-in backbone (thumbnail pixels) for the filter's logic."""

from __future__ import annotations

import pytest
from mixed import mixed_folder
from pixel_backbone import PixelBackbone

from ganforge.curation.backbones import BACKBONES


@pytest.fixture
def pixel_backbone():
    BACKBONES["test-pixels"] = lambda weights=None, device="cpu": PixelBackbone()
    yield "test-pixels"
    del BACKBONES["test-pixels"]


@pytest.fixture(scope="session")
def mixed(tmp_path_factory) -> dict:
    return mixed_folder(tmp_path_factory.mktemp("mixed"))
