"""The seeded folder (known problems planted), built once per test run and never changed by a test."""

from __future__ import annotations

import pytest
from seeded import seeded_folder


@pytest.fixture(scope="session")
def seeded(tmp_path_factory) -> dict:
    return seeded_folder(tmp_path_factory.mktemp("seeded"))
