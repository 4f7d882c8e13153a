"""Pieces of multi-process training that need no process group: batch split, per-process
checkpoint entries, the --nproc command line."""

import pytest
import torch
from launch_helpers import as_cli, tiny, tiny_overrides

from ganforge.cli import main
from ganforge.config import load_config
from ganforge.distributed import Distribution
from ganforge.distributed.launch import launcher_command, without_nproc
from ganforge.distributed.ranks import (
    own_rank_state,
    own_streams,
    per_process_batch,
    with_all_ranks,
)
from ganforge.distributed.wrap import use_sync_batchnorm
from ganforge.errors import UserError
from ganforge.training.loop import train
from ganforge.training.rng import seed_everything
from ganforge.training.state import build_state


def test_global_batch_splits_evenly_or_fails_naming_the_key():
    assert per_process_batch(64, Distribution(world_size=4)) == 16
    with pytest.raises(UserError, match=r"train.batch_size 63: .* 2 processes; use a multiple of 2"):
        per_process_batch(63, Distribution(world_size=2))


def test_nproc_with_an_indivisible_batch_is_one_line_error_before_launching(capsys):
    code = main(["train", "dcgan-digits", "train.batch_size=7", "--nproc", "2"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.startswith("ganforge: error: train.batch_size 7")
    assert "starting" not in err


def test_nproc_becomes_a_launcher_command():
    argv = ["eval", "--n", "200", "--nproc", "4", "--real", "x", "--nproc=4", "--json", "-"]
    assert without_nproc(argv) == ["eval", "--n", "200", "--real", "x", "--json", "-"]
    command = launcher_command(4, argv)
    assert command[1:] == ["-m", "ganforge.distributed.torchrun", "4", "eval", "--n", "200", "--real", "x", "--json", "-"]


def test_sync_batchnorm_defaults_to_cuda_and_refuses_cpu():
    assert use_sync_batchnorm(None, torch.device("cpu")) is False
    assert use_sync_batchnorm(False, torch.device("cpu")) is False
    with pytest.raises(UserError, match="sync_batchnorm=true: .*CUDA only"):
        use_sync_batchnorm(True, torch.device("cpu"))


def _checkpoint(world_size: int) -> dict:
    ranks = [{"rng": {"torch": torch.tensor([rank])}, "batches": {"sampler": {"position": 5}, "crop_generator": rank},
              "objective": {"d_steps_done": 7}} for rank in range(world_size)]
    return {**ranks[0], "step": 3, "world_size": world_size, "ranks": ranks}


def test_same_world_size_gets_its_own_entries():
    checkpoint = _checkpoint(2)
    own, borrowed = own_rank_state(checkpoint, Distribution(rank=1, world_size=2))
    assert own is checkpoint["ranks"][1] and not borrowed
    single = {"rng": 1, "batches": 2, "objective": 3, "step": 0}
    assert own_rank_state(single, Distribution()) == ({"rng": 1, "batches": 2, "objective": 3}, False)
    assert with_all_ranks(single, Distribution()) is single  # one process: the format is unchanged


def test_another_world_size_warns_once_and_new_processes_borrow_process_0s_entries():
    checkpoint = _checkpoint(2)
    with pytest.warns(UserWarning, match="written by 2 process.*resuming with 3"):
        own_rank_state(checkpoint, Distribution(rank=0, world_size=3))
    kept, borrowed = own_rank_state(checkpoint, Distribution(rank=1, world_size=3))
    assert kept is checkpoint["ranks"][1] and not borrowed
    for rank in (2, 3):
        entries, borrowed = own_rank_state(checkpoint, Distribution(rank=rank, world_size=4))
        assert entries is checkpoint["ranks"][0] and borrowed  # the data order carries on


@pytest.mark.parametrize("preset", ["dcgan-digits", "colorize-shapes"])
def test_own_streams_differ_per_process_and_step(preset):
    """Process r's streams: torch's global one, its batches' crops/flips, its objective's hints."""
    config = load_config(preset, tiny() if preset == "colorize-shapes" else tiny_overrides())
    draws = {}
    for key in [(1,), (2,), (2, 7)]:
        seed_everything(config.seed)
        state = build_state(config)
        own_streams(state, *key)
        draws[key] = (torch.rand(3), _own_generator_state(state.batches), state.objective.state_dict())
    first, second, later = draws[(1,)], draws[(2,)], draws[(2, 7)]
    for a, b in [(first, second), (second, later)]:
        assert not torch.equal(a[0], b[0]) and not torch.equal(a[1], b[1])
        if preset == "colorize-shapes":
            assert not torch.equal(a[2]["hint_generator"], b[2]["hint_generator"])


def _own_generator_state(batches) -> torch.Tensor:
    state = batches.state_dict()
    return state["jitter"] if "jitter" in state else state["crop_generator"]


@pytest.mark.parametrize("preset", ["pix2pix-shapes", "cyclegan-shapes"])
def test_translation_batches_split_the_global_batch(preset):
    """Each process's batch is its contiguous slice of the global batch (paired, and unpaired with
    a sampler per domain); the samplers' positions stay the same everywhere."""
    config = load_config(preset, {**tiny(), "train.batch_size": 4, "translation.flip": False, "translation.jitter": False})
    seed_everything(config.seed)
    whole = build_state(config).batches
    parts = []
    for rank in range(2):
        seed_everything(config.seed)
        batches = build_state(config).batches
        batches.take_part(rank, 2)
        parts.append(batches)
    for _ in range(3):
        got, each = whole.next(), [part.next() for part in parts]
        for side in ("a", "b"):  # no resize-and-crop, no flips: nothing random but the indices
            assert [len(batch[side]) for batch in each] == [2, 2]
            assert torch.equal(torch.cat([batch[side] for batch in each]), got[side])
    states = [part.state_dict() for part in parts]
    for sampler in ("sampler_a", "sampler_b"):
        if states[0][sampler] is not None:
            assert _same(states[0][sampler], states[1][sampler])
            assert _same(states[0][sampler], whole.state_dict()[sampler])


def _same(a: dict, b: dict) -> bool:
    return all(torch.equal(a[k], b[k]) if isinstance(a[k], torch.Tensor) else a[k] == b[k] for k in a)


def test_one_process_resumes_a_two_process_checkpoint_with_a_warning(tmp_path):
    overrides = tiny_overrides(**{"train.steps": 2})
    run = train(load_config("dcgan-digits", overrides), tmp_path / "run", progress=False)
    path = run / "checkpoints/latest.ckpt"
    state = torch.load(path, weights_only=True)
    own = {key: state[key] for key in ("rng", "batches", "objective")}
    torch.save({**state, "world_size": 2, "ranks": [own, own]}, path)
    with pytest.warns(UserWarning, match="written by 2 process.*resuming with 1"):
        train(load_config("dcgan-digits", {**overrides, "train.steps": 3}), run, resume=True, progress=False)
    assert torch.load(path, weights_only=True)["step"] == 3


def test_cli_overrides_reach_the_distributed_section():
    config = load_config("dcgan-digits", as_cli({"train.distributed.timeout_s": 30}))
    assert config.train.distributed.timeout_s == 30 and config.train.distributed.sync_batchnorm is None


class _SecondOfTwo(Distribution):
    """Process 1 of 2 whose peer (process 0) reports the results of its share."""

    def gather(self, obj):
        return [["job0", "job1"], obj]


def test_shared_jobs_run_once_in_the_process_that_owns_them(monkeypatch):
    import ganforge.metrics.sharding as sharding

    monkeypatch.setattr(sharding, "current", lambda: _SecondOfTwo(rank=1, world_size=2))
    ran = []
    jobs = [lambda i=i: ran.append(i) or f"job{i}" for i in range(5)]
    assert sharding.run_shared(jobs) == [f"job{i}" for i in range(5)]  # the one-process order
    assert ran == [2, 3, 4]  # process 1's contiguous share only


def test_batch_source_seeds_its_fields_draws_too():
    """A text task's caption draws are per process like its crops (fields reseeded with the crops)."""
    from ganforge.training.objectives.text import CaptionField

    config = load_config("dcgan-digits", tiny_overrides())
    seed_everything(config.seed)
    batches = build_state(config).batches
    batches.fields = {"caption": CaptionField([[0, 1, 2]] * len(batches.data.images), config.seed)}
    states = []
    for seed in (11, 12, 11):
        batches.seed_own_draws(seed)
        states.append(batches.state_dict())
    for key in ("crop_generator", "fields"):
        first, other, again = (state[key] for state in states)
        flat = [s if isinstance(s, torch.Tensor) else s["caption"]["generator"] for s in (first, other, again)]
        assert not torch.equal(flat[0], flat[1]) and torch.equal(flat[0], flat[2]), key
