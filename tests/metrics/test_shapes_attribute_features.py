"""`--features shapes-attributes`: the shapes evaluator's features plus colour, position and size."""

import numpy as np
import pytest
import torch

import ganforge
from ganforge.data.shapes import make_shapes
from ganforge.metrics.features import build_features
from ganforge.metrics.registry import compute_metric


@pytest.fixture(scope="module")
def extracted():
    """(attributes, {space: {"features", "logits"}}) of the first 1,200 builtin:shapes images."""
    data = make_shapes()
    pixels = torch.from_numpy(np.array(data.pixels[:1200])).permute(0, 3, 1, 2)
    with torch.no_grad():
        return data.attributes[:1200], {space: build_features(space)(pixels) for space in ("shapes", "shapes-attributes")}


def test_learned_features_are_kept_and_six_standardised_values_appended(extracted):
    _, spaces = extracted
    both, learned = spaces["shapes-attributes"], spaces["shapes"]
    assert torch.equal(both["features"][:, :128], learned["features"]) and torch.equal(both["logits"], learned["logits"])
    appended = both["features"][:1000, 128:].double()  # the images it is standardised on
    assert appended.shape == (1000, 6) and appended.mean(dim=0).abs().max() < 1e-3
    learned_total = learned["features"][:1000].double().var(dim=0).sum()
    assert float(appended.var(dim=0).sum()) == pytest.approx(float(learned_total), rel=1e-3)


def test_warm_colours_only_move_the_fid_far_more_than_in_the_shapes_features(extracted):
    attributes, spaces = extracted
    warm = [i for i in range(600, 1200) if attributes[i]["colour"] in ("red", "orange", "yellow")]
    moved = {}
    for space, values in spaces.items():
        features = values["features"].double().numpy()
        whole = compute_metric("fid", features[600:], features[:600])["fid"]
        narrowed = compute_metric("fid", features[warm], features[:600])["fid"]
        moved[space] = narrowed - whole
    assert moved["shapes-attributes"] > 10 * moved["shapes"] and moved["shapes-attributes"] > 5


def test_eval_takes_it_by_name_and_records_what_was_appended():
    result = ganforge.evaluate(fake="builtin:shapes", real="builtin:shapes", metrics=["pr"], features="shapes-attributes", n=100)
    appended = result["protocol"]["features"]["appended"]
    assert appended["values"] == ["red", "green", "blue", "centre_x", "centre_y", "area"] and appended["weight"] > 0
