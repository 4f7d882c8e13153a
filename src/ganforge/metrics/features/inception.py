"""The FID Inception-v3 (METRICS.md §1) as a feature extractor: uint8 images -> pool3, logits_unbiased.

The network is torchvision's Inception-v3 with the pool branches of the 2015 TensorFlow
graph; its state-dict names are those of `pt_inception-2015-12-05-6726825d.pth`
(pytorch-fid) and of torch-fidelity's converted weights. Speed comes only from exact
rewrites of the same arithmetic (see `inception_fast.py`), checked against the plain model.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torchvision.models import inception_v3
from torchvision.models.inception import Inception3, InceptionA, InceptionC, InceptionE

from ganforge.errors import UserError
from ganforge.metrics.features import register_features
from ganforge.metrics.features.base import FeatureExtractor
from ganforge.metrics.features.inception_fast import exact_fp32, memory_format_for, optimised_trunk
from ganforge.metrics.resize import get_resize_mode
from ganforge.metrics.weights import (
    CANONICAL_SHA256,
    INCEPTION_URL,
    WEIGHTS_ENV,
    ResolvedWeights,
    load_state_dict_file,
    resolve_inception_weights,
)

BN_EPS = 1e-3
CLASSIFIER_KEYS = {"fc.weight", "fc.bias"}
# Images per forward pass: small CPU batches keep activations in cache (measured: 16 beats 32).
DEFAULT_BATCH_SIZE = {"cpu": 16, "cuda": 128}


def tf_avg_pool(x: Tensor) -> Tensor:
    """3×3 average pool, stride 1, that ignores the zero padding (TensorFlow's "SAME" pooling)."""
    return F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)


def tf_max_pool(x: Tensor) -> Tensor:
    """3×3 max pool, stride 1: what the 2015 graph uses in Mixed_7c's pool branch."""
    return F.max_pool2d(x, kernel_size=3, stride=1, padding=1)


class FIDInceptionA(InceptionA):
    """Mixed_5b..5d: InceptionA with the padding-free average pool."""

    def forward(self, x: Tensor) -> Tensor:
        branch5x5 = self.branch5x5_2(self.branch5x5_1(x))
        branch3x3dbl = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        branch_pool = self.branch_pool(tf_avg_pool(x))
        return torch.cat([self.branch1x1(x), branch5x5, branch3x3dbl, branch_pool], 1)


class FIDInceptionC(InceptionC):
    """Mixed_6b..6e: InceptionC with the padding-free average pool."""

    def forward(self, x: Tensor) -> Tensor:
        branch7x7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        branch7x7dbl = self.branch7x7dbl_1(x)
        branch7x7dbl = self.branch7x7dbl_3(self.branch7x7dbl_2(branch7x7dbl))
        branch7x7dbl = self.branch7x7dbl_5(self.branch7x7dbl_4(branch7x7dbl))
        branch_pool = self.branch_pool(tf_avg_pool(x))
        return torch.cat([self.branch1x1(x), branch7x7, branch7x7dbl, branch_pool], 1)


class FIDInceptionE(InceptionE):
    """Mixed_7b (padding-free average pool) and Mixed_7c (max pool)."""

    def __init__(self, in_channels: int, pool: Callable[[Tensor], Tensor] = tf_avg_pool) -> None:
        super().__init__(in_channels)
        self.pool = pool

    def forward(self, x: Tensor) -> Tensor:
        branch3x3 = self.branch3x3_1(x)
        branch3x3 = torch.cat([self.branch3x3_2a(branch3x3), self.branch3x3_2b(branch3x3)], 1)
        branch3x3dbl = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        branch3x3dbl = torch.cat([self.branch3x3dbl_3a(branch3x3dbl), self.branch3x3dbl_3b(branch3x3dbl)], 1)
        branch_pool = self.branch_pool(self.pool(x))
        return torch.cat([self.branch1x1(x), branch3x3, branch3x3dbl, branch_pool], 1)


def build_fid_inception() -> Inception3:
    """The FID Inception-v3 with random (PyTorch default) initialisation, in eval mode."""
    network = inception_v3(
        weights=None, aux_logits=False, init_weights=False, num_classes=1008, transform_input=False
    )
    network.Mixed_5b = FIDInceptionA(192, pool_features=32)
    network.Mixed_5c = FIDInceptionA(256, pool_features=64)
    network.Mixed_5d = FIDInceptionA(288, pool_features=64)
    network.Mixed_6b = FIDInceptionC(768, channels_7x7=128)
    network.Mixed_6c = FIDInceptionC(768, channels_7x7=160)
    network.Mixed_6d = FIDInceptionC(768, channels_7x7=160)
    network.Mixed_6e = FIDInceptionC(768, channels_7x7=192)
    network.Mixed_7b = FIDInceptionE(1280, pool=tf_avg_pool)
    network.Mixed_7c = FIDInceptionE(2048, pool=tf_max_pool)
    for module in network.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.eps = BN_EPS
    return network.eval().requires_grad_(False)


def load_fid_inception(path: str | os.PathLike) -> tuple[Inception3, bool]:
    """(FID Inception-v3 with the weights of `path`, whether they hold the 1008-class classifier).

    Weights without `fc.*` (pool3-only conversions) are accepted; UserError naming the file
    when anything else does not fit.
    """
    network = build_fid_inception()
    state = load_state_dict_file(path)
    try:
        result = network.load_state_dict(state, strict=False)
    except RuntimeError as err:  # shape mismatches raise even when not strict
        problem = next(line.strip() for line in str(err).splitlines() if "size mismatch" in line)
        raise UserError(f"{path}: not FID Inception-v3 weights ({problem[:200]})") from None
    missing = [key for key in result.missing_keys if key not in CLASSIFIER_KEYS]
    if missing or result.unexpected_keys:
        raise UserError(
            f"{path}: not FID Inception-v3 weights ({len(missing)} tensors missing, "
            f"{len(result.unexpected_keys)} unexpected; e.g. {(missing or result.unexpected_keys)[0]})"
        )
    return network, "fc.weight" not in result.missing_keys


