"""Exact speed-ups of the FID Inception trunk: the same arithmetic, rearranged.

- BatchNorm folded into the preceding convolution (computed in float64, stored in float32);
- ReLU applied by oneDNN as a post-op of the convolution on CPU (one pass over memory;
  the values are those of a separate ReLU);
- channels_last memory layout on CPU (oneDNN runs NHWC convolutions faster; cuDNN's
  full-fp32 NHWC kernels measured slower than NCHW on an H100, so CUDA keeps NCHW);
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
    """Whether oneDNN's fused conv+ReLU runs in this torch build and agrees with conv then ReLU."""
    x = torch.linspace(-1, 1, 50).reshape(1, 2, 5, 5)
    weight, bias = torch.linspace(-1, 1, 54).reshape(3, 2, 3, 3), torch.tensor([0.1, -0.2, 0.0])
    try:
        fused = torch.ops.mkldnn._convolution_pointwise(x, weight, bias, [1, 1], [1, 1], [1, 1], 1, "relu", [], "")
    except (AttributeError, RuntimeError, NotImplementedError):  # builds without the fused operator
        return False
    return torch.allclose(fused, F.relu(F.conv2d(x, weight, bias, 1, 1)), rtol=1e-5, atol=1e-6)


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


# Fastest layout per device type for full-fp32 convolutions (measured); others keep NCHW.
MEMORY_FORMAT = {"cpu": torch.channels_last}


def memory_format_for(device: torch.device) -> torch.memory_format:
    return MEMORY_FORMAT.get(device.type, torch.contiguous_format)


def optimised_trunk(trunk: nn.Module, device: str | torch.device = "cpu") -> nn.Module:
    """A copy of the trunk on `device`, in its fastest layout, whose conv+BN+ReLU blocks are `ConvReLU`s."""
    device = torch.device(device)
    optimised = copy.deepcopy(trunk)
    for parent in list(optimised.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, BasicConv2d):
                setattr(parent, name, ConvReLU(folded_conv(child)))
    return optimised.to(device, memory_format=memory_format_for(device)).eval().requires_grad_(False)


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
