"""The bounded diversity term for class pairs (`loss.diversity_weight`): fakes come in pairs
sharing a class from its start step on, G logs d/τ, τ is measured on real images of one class,
and a run with it resumes bit for bit."""

import json
from types import SimpleNamespace

import pytest
import torch
from helpers import tiny_overrides

from crash_hook import assert_same_networks, through_and_resumed
from ganforge.config import load_config
from ganforge.training.objectives.conditional import ConditionalObjective
from ganforge.training.objectives.diversity import DiversityTerm

COND = tiny_overrides(**{"train.steps": 6, "train.sample_grid": 20, "ckpt.every": 2, "train.log_every": 1})


def test_fakes_share_a_class_in_pairs_only_from_the_start_step():
    labels = torch.tensor([4, 1, 8, 2, 0])
    config = load_config("cdcgan-digits", {"loss.diversity_weight": 1.0, "loss.diversity_start": 3})
    objective = SimpleNamespace(diversity=DiversityTerm.of(config.loss), d_steps_done=2)
    assert ConditionalObjective.fake_condition(objective, labels).tolist() == [4, 1, 8, 2, 0]
    assert not objective.diversity.active
    objective.d_steps_done = 3
    assert ConditionalObjective.fake_condition(objective, labels).tolist() == [4, 1, 8, 4, 1]
    assert objective.diversity.active
    off = SimpleNamespace(diversity=DiversityTerm.of(load_config("cdcgan-digits").loss), d_steps_done=100)
    assert ConditionalObjective.fake_condition(off, labels).tolist() == [4, 1, 8, 2, 0]


def test_term_trains_on_class_pairs_logs_its_ratio_and_resumes_exactly(tmp_path):
    config = load_config("cdcgan-digits", {**COND, "loss.diversity_weight": 1.0, "loss.diversity_start": 2})
    assert_same_networks(*through_and_resumed(config, tmp_path, 3))
    logged = [json.loads(line) for line in (tmp_path / "A" / "log.jsonl").read_text().splitlines()]
    assert [("diversity_ratio" in entry) for entry in logged if "step" in entry] == [False, False, True, True, True, True]
    assert 0 < logged[-1]["diversity_ratio"]


def test_target_is_measured_on_real_images_of_one_class():
    # class 0: two black images; class 1: a white and a grey one. Only same-class pairs count.
    images = torch.tensor([0, 0, 255, 127], dtype=torch.uint8).view(4, 1, 1, 1).expand(4, 1, 8, 8).contiguous()
    objective = ConditionalObjective.__new__(ConditionalObjective)
    objective.loss_cfg = load_config("cdcgan-digits", {"loss.diversity_weight": 1.0}).loss
    objective.diversity = DiversityTerm.of(load_config("cdcgan-digits", {"loss.diversity_weight": 1.0}).loss)
    objective.config = SimpleNamespace(seed=0)
    objective.batch_fields(SimpleNamespace(images=images, labels=torch.tensor([0, 0, 1, 1])))
    # half the pairs are (black, black): 0; half (white, grey): 128/127.5; about 0.5 on average
    assert 0.35 < objective.diversity.target < 0.65
    objective.batch_fields(SimpleNamespace(images=images, labels=torch.tensor([0, 0, 1, 2])))
    assert objective.diversity.target == pytest.approx(1e-3)  # the floor: only identical pairs share a class


def test_a_pool_of_one_compares_mean_colours_only():
    from ganforge.training.objectives.diversity import pair_distance

    left = torch.full((1, 3, 32, 32), -1.0)
    left[:, 0, 8:16, 2:10] = 1  # a red square on the left
    right = torch.roll(left, shifts=16, dims=3)  # the same square on the right
    blue = left[:, [2, 1, 0]]  # the same square, blue
    assert pair_distance(left, right, side=1) == 0 < pair_distance(left, right, side=8)
    assert pair_distance(left, blue, side=1) > 0
    config = load_config("cdcgan-digits", {"loss.diversity_weight": 1.0, "loss.diversity_pool": 1})
    assert config.loss.diversity_pool == 1


def test_the_term_adds_weight_times_shortfall_only_while_active():
    from ganforge.training.objectives.diversity import DiversityTerm

    same = torch.zeros(4, 3, 8, 8)  # two identical pairs: the whole shortfall
    term = DiversityTerm(weight=2.0, start=5, side=1, target=0.5)
    logs: dict = {}
    assert not term.pairs_at(4) and term.added(torch.tensor(1.0), same, logs) == 1.0 and logs == {}
    assert term.pairs_at(5) and term.added(torch.tensor(1.0), same, logs) == pytest.approx(3.0)
    assert logs["diversity_ratio"] == 0
    off = DiversityTerm()
    assert not off.pairs_at(100)


def test_each_task_reads_its_own_pool_side():
    classes = DiversityTerm.of(load_config("cdcgan-digits", {"loss.diversity_weight": 1.0, "loss.diversity_pool": 1}).loss)
    assert (classes.weight, classes.side) == (1.0, 1)
    text = DiversityTerm.of(load_config("dfgan-shapes", {"text.diversity_pool": 4}).text)
    assert (text.weight, text.start, text.side) == (8.0, 2000, 4)
