"""Pieces of multi-process training that need no process group: batch split, per-process
checkpoint entries, the --nproc command line."""

import pytest
import torch
from launch_helpers import as_cli, tiny_overrides

from ganforge.cli import main
from ganforge.config import load_config
from ganforge.distributed import Distribution
from ganforge.distributed.launch import launcher_command, without_nproc
from ganforge.distributed.ranks import own_rank_state, per_process_batch, with_all_ranks
from ganforge.distributed.wrap import use_sync_batchnorm
from ganforge.errors import UserError
from ganforge.training.loop import train


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
    assert own_rank_state(checkpoint, Distribution(rank=1, world_size=2), seed=0) is checkpoint["ranks"][1]
    single = {"rng": 1, "batches": 2, "objective": 3, "step": 0}
    assert own_rank_state(single, Distribution(), seed=0) == {"rng": 1, "batches": 2, "objective": 3}
    assert with_all_ranks(single, Distribution()) is single  # one process: the format is unchanged


def test_another_world_size_warns_once_and_gives_new_processes_fresh_streams():
    checkpoint = _checkpoint(2)
    with pytest.warns(UserWarning, match="written by 2 process.*resuming with 3"):
        own_rank_state(checkpoint, Distribution(rank=0, world_size=3), seed=0)
    kept = own_rank_state(checkpoint, Distribution(rank=1, world_size=3), seed=0)
    assert kept["rng"] is checkpoint["ranks"][1]["rng"]
    fresh = [own_rank_state(checkpoint, Distribution(rank=rank, world_size=4), seed=0) for rank in (2, 3)]
    for entries in fresh:
        assert entries["batches"]["sampler"] == {"position": 5}  # the data order carries on
        assert entries["objective"] == {"d_steps_done": 7}
    assert not torch.equal(fresh[0]["rng"]["torch"], fresh[1]["rng"]["torch"])
    assert not torch.equal(fresh[0]["batches"]["crop_generator"], fresh[1]["batches"]["crop_generator"])


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
