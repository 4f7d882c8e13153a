"""Frozen networks with their eval-mode BatchNorms folded into the convolutions before them.

A frozen network's BatchNorm is a fixed per-channel affine map; folded into the conv's weight
and bias (torch's `fuse_conv_bn_weights`) it costs nothing, in the forward pass and in the
backward pass that carries gradients to the images through it.
"""

from __future__ import annotations

from itertools import pairwise

from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_weights


def _fold(conv: nn.Conv2d, norm: nn.BatchNorm2d) -> nn.Module:
    """Folds `norm` into `conv` in place; returns what is left of the norm (its activation, if any)."""
    weight, bias = fuse_conv_bn_weights(
        conv.weight, conv.bias, norm.running_mean, norm.running_var, norm.eps, norm.weight, norm.bias
    )
    conv.weight, conv.bias = weight, bias
    # timm's BatchNormAct2d applies dropout (identity in eval) and its activation after the norm
    return nn.Sequential(getattr(norm, "drop", nn.Identity()), getattr(norm, "act", nn.Identity()))


def fold_batch_norms(network: nn.Module) -> nn.Module:
    """Folds every BatchNorm2d that directly follows a Conv2d among a module's children; in place.

    The norms must be in eval mode: folding uses their running statistics.
    """
    if any(m.training for m in network.modules() if isinstance(m, nn.BatchNorm2d)):
        raise ValueError("fold_batch_norms needs BatchNorms in eval mode")
    for module in list(network.modules()):
        for (_, conv), (name, norm) in pairwise(list(module.named_children())):
            if isinstance(conv, nn.Conv2d) and isinstance(norm, nn.BatchNorm2d):
                setattr(module, name, _fold(conv, norm))
    return network.eval().requires_grad_(False)
