"""Exact and near-duplicate matching: copies found, unrelated images left apart."""

import io

import numpy as np
from PIL import Image, ImageEnhance
from seeded import smooth_image

from ganforge.audit.facts import inspect_image
from ganforge.audit.similarity import _BYTE_BITS, NearMatcher, exact_groups, popcount, union_groups


def _facts(image: Image.Image, fmt: str = "PNG"):
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return inspect_image(0, buffer.getvalue())


def test_popcount_with_and_without_numpy_builtin(monkeypatch):
    values = np.array([[0, 1, 2**64 - 1], [2**63, 0b1011, 12345678901234567]], dtype=np.uint64)
    expected = [[0, 1, 64], [1, 3, bin(12345678901234567).count("1")]]
    assert popcount(values).tolist() == expected
    monkeypatch.delattr(np, "bitwise_count", raising=False)  # numpy 1.x has none
    assert popcount(values).tolist() == expected and _BYTE_BITS[255] == 8


def test_exact_groups_and_union():
    assert exact_groups({0: "a", 1: "b", 2: "a", 3: "c", 4: "b", 5: "a"}) == [[0, 2, 5], [1, 4]]
    assert union_groups(6, [(0, 3), (3, 5), (1, 2)]) == [[0, 3, 5], [1, 2]]


def test_resized_recompressed_and_brightened_copies_are_near_duplicates():
    rng = np.random.default_rng(3)
    originals = [smooth_image(rng, 64) for _ in range(40)]
    copies = [
        originals[0].resize((40, 40), Image.BICUBIC),
        originals[1].resize((128, 128), Image.BICUBIC),
        ImageEnhance.Brightness(originals[2]).enhance(1.1),
    ]
    facts = [_facts(im) for im in originals + copies] + [_facts(originals[3], "JPEG")]
    hashes = [f.phash for f in facts]
    thumbs = np.stack([f.thumb for f in facts])
    pairs = {(i, j) for i, j, _ in NearMatcher(12, 0.99).pairs(hashes, thumbs)}
    assert pairs == {(0, 40), (1, 41), (2, 42), (3, 43)}


def test_cross_set_matching_and_flat_images():
    rng = np.random.default_rng(4)
    left = [_facts(smooth_image(rng)) for _ in range(5)] + [_facts(Image.new("RGB", (48, 48), (10, 10, 10)))]
    right = [_facts(smooth_image(rng)) for _ in range(5)] + [_facts(Image.new("RGB", (32, 32), (11, 11, 11)))]
    right.append(left[2])
    matcher = NearMatcher(12, 0.99)
    found = list(matcher.pairs([f.phash for f in left], np.stack([f.thumb for f in left]),
                               [f.phash for f in right], np.stack([f.thumb for f in right])))
    assert {(i, j) for i, j, _ in found} == {(2, 6), (5, 5)}  # the copy, and two near-black frames
