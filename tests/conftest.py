"""Shared fixtures: tiny configs and isolated caches so tests never touch the user's home."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch):
    """Point GANFORGE_HOME at a per-session temp dir: no cache or weights leak between runs."""
    home = tmp_path_factory.getbasetemp() / "ganforge-home"
    monkeypatch.setenv("GANFORGE_HOME", str(home))
    return home
