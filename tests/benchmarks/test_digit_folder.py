"""The labelled digit folders that measure class-conditional presets (benchmarks/digit_folder.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from ganforge.data.digits import read_sklearn_digits

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _module(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_first_and_second_sources_are_disjoint_halves_of_each_class():
    folder = _module("digit_folder")
    _, labels = read_sklearn_digits()
    for digit in range(10):
        everything = folder.source_pool(labels, digit, "all")
        first, second = folder.source_pool(labels, digit, "first"), folder.source_pool(labels, digit, "second")
        assert not set(first) & set(second)
        assert sorted([*first, *second]) == sorted(everything)
        assert abs(len(first) - len(second)) <= 1
        assert (labels[first] == digit).all()


def test_write_folder_writes_uneven_classes_of_28_pixel_digits(tmp_path):
    folder = _module("digit_folder")
    counts = folder.write_folder(tmp_path, per_class=5, smallest=0.6, seed=0, sources="second")
    assert counts[0] == 5 and counts[9] == 3
    for digit, count in counts.items():
        files = sorted((tmp_path / str(digit)).glob("*.png"))
        assert len(files) == count
    from PIL import Image

    image = np.asarray(Image.open(tmp_path / "0" / "00000.png"))
    assert image.shape == (28, 28) and image.max() > 100
