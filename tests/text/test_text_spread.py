"""Spread per caption (alignment/spread.py): many images of one prompt against the real spread."""

import json

import numpy as np
import pytest
import torch

from ganforge.alignment.spread import held_out_captions, ratios
from ganforge.data.shapes import make_shapes
from ganforge.data.shapes_foreground import measures
from ganforge.errors import UserError


def _images_of(caption: str) -> torch.Tensor:
    data = make_shapes()
    keep = [i for i, text in enumerate(data.captions) if text == caption]
    return torch.from_numpy(np.array(data.pixels[keep])).permute(0, 3, 1, 2)


def test_real_images_of_a_caption_score_one_and_one_image_repeated_zero():
    captions, real = held_out_captions("builtin:shapes", 3000, 2)
    assert len(captions) == 2 and all(len(real[text]) >= 4 for text in captions)
    images = _images_of(captions[0])
    same = ratios(measures(images), real[captions[0]])
    assert same == {"position": pytest.approx(1.0), "size": pytest.approx(1.0)}
    one = ratios(measures(images[:1].repeat(32, 1, 1, 1)), real[captions[0]])
    assert one == {"position": pytest.approx(0.0, abs=1e-4), "size": pytest.approx(0.0, abs=1e-4)}
    half = ratios(measures(images[: len(images) // 2]), real[captions[0]])
    assert 0.3 < half["position"] < 1.7 and half["size"] > 0.3


def test_spread_needs_shapes_data():
    with pytest.raises(UserError, match="needs builtin:shapes"):
        held_out_captions("builtin:digits", 0, 4)


def test_align_prints_spread_and_in_training_spread_ranks_jointly(tmp_path, capsys):
    from test_text_training import TINY

    from ganforge.cli import main
    from ganforge.config import load_config
    from ganforge.training.evaluation import evaluation_hook
    from ganforge.training.loop import train

    overrides = {**TINY, "train.steps": 2, "text.encoder": "learned", "eval.every": 1, "eval.n": 16,
                 "eval.metrics": ["attributes", "spread"], "eval.best": "attributes+spread"}
    config = load_config("dfgan-shapes", overrides)
    run = train(config, tmp_path / "run", progress=False, step_hook=evaluation_hook(config))
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert all(r["spread_min"] == min(r["spread_position"], r["spread_size"], 1.0) for r in records)
    best = json.loads((run / "best.json").read_text())
    assert best["value"] == pytest.approx(max(r["attributes_all"] * r["spread_min"] for r in records))
    assert main(["align", str(run), "--n", "8", "--spread-prompts", "3", "--per-prompt", "4", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["spread"]["prompts"] == 3 and len(result["spread"]["per_caption"]) == 3
    assert main(["align", str(run), "--n", "8", "--spread-prompts", "3", "--per-prompt", "4"]) == 0
    out = capsys.readouterr().out
    assert "position" in out.split("spread")[1] and "of the real images with that caption" in out
    assert main(["align", str(run), "--per-prompt", "1"]) == 2
