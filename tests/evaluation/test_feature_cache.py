"""The reference cache: keys, atomic entries, --no-cache, and extraction only of what is missing."""

from __future__ import annotations

import numpy as np
import pytest
from eval_helpers import ToyFeatures

from ganforge.metrics.cache import FeatureCache, cache_key, cache_root
from ganforge.metrics.extract import cached_layers, extract
from ganforge.metrics.inputs import open_input
from ganforge.metrics.stats import feature_stats


def test_key_depends_on_every_part():
    parts = {
        "source": "abc",
        "n": 10,
        "resize": "tf1",
        "extractor": {"weights_sha256": "f0"},
        "layer": "pool3",
    }
    key = cache_key(**parts)
    assert key == cache_key(**dict(reversed(list(parts.items()))))  # order-independent
    for name, other in [
        ("source", "abd"),
        ("n", 11),
        ("resize", "clean"),
        ("extractor", {"weights_sha256": "f1"}),
        ("layer", "logits_unbiased"),
    ]:
        assert cache_key(**{**parts, name: other}) != key, name


def test_root_follows_ganforge_home(monkeypatch, tmp_path):
    monkeypatch.setenv("GANFORGE_HOME", str(tmp_path / "home"))
    assert cache_root() == tmp_path / "home" / "cache"


def test_entries_round_trip_atomically(tmp_path):
    cache = FeatureCache(root=tmp_path / "c")
    features = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    cache.save_features("k1", features)
    cache.save_stats("k2", *feature_stats(features), 5)
    assert np.array_equal(cache.load_features("k1"), features)
    mu, sigma, n = cache.load_stats("k2")
    assert (
        n == 5
        and np.allclose(mu, features.mean(0))
        and np.allclose(sigma, np.cov(features, rowvar=False))
    )
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == [
        "k1.npy",
        "k2.npz",
    ]  # no temp files left
    assert cache.load_features("absent") is None and cache.load_stats("absent") is None


def test_disabled_cache_neither_reads_nor_writes(tmp_path):
    FeatureCache(root=tmp_path).save_features("k", np.ones((2, 2), np.float32))
    disabled = FeatureCache(enabled=False, root=tmp_path)
    assert disabled.load_features("k") is None
    disabled.save_features("other", np.ones((2, 2), np.float32))
    assert not (tmp_path / "other.npy").exists()


def test_corrupt_entry_warns_and_counts_as_a_miss(tmp_path):
    (tmp_path / "bad.npy").write_bytes(b"garbage")
    with pytest.warns(UserWarning, match="bad.npy"):
        assert FeatureCache(root=tmp_path).load_features("bad") is None


def test_second_extraction_of_a_reference_reads_the_cache(toy_folders, tmp_path):
    _, real = toy_folders
    cache = FeatureCache(root=tmp_path / "cache")
    extractor = ToyFeatures()
    source = open_input(str(real))
    first = cached_layers(source, extractor, {"features": "features"}, cache, "tf1")
    assert extractor.images_seen == 30 and first["features"].shape == (30, 12)
    again = cached_layers(
        open_input(str(real)), extractor, {"features": "features", "logits": "stats"}, cache, "tf1"
    )
    # Only the new layer is extracted; the cached features come back unchanged.
    assert extractor.images_seen == 60
    assert np.array_equal(again["features"], first["features"])
    stats_only = cached_layers(
        open_input(str(real)), extractor, {"features": "stats", "logits": "stats"}, cache, "tf1"
    )
    assert extractor.images_seen == 60
    mu, sigma, n = stats_only["features"]
    assert n == 30 and np.allclose(mu, first["features"].mean(0))
    # Another resize mode or a subset is another entry.
    cached_layers(open_input(str(real)), extractor, {"features": "stats"}, cache, "clean")
    cached_layers(open_input(str(real), n=20), extractor, {"features": "stats"}, cache, "tf1")
    assert extractor.images_seen == 60 + 30 + 20


def test_streamed_statistics_equal_those_of_all_features(toy_folders):
    fake, _ = toy_folders
    extractor = ToyFeatures()
    both = extract(
        open_input(str(fake)), extractor, {"features": "features", "logits": "stats"}, batch_size=5
    )
    mu, sigma, n = both["logits"]
    exact_mu, exact_sigma = feature_stats(both["features"][:, :10] * 10)
    assert (
        n == 24
        and np.allclose(mu, exact_mu, rtol=1e-6)
        and np.allclose(sigma, exact_sigma, rtol=1e-5, atol=1e-9)
    )
