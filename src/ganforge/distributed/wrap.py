"""Gradient all-reduce for every network a task declares, with no task-specific code.

Each network with trainable weights goes into `GradientSync`, PyTorch's DistributedDataParallel
with two changes that GAN phases need:

- A network whose weights are frozen in the current phase (D in a G phase) or that runs
  without autograd is called directly: DDP's reducer would otherwise wait for gradients that
  never come. So `find_unused_parameters` stays off (cheaper, and correct with several forwards
  per backward: D on reals, on fakes, and for R1 or the gradient penalty).
- Attributes of the network (`z_dim`, `num_classes`, ...) stay reachable through the wrapper.

Buffers (BatchNorm statistics, spectral norm's power-iteration vectors) are broadcast from
process 0 before each forward, as DDP does by default. The EMA copy and checkpoints use the
plain module underneath; objectives call the wrapper.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from ganforge.distributed.context import Distribution
from ganforge.errors import UserError


class GradientSync(DistributedDataParallel):
    def forward(self, *args, **kwargs):
        if not torch.is_grad_enabled() or not any(p.requires_grad for p in self.module.parameters()):
            return self.module(*args, **kwargs)
        return super().forward(*args, **kwargs)

    def __getattr__(self, name: str):
        try:
            return super().__getattr__(name)
        except AttributeError:
            if name == "module":  # not set yet (inside DDP's own __init__)
                raise
            return getattr(self.module, name)


def use_sync_batchnorm(requested: bool | None, device: torch.device) -> bool:
    """None: on for CUDA (BatchNorm over the global batch, as on one GPU), off on CPU."""
    if requested and device.type != "cuda":
        raise UserError(
            "train.distributed.sync_batchnorm=true: PyTorch's SyncBatchNorm runs on CUDA only;"
            " set it to false (or leave it unset) for CPU processes"
        )
    return device.type == "cuda" if requested is None else requested


def wrap_networks(
    networks: dict[str, nn.Module], distribution: Distribution, device: torch.device, sync_batchnorm: bool | None
) -> dict[str, nn.Module]:
    """The networks as the objective should call them: unchanged for one process."""
    if not distribution.active:
        return dict(networks)
    sync = use_sync_batchnorm(sync_batchnorm, device)
    device_ids = [device.index if device.index is not None else torch.cuda.current_device()] if device.type == "cuda" else None
    wrapped = {}
    for name, net in networks.items():
        if sync:  # in place for every child: the optimisers keep the same Parameter objects
            nn.SyncBatchNorm.convert_sync_batchnorm(net)
        if not any(p.requires_grad for p in net.parameters()):
            wrapped[name] = net  # nothing to all-reduce
            continue
        wrapped[name] = GradientSync(net, device_ids=device_ids)
    return wrapped
