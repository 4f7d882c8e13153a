"""`train_evaluator`: from a data source to a saved evaluator directory with its report.

Labelled data trains a classifier (a small CNN for small images, Inception-v3 fine-tuning
for images whose shorter side is at least `INCEPTION_MIN_SIDE`); unlabelled data trains the
small CNN contrastively. Either way the saved JSON records the architecture, preprocessing,
feature layer, validation accuracy (supervised) and the real-vs-real FID floor.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
from torch import Tensor, nn

from ganforge import __version__
from ganforge.errors import UserError
from ganforge.evaluators.architectures import build_network
from ganforge.evaluators.dataset import RealImages, indices_digest, load_real_images, stratified_split
from ganforge.evaluators.files import save_evaluator
from ganforge.evaluators.floor import floor_fid
from ganforge.evaluators.network import EvaluatorNet, run_evaluator
from ganforge.evaluators.preprocess import preprocess_each, preprocessing_spec
from ganforge.evaluators.selfsupervised import ContrastiveSettings, train_contrastive
from ganforge.evaluators.supervised import SupervisedSettings, train_classifier

MODES = ("auto", "supervised", "selfsupervised")
INCEPTION_MIN_SIDE = 128  # labelled images at least this large fine-tune Inception-v3
VAL_FRACTION = 0.2
SMALL_CNN_WIDTHS = [32, 64, 128]
DEFAULT_EPOCHS = {"small_cnn": 30, "simclr": 30, "inception_v3": 3}


@dataclass
class Plan:
    """What will be trained: mode, architecture entry, preprocessing and the training routine."""

    mode: str
    architecture: dict
    preprocessing: dict
    routine: str  # key of DEFAULT_EPOCHS


def _small_input_size(min_side: int) -> int:
    return 32 if min_side < 64 else 64


def plan_training(data: RealImages, mode: str) -> Plan:
    """Choose mode and network from the data: labels, image size and colour."""
    has_labels = data.labels is not None and len(torch.unique(data.labels)) >= 2
    if mode == "supervised" and not has_labels:
        raise UserError(
            f"--mode supervised: {data.source} has no class labels (2+ classes needed; "
            "put images in one sub-folder per class, or use --mode selfsupervised)"
        )
    supervised = has_labels and mode != "selfsupervised"
    channels = 1 if data.is_grayscale else 3
    if supervised and data.min_side >= INCEPTION_MIN_SIDE:
        num_classes = len(data.class_names) if data.class_names else int(data.labels.max()) + 1
        return Plan(
            "supervised",
            {"name": "inception_v3", "num_classes": num_classes},
            preprocessing_spec(299, 3),
            "inception_v3",
        )
    size = _small_input_size(data.min_side)
    num_classes = None
    if supervised:
        num_classes = len(data.class_names) if data.class_names else int(data.labels.max()) + 1
    architecture = {"name": "small_cnn", "in_channels": channels, "widths": SMALL_CNN_WIDTHS, "num_classes": num_classes}
    return Plan(
        "supervised" if supervised else "selfsupervised",
        architecture,
        preprocessing_spec(size, channels),
        "small_cnn" if supervised else "simclr",
    )


def _batch_source(data: RealImages, preprocessing: dict, precompute: bool) -> Callable[[Tensor], Tensor]:
    """indices -> preprocessed float batch; small inputs are preprocessed once, large ones per batch."""
    if precompute:
        everything = preprocess_each(data.images, preprocessing)
        return lambda indices: everything[indices]
    return lambda indices: preprocess_each([data.images[i] for i in indices.tolist()], preprocessing)


def _pick_device(name: str) -> torch.device:
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise UserError("--device cuda: no CUDA device is available (use auto or cpu)")
    if name not in ("cpu", "cuda"):
        raise UserError(f"--device {name}: expected auto, cpu or cuda")
    return torch.device(name)


def _accuracy(evaluator: EvaluatorNet, images: list[Tensor], labels: Tensor) -> float:
    predictions = run_evaluator(evaluator, images)["logits"].argmax(dim=1)
    return float((predictions == labels).double().mean())


def validation_accuracy(evaluator: EvaluatorNet, data: RealImages, meta: dict) -> float:
    """Accuracy on the held-out split recorded in `meta` (rebuilt from its seed; digest checked)."""
    split = meta["split"]
    _, val = stratified_split(data.labels, split["val_fraction"], split["seed"])
    if indices_digest(val) != split["val_indices_sha256"]:
        raise UserError("validation split differs from the one recorded in evaluator.json (data changed?)")
    return _accuracy(evaluator, [data.images[i] for i in val.tolist()], data.labels[val])


def train_evaluator(
    data: str,
    out: str | Path,
    *,
    mode: str = "auto",
    epochs: int | None = None,
    seed: int = 0,
    weights: str | None = None,
    device: str = "cpu",
    max_images: int | None = None,
    log: Callable[[str], None] | None = None,
) -> dict:
    """Train an evaluator on `data` (builtin:NAME, folder or zip) and save it to `out`.

    Returns the evaluator.json contents. Deterministic on CPU for a given `seed`.
    `weights` is the FID Inception file used to start Inception-v3 fine-tuning.
    """
    if mode not in MODES:
        raise UserError(f"--mode {mode}: expected one of {', '.join(MODES)}")
    if epochs is not None and epochs < 1:
        raise UserError(f"--epochs {epochs}: expected a positive number of epochs")
    if max_images is not None and max_images < 1:
        raise UserError(f"--max-images {max_images}: expected a positive number")
    say = log or (lambda message: None)
    target = _pick_device(device)
    labels_wanted = {"auto": None, "supervised": True, "selfsupervised": False}[mode]
    real = load_real_images(data, labels_wanted, max_images=max_images, seed=seed)
    if len(real) < 4:
        raise UserError(f"{data}: {len(real)} readable images; an evaluator needs at least 4")
    plan = plan_training(real, mode)
    epochs = epochs or DEFAULT_EPOCHS[plan.routine]
    say(f"{data}: {len(real)} images; {plan.mode} {plan.architecture['name']} for {epochs} epochs")

    torch.manual_seed(seed)  # weight initialisation
    generator = torch.Generator().manual_seed(seed)  # batch order and augmentation
    network = _initial_network(plan, weights).to(target)
    batches = _batch_source(real, plan.preprocessing, precompute=plan.routine != "inception_v3")
    report = _train(plan, network, batches, real, epochs, seed, generator, target, say)

    evaluator = EvaluatorNet(network, plan.preprocessing)
    features = run_evaluator(evaluator, real.images)["features"]
    if plan.mode == "supervised":
        val = report["split"]["val_indices"]
        report["val_accuracy"] = _accuracy(evaluator, [real.images[i] for i in val], real.labels[val])
        say(f"validation accuracy {report['val_accuracy']:.4f} on {len(val)} held-out images")
    report["floor_fid"], report["floor_n"] = floor_fid(features, seed)
    say(f"floor FID {report['floor_fid']:.4f} (two disjoint halves of {report['floor_n']} real images)")
    del report["split"]["val_indices"]

    meta = {
        "name": Path(out).resolve().name,
        "mode": plan.mode,
        "architecture": plan.architecture,
        "preprocessing": plan.preprocessing,
        "feature_layer": {
            "name": "features",
            "where": network.feature_layer,
            "dim": network.feature_dim,
        },
        "classes": real.class_names if plan.mode == "supervised" else None,
        **report,
        "data": {"source": data, "n": len(real), "fingerprint": real.fingerprint, "max_images": max_images},
        "ganforge_version": __version__,
    }
    return save_evaluator(out, network, meta)


def _initial_network(plan: Plan, weights: str | None) -> nn.Module:
    if plan.routine == "inception_v3":
        from ganforge.evaluators.inception_finetune import pretrained_inception_classifier

        return pretrained_inception_classifier(plan.architecture["num_classes"], weights)
    return build_network(plan.architecture)


def _train(
    plan: Plan,
    network: nn.Module,
    batches: Callable[[Tensor], Tensor],
    real: RealImages,
    epochs: int,
    seed: int,
    generator: torch.Generator,
    device: torch.device,
    say: Callable[[str], None],
) -> dict:
    """Run the plan's routine; returns the training part of the report (split, losses, settings)."""

    def on_epoch(epoch: int, loss: float) -> None:
        say(f"epoch {epoch + 1}/{epochs}: loss {loss:.4f}")

    if plan.mode == "selfsupervised":
        settings = ContrastiveSettings(epochs=epochs)
        losses = train_contrastive(network, batches, len(real), settings, generator, device, on_epoch)
        return {
            "val_accuracy": None,
            "split": {"val_indices": []},
            "training": {**settings.describe(), "seed": seed, "loss_per_epoch": losses, "train_n": len(real)},
        }
    train_idx, val_idx = stratified_split(real.labels, VAL_FRACTION, seed)
    settings = _supervised_settings(plan, epochs)
    labels = real.labels[train_idx]
    losses = train_classifier(
        network, lambda batch: batches(train_idx[batch]), labels, settings, generator, device, on_epoch
    )
    return {
        "val_n": len(val_idx),
        "split": {
            "seed": seed,
            "val_fraction": VAL_FRACTION,
            "stratified": True,
            "val_indices": val_idx.tolist(),
            "val_indices_sha256": indices_digest(val_idx),
        },
        "training": {**settings.describe(), "seed": seed, "loss_per_epoch": losses, "train_n": len(train_idx)},
    }


def _supervised_settings(plan: Plan, epochs: int) -> SupervisedSettings:
    if plan.routine == "inception_v3":
        from ganforge.evaluators.inception_finetune import FINETUNE_SETTINGS

        return SupervisedSettings(epochs=epochs, **FINETUNE_SETTINGS)
    return SupervisedSettings(epochs=epochs)
