"""One step on 2 processes with global batch 2B equals one process with batch 2B (same data, latents)."""

import torch
import torch.multiprocessing as mp
from launch_helpers import free_port, tiny_overrides
from workers import one_step, one_step_state

from ganforge.config import load_config
from ganforge.training.rng import seed_everything
from ganforge.training.state import build_state

BATCH = 8  # global
PRESET = "gan-mlp-digits"  # no BatchNorm: SyncBatchNorm, which would make BN models match, is CUDA-only
OVERRIDES = tiny_overrides(**{
    "train.batch_size": BATCH, "model.g.width": 16, "model.d.width": 16,
    "model.d.spectral_norm": True,  # power-iteration buffers in D
    "loss.r1_gamma": 1.0, "loss.r1_every": 1,  # a double backward through D
    "train.n_dis": 2,  # a G forward without gradients, then one kept for the G phase
})


def test_two_processes_step_like_one_with_the_global_batch(tmp_path):
    config = load_config(PRESET, OVERRIDES)
    latents = torch.randn(BATCH, config.model.z_dim, generator=torch.Generator().manual_seed(5))
    out = tmp_path / "two.pt"
    mp.spawn(one_step, args=(2, free_port(), PRESET, OVERRIDES, latents, str(out)), nprocs=2)
    two = torch.load(out, weights_only=True)
    one = one_step_state(config, latents)
    seed_everything(config.seed)
    initial = build_state(config)
    for name, net in one.networks.items():
        reference = net.state_dict()
        assert reference.keys() == two[name].keys()
        for key, value in reference.items():
            torch.testing.assert_close(two[name][key], value, rtol=0, atol=1e-6, msg=f"{name}.{key}")
        moved = max((value - initial.networks[name].state_dict()[key]).abs().max() for key, value in reference.items())
        assert moved > 1e-5, name  # the step changed the weights (lr 1e-3)
