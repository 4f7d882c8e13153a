"""Streaming feature statistics and the `.npz` statistics files."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
import torch
from pytorch_fid.fid_score import compute_statistics_of_path

from ganforge.errors import UserError
from ganforge.metrics import stats as stats_module
from ganforge.metrics.stats import (
    StreamingStats,
    checked_features,
    feature_stats,
    load_stats,
    save_stats,
)


def structured_features(seed: int, n: int, d: int, rank: int = 6) -> np.ndarray:
    """Low-rank signal plus noise: [n,d] float64 with a non-trivial covariance."""
    rng = np.random.default_rng(seed)
    basis = rng.standard_normal((rank, d))
    return (
        rng.standard_normal((n, rank)) @ basis
        + 0.3 * rng.standard_normal((n, d))
        + rng.standard_normal(d)
    )


def stream(features: np.ndarray, block_sizes: list[int]) -> StreamingStats:
    stats = StreamingStats(features.shape[1])
    start = 0
    for size in block_sizes:
        stats.update(features[start : start + size])
        start += size
    assert start == len(features)
    return stats


def test_streaming_matches_numpy_for_uneven_blocks():
    features = structured_features(0, 200, 16)
    stats = stream(features, [1, 7, 50, 0, 3, 139])
    assert stats.n == 200
    np.testing.assert_allclose(stats.mean, features.mean(axis=0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        stats.covariance, np.cov(features, rowvar=False), rtol=1e-10, atol=1e-12
    )


def test_streaming_stays_exact_under_a_large_offset():
    offset = 1e7
    centred = structured_features(1, 300, 8)
    shifted = centred + offset
    reference = np.cov(shifted - offset, rowvar=False)  # Sterbenz: this subtraction is exact
    stats = stream(shifted, [5, 95, 1, 199])
    np.testing.assert_allclose(stats.covariance, reference, rtol=1e-8, atol=1e-8)
    # The offset is large enough that the textbook E[xxᵀ] − μμᵀ formula fails: the test can fail.
    naive = (shifted.T @ shifted - len(shifted) * np.outer(shifted.mean(0), shifted.mean(0))) / (
        len(shifted) - 1
    )
    assert np.abs(naive - reference).max() > 1e-3


def test_streaming_float32_tensors_with_offset_match_numpy():
    features = torch.from_numpy(structured_features(2, 120, 10) + 1e4).float()
    stats = stream(features, [64, 56])
    as_numpy = features.double().numpy()
    np.testing.assert_allclose(stats.mean, as_numpy.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(
        stats.covariance, np.cov(as_numpy, rowvar=False), rtol=1e-9, atol=1e-9
    )


def test_merge_of_shards_equals_one_pass():
    features = structured_features(3, 150, 12)
    left, right = stream(features[:40], [40]), stream(features[40:], [11, 99])
    empty = StreamingStats(12)
    merged = StreamingStats(12).merge(left).merge(empty).merge(right)
    assert merged.n == 150
    np.testing.assert_allclose(merged.mean, features.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(
        merged.covariance, np.cov(features, rowvar=False), rtol=1e-10, atol=1e-12
    )


def test_feature_stats_is_float64_mean_and_unbiased_covariance():
    features = structured_features(4, 50, 5).astype(np.float32)
    mu, sigma = feature_stats(features)
    assert mu.dtype == np.float64 and sigma.dtype == np.float64
    np.testing.assert_allclose(sigma, np.cov(features.astype(np.float64), rowvar=False), rtol=1e-10)
    chunked_mu, chunked_sigma = feature_stats(features, chunk_rows=7)
    np.testing.assert_allclose(chunked_mu, mu, rtol=1e-12)
    np.testing.assert_allclose(chunked_sigma, sigma, rtol=1e-10)


def test_features_of_other_dtypes_are_accepted_without_copying_float32():
    features = np.arange(12, dtype=np.float32).reshape(4, 3)
    assert checked_features(features) is features
    assert checked_features(torch.from_numpy(features)).dtype == np.float32
    as_bfloat16 = checked_features(torch.from_numpy(features).bfloat16())
    np.testing.assert_array_equal(as_bfloat16, features)
    assert checked_features(features.astype(np.int64)).dtype == np.float64


def test_bad_features_are_user_errors():
    with pytest.raises(UserError, match="at least 2"):
        _ = StreamingStats(3).update(np.ones((1, 3))).covariance
    with pytest.raises(UserError, match="dimension 3"):
        StreamingStats(3).update(np.ones((4, 5)))
    with pytest.raises(UserError, match="2-D"):
        feature_stats(np.ones(7))
    with pytest.raises(UserError, match="NaN"):
        feature_stats(np.array([[1.0, np.nan], [2.0, 3.0]]))


def test_save_load_roundtrip_with_protocol(tmp_path):
    mu, sigma = feature_stats(structured_features(5, 40, 6))
    path = tmp_path / "ref.npz"
    protocol = {"n": 40, "resize": "tf1", "extractor": {"name": "inception", "sha256": "ab12"}}
    save_stats(path, mu, sigma, protocol)
    loaded_mu, loaded_sigma, loaded_protocol = load_stats(path)
    np.testing.assert_array_equal(loaded_mu, mu)
    np.testing.assert_array_equal(loaded_sigma, sigma)
    assert loaded_protocol == protocol
    assert json.loads((tmp_path / "ref.npz.json").read_text()) == protocol
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ref.npz", "ref.npz.json"]
    # pytorch-fid reads our files as reference statistics.
    their_mu, their_sigma = compute_statistics_of_path(str(path), None, 1, 6, "cpu")
    np.testing.assert_array_equal(their_mu, mu)
    np.testing.assert_array_equal(their_sigma, sigma)


def test_foreign_npz_without_sidecar_loads_with_no_protocol(tmp_path):
    path = tmp_path / "foreign.npz"
    mu, sigma = feature_stats(structured_features(6, 30, 4))
    np.savez(path, mu=mu.astype(np.float32), sigma=sigma, extra=np.zeros(2))
    loaded_mu, loaded_sigma, protocol = load_stats(path)
    assert protocol is None and loaded_mu.dtype == np.float64
    np.testing.assert_array_equal(loaded_mu, mu.astype(np.float32))
    np.testing.assert_array_equal(loaded_sigma, sigma)


def test_saving_without_protocol_removes_a_stale_sidecar(tmp_path):
    path = tmp_path / "ref.npz"
    save_stats(path, np.zeros(2), np.eye(2), {"n": 1})
    save_stats(path, np.ones(2), np.eye(2))
    assert not (tmp_path / "ref.npz.json").exists()
    assert load_stats(path)[2] is None


def test_failed_save_leaves_old_file_and_no_temporaries(tmp_path, monkeypatch):
    path = tmp_path / "ref.npz"
    save_stats(path, np.zeros(3), np.eye(3), {"n": 1})
    before = path.read_bytes()

    def half_written_savez(file, **arrays):
        file.write(b"PK\x03\x04 partial")
        raise OSError("disk full")

    monkeypatch.setattr(stats_module.np, "savez", half_written_savez)
    with pytest.raises(OSError, match="disk full"):
        save_stats(path, np.ones(3), 2 * np.eye(3), {"n": 2})
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ref.npz", "ref.npz.json"]
    assert load_stats(path)[2] == {"n": 1}

    fresh = tmp_path / "fresh.npz"
    with pytest.raises(OSError):
        save_stats(fresh, np.ones(3), np.eye(3))
    assert not fresh.exists()


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (lambda p: np.savez(p, mu=np.zeros(3)), "missing array.*sigma"),
        (
            lambda p: np.savez(p, mu=np.zeros(3), sigma=np.eye(4)),
            "expected mu \\[d\\] and sigma \\[d, d\\]",
        ),
        (lambda p: np.savez(p, mu=np.zeros((3, 1)), sigma=np.eye(3)), "expected mu"),
        (lambda p: np.savez(p, mu=np.array(["a"]), sigma=np.eye(1)), "real numbers"),
        (lambda p: np.savez(p, mu=np.array([{}], dtype=object), sigma=np.eye(1)), "not a readable"),
        (lambda p: p.write_bytes(b"not a zip at all"), "not a readable"),
        (lambda p: p.write_bytes(npy_bytes(np.zeros(3))), "expected an .npz"),
    ],
)
def test_bad_statistics_files_are_one_line_user_errors(tmp_path, write, message):
    path = tmp_path / "bad.npz"
    write(path)
    with pytest.raises(UserError, match=message) as info:
        load_stats(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_missing_file_bad_sidecar_and_bad_name_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="not found"):
        load_stats(tmp_path / "absent.npz")
    path = tmp_path / "ref.npz"
    save_stats(path, np.zeros(2), np.eye(2))
    (tmp_path / "ref.npz.json").write_text("{broken")
    with pytest.raises(UserError, match="ref.npz.json"):
        load_stats(path)
    with pytest.raises(UserError, match="must end in .npz"):
        save_stats(tmp_path / "ref.stats", np.zeros(2), np.eye(2))
