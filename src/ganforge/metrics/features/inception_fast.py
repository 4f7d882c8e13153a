"""Exact speed-ups of the FID Inception trunk: the same arithmetic, rearranged.

- BatchNorm folded into the preceding convolution (computed in float64, stored in float32);
- ReLU applied by oneDNN as a post-op of the convolution on CPU (one pass over memory;
  the values are those of a separate ReLU);
- channels_last memory layout (oneDNN and cuDNN run NHWC convolutions faster);
- full fp32 on CUDA (no TF32, no autotuned algorithm choice) while features are computed.

Folding changes results only by float32 rounding; tests hold the optimised trunk to
1e-5 relative of the plain one.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torchvision.models.inception import BasicConv2d


def _has_fused_conv_relu() -> bool:
    try:
        return torch.backends.mkldnn.is_available() and callable(torch.ops.mkldnn._convolution_pointwise)
    except (AttributeError, RuntimeError):  # torch builds without the oneDNN fused operator
        return False


FUSED_CONV_RELU = _has_fused_conv_relu()


def folded_conv(block: BasicConv2d) -> nn.Conv2d:
    """conv (no bias) + eval-mode BatchNorm -> one conv with bias; folding done in float64."""
    conv, norm = block.conv, block.bn
    scale = norm.weight.double() / torch.sqrt(norm.running_var.double() + norm.eps)
    fused = nn.Conv2d(
        conv.in_channels, conv.out_channels, conv.kernel_size,
        stride=conv.stride, padding=conv.padding, bias=True,
    )  # fmt: skip
    fused.weight.data = (conv.weight.double() * scale[:, None, None, None]).float()
    fused.bias.data = (norm.bias.double() - norm.running_mean.double() * scale).float()
    return fused


class ConvReLU(nn.Module):
    """relu(conv(x) + bias) for [N,C,H,W] float32; on CPU one oneDNN call with a ReLU post-op."""

    def __init__(self, conv: nn.Conv2d) -> None:
        super().__init__()
        self.weight = nn.Parameter(conv.weight.detach().clone(), requires_grad=False)
        self.bias = nn.Parameter(conv.bias.detach().clone(), requires_grad=False)
        self.stride, self.padding = list(conv.stride), list(conv.padding)

    def forward(self, x: Tensor) -> Tensor:
        if FUSED_CONV_RELU and x.device.type == "cpu":
            return torch.ops.mkldnn._convolution_pointwise(
                x, self.weight, self.bias, self.padding, self.stride, [1, 1], 1, "relu", [], ""
            )
        return F.relu(F.conv2d(x, self.weight, self.bias, self.stride, self.padding), inplace=True)


def optimised_trunk(trunk: nn.Module) -> nn.Module:
    """A channels_last copy of the trunk whose conv+BN+ReLU blocks are single `ConvReLU`s."""
    optimised = copy.deepcopy(trunk)
    for parent in list(optimised.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, BasicConv2d):
                setattr(parent, name, ConvReLU(folded_conv(child)))
    return optimised.to(memory_format=torch.channels_last).eval().requires_grad_(False)


def _fp32_flags() -> tuple:
    cudnn, matmul = torch.backends.cudnn, torch.backends.cuda.matmul
    if hasattr(cudnn, "conv"):  # torch >= 2.9: per-backend precision settings
        return cudnn.conv.fp32_precision, matmul.fp32_precision, cudnn.benchmark
    return cudnn.allow_tf32, matmul.allow_tf32, cudnn.benchmark


def _set_fp32_flags(conv_precision, matmul_precision, benchmark: bool) -> None:
    cudnn, matmul = torch.backends.cudnn, torch.backends.cuda.matmul
    if hasattr(cudnn, "conv"):
        cudnn.conv.fp32_precision, matmul.fp32_precision = conv_precision, matmul_precision
    else:
        cudnn.allow_tf32, matmul.allow_tf32 = conv_precision, matmul_precision
    cudnn.benchmark = benchmark


@contextmanager
def exact_fp32() -> Iterator[None]:
    """Full-precision float32 on CUDA for the duration: TF32 off, cudnn.benchmark off."""
    saved = _fp32_flags()
    exact = ("ieee", "ieee", False) if hasattr(torch.backends.cudnn, "conv") else (False, False, False)
    _set_fp32_flags(*exact)
    try:
        yield
    finally:
        _set_fp32_flags(*saved)