def fid_trunk(network: Inception3) -> nn.Sequential:
    """The layers from the normalised input [N,3,299,299] to pool3 [N,2048] (shared, not copied)."""
    return nn.Sequential(
        network.Conv2d_1a_3x3, network.Conv2d_2a_3x3, network.Conv2d_2b_3x3, network.maxpool1,
        network.Conv2d_3b_1x1, network.Conv2d_4a_3x3, network.maxpool2,
        network.Mixed_5b, network.Mixed_5c, network.Mixed_5d,
        network.Mixed_6a, network.Mixed_6b, network.Mixed_6c, network.Mixed_6d, network.Mixed_6e,
        network.Mixed_7a, network.Mixed_7b, network.Mixed_7c,
        network.avgpool, nn.Flatten(),
    )  # fmt: skip


class InceptionFeatures(FeatureExtractor):
    """FID Inception-v3: uint8 RGB [N,3,H,W] -> {"pool3": [N,2048], "logits_unbiased": [N,1008]} float32.

    With `classifier=False` (pool3-only weights) there is no "logits_unbiased" layer.
    `optimise=False` runs the plain network (the reference the optimised one is tested
    against); `compile=True` adds `torch.compile` on top of the exact rewrites. Features are
    returned on `device`; images are processed `batch_size` at a time (default by device type).
    """

    name = "inception"
    layers = ("pool3", "logits_unbiased")

    def __init__(
        self,
        network: Inception3,
        *,
        weights_sha256: str,
        weights_source: dict | None = None,
        classifier: bool = True,
        resize: str = "tf1",
        device: str | torch.device = "cpu",
        optimise: bool = True,
        compile: bool = False,
        batch_size: int | None = None,
    ) -> None:
        super().__init__()
        self.resize = resize
        self.to_network_input = get_resize_mode(resize)
        self.weights_sha256 = weights_sha256
        self.weights_source = weights_source or {}
        self.layers = ("pool3", "logits_unbiased") if classifier else ("pool3",)
        self.device = torch.device(device)
        self.batch_size = batch_size or DEFAULT_BATCH_SIZE.get(self.device.type, 16)
        self.memory_format = memory_format_for(self.device) if optimise else torch.contiguous_format
        trunk = optimised_trunk(fid_trunk(network), self.device) if optimise else fid_trunk(network)
        self.trunk = trunk.to(self.device).eval().requires_grad_(False)
        classifier_weight = network.fc.weight.detach().clone().to(self.device) if classifier else None
        self.register_buffer("classifier_weight", classifier_weight)
        if compile:
            self.trunk.compile()  # in place: state-dict names stay those of the trunk
        self.eval()

    def forward(self, images: Tensor) -> dict[str, Tensor]:
        """uint8 RGB [N,3,H,W] (any H, W) -> float32 pool3 [N,2048] and logits_unbiased [N,1008]."""
        with torch.inference_mode(), exact_fp32():
            batches = [self._pool3(batch) for batch in images.split(self.batch_size)]
            pool3 = torch.cat(batches) if batches else torch.zeros(0, 2048, device=self.device)
            if self.classifier_weight is None:
                return {"pool3": pool3}
            return {"pool3": pool3, "logits_unbiased": pool3 @ self.classifier_weight.T}

    def _pool3(self, images: Tensor) -> Tensor:
        network_input = self.to_network_input(images.to(self.device))
        return self.trunk(network_input.contiguous(memory_format=self.memory_format))

    def protocol(self) -> dict:
        return {
            "features": "inception-v3-fid",
            "weights_sha256": self.weights_sha256,
            "weights_source": self.weights_source,
            "resize": self.resize,
            "layers": list(self.layers),
        }

    def unavailable(self, layer: str) -> str | None:
        if layer == "logits_unbiased" and layer not in self.layers:
            return (
                f"the Inception weights in use (SHA-256 {self.weights_sha256[:12]}...) have no 1008-class "
                f"classifier; pass the full weights {INCEPTION_URL.rsplit('/', 1)[-1]} (SHA-256 "
                f"{CANONICAL_SHA256[:8]}..., from {INCEPTION_URL}) with --weights PATH or {WEIGHTS_ENV}=PATH"
            )
        return None

    @property
    def is_imagenet(self) -> bool:
        return True


@register_features("inception")
def inception_features(
    weights: str | os.PathLike | None = None,
    resize: str = "tf1",
    device: str | torch.device = "cpu",
    *,
    optimise: bool = True,
    compile: bool = False,
    batch_size: int | None = None,
) -> InceptionFeatures:
    """The `inception` extractor: weights from `weights`, env, cache or download (see weights.py)."""
    get_resize_mode(resize)  # reject a bad mode before any download
    resolved: ResolvedWeights = resolve_inception_weights(weights)
    network, classifier = load_fid_inception(resolved.path)
    return InceptionFeatures(
        network,
        weights_sha256=resolved.sha256,
        weights_source=resolved.source,
        classifier=classifier,
        resize=resize,
        device=device,
        optimise=optimise,
        compile=compile,
        batch_size=batch_size,
    )
