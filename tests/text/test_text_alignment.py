"""The shapes attribute reader and the alignment table: real images read right, floors by chance."""

import numpy as np
import torch

from ganforge.alignment.attributes import accuracy, held_out
from ganforge.alignment.shapes_reader import read_attributes
from ganforge.data.shapes import ATTRIBUTES


def test_reader_reads_real_held_out_shapes_exactly():
    images, captions, wanted = held_out("builtin:shapes", 3800, 200)
    assert images.shape == (200, 3, 32, 32) and len(captions) == 200
    scores = accuracy(read_attributes(images), wanted)
    assert scores == {**{key: 1.0 for key in ATTRIBUTES}, "all": 1.0}  # measured on 500 too


def test_reader_ignores_faint_pixel_noise():
    """Generated images carry a few levels of noise everywhere; a reader that counted it read every
    noisy real shape as one class (shape 0.26 at 3 levels) and pulled centres to the middle."""
    images, _, wanted = held_out("builtin:shapes", 3800, 200)
    noise = torch.randn(images.shape, generator=torch.Generator().manual_seed(0)) * 6
    noisy = (images.float() + noise).round().clamp(0, 255).to(torch.uint8)
    scores = accuracy(read_attributes(noisy), wanted)
    assert min(scores[key] for key in ATTRIBUTES) >= 0.99  # measured: 1.0 (colour 0.998 on 500)


def test_blank_and_wrong_images_score_low():
    images, _, wanted = held_out("builtin:shapes", 3800, 60)
    blank = torch.full_like(images, 30)  # background only
    read = read_attributes(blank)
    assert all(r["colour"] == "none" and r["position"] == "none" for r in read)
    assert accuracy(read, wanted)["colour"] == 0.0
    flipped = read_attributes(images.flip(-1))  # mirrored: left and right swap
    swapped = [w["position"] != "center" for w in wanted]
    position_right = [r["position"] == w["position"] for r, w in zip(flipped, wanted, strict=True)]
    assert not any(np.array(position_right)[swapped])


def test_accuracy_counts_each_attribute_and_all():
    wanted = [{"shape": "circle", "colour": "red", "size": "small", "position": "left"}] * 2
    read = [dict(wanted[0]), {**wanted[0], "colour": "blue"}]
    scores = accuracy(read, wanted)
    assert scores["colour"] == 0.5 and scores["shape"] == 1.0 and scores["all"] == 0.5


def test_clip_scores_rank_matching_pairs_first():
    from ganforge.alignment.clip_score import scores

    torch.manual_seed(0)
    texts = torch.nn.functional.normalize(torch.randn(20, 8), dim=1)
    matched = scores(texts.clone(), texts, distractors=99, seed=0)
    assert matched == {"clip_score": 100.0, "r_precision": 1.0}
    shuffled = scores(texts.roll(1, dims=0), texts, distractors=99, seed=0)
    assert shuffled["r_precision"] < 0.2 and shuffled["clip_score"] < 50
