"""Shared fixtures: tiny configs and isolated caches so tests never touch the user's home."""

from __future__ import annotations

import os

import pytest
import torch

from ganforge.metrics.weights import ResolvedWeights, installed_weights, torchscript_path
from ganforge.storage import ganforge_home

# Under pytest-xdist every core already runs a worker: one thread each (here and in the processes
# tests start) keeps them from oversubscribing the cores, which slows torch many times over.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = "1"
    torch.set_num_threads(1)

# Read before any test points GANFORGE_HOME elsewhere: where `make weights` installed the weights.
INSTALLED_HOME = ganforge_home()
NO_WEIGHTS = (
    f"real Inception weights not installed in {INSTALLED_HOME / 'weights'} "
    "(`make weights` installs them; it needs the package index)"
)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch):
    """Point GANFORGE_HOME at a per-session temp dir: no cache or weights leak between runs."""
    home = tmp_path_factory.getbasetemp() / "ganforge-home"
    monkeypatch.setenv("GANFORGE_HOME", str(home))
    monkeypatch.delenv("GANFORGE_INCEPTION_WEIGHTS", raising=False)
    return home


@pytest.fixture(scope="session")
def installed_home():
    """The ganforge home `make weights` installed into (read it, never write to it)."""
    return INSTALLED_HOME


@pytest.fixture(scope="session")
def real_inception() -> ResolvedWeights:
    """The installed real FID Inception weights (read only); skips with the reason when absent."""
    weights = installed_weights(INSTALLED_HOME)
    if weights is None:
        pytest.skip(NO_WEIGHTS)
    return weights


@pytest.fixture(scope="session")
def real_torchscript(real_inception):
    """The TorchScript FID Inception the installed weights were converted from (an independent oracle)."""
    from ganforge.metrics.features.inception_convert import load_torchscript
    from ganforge.metrics.weights import PACKAGE_SOURCE
    from ganforge.storage import sha256_of_file

    path = torchscript_path(INSTALLED_HOME)
    if not path.is_file() or sha256_of_file(path) != PACKAGE_SOURCE.sha256:
        pytest.skip(f"{path}: the TorchScript FID Inception is not installed ({NO_WEIGHTS})")
    return load_torchscript(path)


@pytest.fixture(scope="session")
def real_efficientnet():
    """The installed EfficientNet-Lite0 weights file (read only); skips with the reason when absent."""
    from ganforge.pretrained.efficientnet_weights import WEIGHTS_FILE, WEIGHTS_SHA256
    from ganforge.storage import sha256_of_file

    path = INSTALLED_HOME / "weights" / WEIGHTS_FILE
    if not path.is_file() or sha256_of_file(path) != WEIGHTS_SHA256:
        pytest.skip(f"EfficientNet-Lite0 weights not installed in {path.parent} (`make weights` installs "
                    "them from the package index, which could not be reached)")  # fmt: skip
    return path


_STAND_IN_STAGES = []


@pytest.fixture
def stand_in_efficientnet(monkeypatch):
    """Projected discriminators look through a random EfficientNet-Lite0 with calibrated BatchNorm
    (no weights file needed); returns a function that builds a fresh copy of its stages."""
    import copy

    import torch

    from ganforge.models import projected
    from ganforge.pretrained.efficientnet_lite import feature_stages

    if not _STAND_IN_STAGES:
        import timm

        with torch.random.fork_rng():
            torch.manual_seed(0)
            network = timm.create_model("tf_efficientnet_lite0", pretrained=False)
            norms = [m for m in network.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
            for norm in norms:
                norm.momentum = None  # cumulative averages over the calibration batches
            network.train()
            with torch.no_grad():
                for _ in range(3):
                    network(torch.rand(8, 3, 64, 64) * 2 - 1)
        _STAND_IN_STAGES.append(feature_stages(network.eval().requires_grad_(False)))
    monkeypatch.setattr(projected, "load_feature_stages", lambda: copy.deepcopy(_STAND_IN_STAGES[0]))
    return projected.load_feature_stages
