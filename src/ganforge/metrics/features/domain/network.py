"""An evaluator as one module: uint8 RGB images in, features (and class logits) out."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ganforge.metrics.features.domain.preprocess import preprocess
from ganforge.metrics.features.inception_fast import exact_fp32


class EvaluatorNet(nn.Module):
    """Preprocessing (as recorded in evaluator.json) followed by the trained network, in eval mode.

    forward(uint8 RGB [N,3,H,W]) -> {"features": [N,d] float32, "logits": [N,K] float32
    (supervised evaluators only)}.
    """

    def __init__(self, network: nn.Module, preprocessing: dict) -> None:
        super().__init__()
        self.network = network
        self.preprocessing = preprocessing
        self.eval()

    @property
    def has_logits(self) -> bool:
        return self.network.head is not None

    @torch.inference_mode()
    def forward(self, images: Tensor) -> dict[str, Tensor]:
        device = next(self.network.parameters()).device
        with exact_fp32():  # TF32 off on CUDA: features as exact as on the CPU
            features = self.network.embed(preprocess(images.to(device), self.preprocessing))
            outputs = {"features": features.float()}
            if self.has_logits:
                outputs["logits"] = self.network.head(features).float()
        return outputs

    def train(self, mode: bool = True) -> EvaluatorNet:
        # An evaluator is a fixed function: BatchNorm statistics must never update here.
        return super().train(False)


def run_evaluator(
    evaluator: EvaluatorNet, images: list[Tensor], batch_size: int = 256
) -> dict[str, Tensor]:
    """Outputs for uint8 RGB images [3,H,W] (sizes may differ), concatenated on the CPU.

    Equal-sized images go through in batches of `batch_size`; a batch of mixed sizes goes one by one.
    """
    chunks: dict[str, list[Tensor]] = {}
    for start in range(0, len(images), batch_size):
        batch = images[start : start + batch_size]
        if all(img.shape == batch[0].shape for img in batch):
            groups = [torch.stack(batch)]
        else:
            groups = [img.unsqueeze(0) for img in batch]
        for group in groups:
            for key, value in evaluator(group).items():
                chunks.setdefault(key, []).append(value.cpu())
    return {key: torch.cat(values) for key, values in chunks.items()}
