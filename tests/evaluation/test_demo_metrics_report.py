"""The demo's metrics: real images the digits evaluator never saw, and Inception when installed."""

from __future__ import annotations

import torch

from ganforge.commands import demo_report
from ganforge.data import open_source
from ganforge.evaluators.dataset import stratified_split
from ganforge.metrics.features import build_features


def test_demo_compares_with_two_halves_of_the_held_out_digits(tmp_path):
    real_a, real_b = demo_report.held_out_halves(tmp_path)
    a = {int(path.stem) for path in real_a.iterdir()}
    b = {int(path.stem) for path in real_b.iterdir()}
    split = build_features("digits").meta["split"]
    labels = torch.tensor(open_source("builtin:digits", labels=True).labels)
    train, held_out = stratified_split(labels, split["val_fraction"], split["seed"])
    assert len(a) == len(b) == len(held_out) // 2 == 179 and not a & b
    assert a | b <= set(held_out.tolist()) and not (a | b) & set(train.tolist())


def test_inception_rows_follow_the_installed_weights(monkeypatch, tmp_path):
    assert demo_report.inception_available() is False  # the tests' empty GANFORGE_HOME
    monkeypatch.setenv("GANFORGE_INCEPTION_WEIGHTS", str(tmp_path / "w.pth"))
    assert demo_report.inception_available() is True
