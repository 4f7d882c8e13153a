"""Inception-v3 fine-tuning for large labelled images, on calibrated random weights (no download)."""

from __future__ import annotations

import pytest
import torch
from evaluator_helpers import png_folder
from safetensors.torch import load_file

from ganforge.errors import UserError
from ganforge.evaluators.train import train_evaluator
from ganforge.metrics.features.domain.files import WEIGHTS_FILE, load_evaluator
from ganforge.metrics.weights import sha256_of_file
from inception_calibration import calibrated_random_inception_state, varied_images


@pytest.fixture(scope="module")
def large_labelled_folder(tmp_path_factory):
    """Two classes of three 128×128 images each, one sub-folder per class."""
    root = tmp_path_factory.mktemp("large")
    images = varied_images(6, 128, seed=5).permute(0, 2, 3, 1).numpy()
    png_folder(root / "bright", images[:3])
    png_folder(root / "dark", images[3:] // 3)
    return root


def test_missing_inception_weights_is_a_user_error(large_labelled_folder, tmp_path):
    with pytest.raises(UserError, match="nothing-here.pth"):
        train_evaluator(
            str(large_labelled_folder), tmp_path / "x", weights=str(tmp_path / "nothing-here.pth")
        )


@pytest.mark.slow
def test_large_labelled_images_fine_tune_inception(large_labelled_folder, tmp_path):
    weights = tmp_path / "calibrated.pth"
    initial = calibrated_random_inception_state(seed=0, batches=1, batch_size=4)
    torch.save(initial, weights)
    out = tmp_path / "inception-eval"
    meta = train_evaluator(str(large_labelled_folder), out, weights=str(weights), epochs=1, seed=0)
    assert meta["mode"] == "supervised"
    assert meta["architecture"] == {"name": "inception_v3", "num_classes": 2}
    assert meta["preprocessing"]["input_size"] == 299 and meta["preprocessing"]["channels"] == 3
    assert meta["training"]["init_weights_sha256"] == sha256_of_file(weights)
    assert meta["training"]["freeze_batchnorm"] is True
    assert meta["val_n"] == 2 and meta["training"]["train_n"] == 4
    assert meta["floor_fid"] is None  # 2 held-out images cannot make two halves of 2
    trained = load_file(out / WEIGHTS_FILE)
    first_conv = "trunk.0.conv.weight"
    assert not torch.equal(
        trained[first_conv], initial["Conv2d_1a_3x3.conv.weight"]
    )  # the trunk learned
    assert torch.equal(trained["trunk.0.bn.running_mean"], initial["Conv2d_1a_3x3.bn.running_mean"])
    evaluator, _ = load_evaluator(out)
    outputs = evaluator(varied_images(3, 128, seed=9))
    assert outputs["features"].shape == (3, 2048) and outputs["logits"].shape == (3, 2)
    assert float(outputs["features"].std(dim=0).mean()) > 1e-2 * float(
        outputs["features"].abs().mean()
    )


def test_init_inception_fine_tunes_inception_whatever_the_image_size():
    from ganforge.evaluators.dataset import load_real_images
    from ganforge.evaluators.plan import plan_training

    real = load_real_images("builtin:shapes", True, max_images=20, seed=0)  # 32×32 images
    plan = plan_training(real, "auto", "inception")
    assert plan.routine == "inception_v3" and plan.architecture == {"name": "inception_v3", "num_classes": 5}
    assert plan.preprocessing["input_size"] == 299 and plan.preprocessing["channels"] == 3
    assert plan_training(real, "auto").routine == "small_cnn"
    with pytest.raises(UserError, match="--init inception: fine-tuning needs class labels"):
        plan_training(real, "selfsupervised", "inception")
    with pytest.raises(UserError, match="--init resnet: expected one of auto, inception"):
        plan_training(real, "auto", "resnet")
