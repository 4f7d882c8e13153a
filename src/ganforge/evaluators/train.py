"""`train_evaluator`: from a data source to a saved evaluator directory with its report.

The saved JSON records the architecture, preprocessing, feature layer, the validation
accuracy (supervised), and what it gives on held-out images it was not trained on: the
real-vs-real FID floor (two disjoint halves) and, for classifiers, the domain IS of real images.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import torch
from torch import Tensor, nn

from ganforge import __version__
from ganforge.errors import UserError
from ganforge.evaluators.dataset import (
    RealImages,
    indices_digest,
    load_real_images,
    random_split,
    stratified_split,
)
from ganforge.evaluators.floor import floor_fid
from ganforge.evaluators.plan import DEFAULT_EPOCHS, MODES, Plan, plan_training
from ganforge.evaluators.selfsupervised import ContrastiveSettings, train_contrastive
from ganforge.evaluators.supervised import SupervisedSettings, train_classifier
from ganforge.metrics.features.domain.architectures import build_network
from ganforge.metrics.features.domain.files import save_evaluator
from ganforge.metrics.features.domain.network import EvaluatorNet, run_evaluator
from ganforge.metrics.features.domain.preprocess import preprocess_each
from ganforge.metrics.inception_score import inception_score

VAL_FRACTION = 0.2
MIN_IMAGES = 4  # a batch with a negative for contrastive training, and some images held out
MIN_HALF = 2  # images per floor half: a covariance needs two
IS_SPLITS = 10
LABELS_WANTED = {"auto": None, "supervised": True, "selfsupervised": False}


def train_evaluator(
    data: str | Path,
    out: str | Path,
    *,
    mode: str = "auto",
    epochs: int | None = None,
    seed: int = 0,
    weights: str | None = None,
    device: str = "cpu",
    max_images: int | None = None,
    log: Callable[[str], None] | None = None,
    init: str = "auto",
    noise: float | None = None,
) -> dict:
    """Train an evaluator on `data` (builtin:NAME, folder or zip), save it to `out`, return its JSON.

    Deterministic on CPU for a given `seed` (split, initialisation, batch order, augmentation).
    `weights`: FID Inception weights to fine-tune from (large labelled images only).
    `max_images`: train on a seeded random subset of that many images. `init="inception"`
    fine-tunes the pretrained FID Inception whatever the image size (labelled data only).
    `noise`: the largest std of the pixel noise added in supervised training (None: the default).
    """
    _check_arguments(mode, epochs, max_images, noise, seed)
    if Path(out).exists() and not Path(out).is_dir():
        raise UserError(f"--out {out}: exists and is not a directory")
    say = log or (lambda message: None)
    target = _pick_device(device)
    real = load_real_images(str(data), LABELS_WANTED[mode], max_images=max_images, seed=seed)
    if len(real) < MIN_IMAGES:
        raise UserError(
            f"{data}: {len(real)} readable images; an evaluator needs at least {MIN_IMAGES}"
        )
    plan = plan_training(real, mode, init)
    epochs = epochs or DEFAULT_EPOCHS[plan.routine]
    say(f"{data}: {len(real)} images; {plan.mode} {plan.architecture['name']} for {epochs} epochs")

    torch.manual_seed(seed)  # weight initialisation
    generator = torch.Generator().manual_seed(seed)  # batch order and augmentation
    network, init = _initial_network(plan, weights)
    network.to(target)
    # Small inputs are preprocessed once; 299×299 Inception inputs per batch, to bound memory.
    everything = (
        None if plan.routine == "inception_v3" else preprocess_each(real.images, plan.preprocessing)
    )

    def batch_inputs(indices: Tensor) -> Tensor:
        if everything is not None:
            return everything[indices]
        return preprocess_each([real.images[i] for i in indices.tolist()], plan.preprocessing)

    def on_epoch(epoch: int, loss: float) -> None:
        say(f"epoch {epoch + 1}/{epochs}: loss {loss:.4f}")

    if plan.mode == "supervised":
        report = _train_supervised(
            plan, network, batch_inputs, real, epochs, seed, generator, target, on_epoch, noise
        )
    else:
        report = _train_selfsupervised(
            network, batch_inputs, real, epochs, seed, generator, target, on_epoch
        )
    report["training"].update(init)

    evaluator = EvaluatorNet(network, plan.preprocessing)
    if plan.mode == "supervised":
        report["val_accuracy"] = validation_accuracy(evaluator, real, report["split"])
        say(
            f"validation accuracy {report['val_accuracy']:.4f} on {report['val_n']} held-out images"
        )
    held_out = [real.images[i] for i in report.pop("held_out").tolist()]
    report.update(held_out_report(evaluator, held_out, seed))
    if report["floor_fid"] is None:
        say(f"no floor FID: {len(held_out)} held-out images are too few for two halves of {MIN_HALF}")
    else:
        say(f"floor FID {report['floor_fid']:.4f} between two disjoint halves of "
            f"{report['floor_n']} held-out images (not trained on)")  # fmt: skip
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
        "data": {
            "source": str(data),
            "n": len(real),
            "fingerprint": real.fingerprint,
            "max_images": max_images,
            "image_size": _common_size(real),
            "grayscale": real.is_grayscale,
        },
        "ganforge_version": __version__,
    }
    return save_evaluator(out, network, meta)


def held_out_report(evaluator: EvaluatorNet, held_out: list[Tensor], seed: int) -> dict:
    """What the evaluator gives on images it was not trained on: the floor FID (two disjoint halves)
    and, for classifiers, the domain Inception Score of real images (the ceiling of a generator's)."""
    outputs = run_evaluator(evaluator, held_out) if held_out else {}
    report: dict = {"floor_fid": None, "floor_n": None, "floor_images": "held-out (not trained on)"}
    if len(held_out) >= 2 * MIN_HALF:
        report["floor_fid"], report["floor_n"] = floor_fid(outputs["features"], seed)
    if "logits" in outputs and len(held_out) >= IS_SPLITS:
        report["is_ceiling"], _ = inception_score(outputs["logits"], splits=IS_SPLITS)
    return report


def validation_accuracy(evaluator: EvaluatorNet, real: RealImages, split: dict) -> float:
    """Accuracy on the held-out split described by `split` (as in evaluator.json), rebuilt from its seed."""
    _, val = stratified_split(real.labels, split["val_fraction"], split["seed"])
    if indices_digest(val) != split["val_indices_sha256"]:
        raise UserError(
            "the validation split differs from the one recorded in evaluator.json (data changed?)"
        )
    logits = run_evaluator(evaluator, [real.images[i] for i in val.tolist()])["logits"]
    return float((logits.argmax(dim=1) == real.labels[val]).double().mean())


def _train_supervised(
    plan, network, batch_inputs, real, epochs, seed, generator, device, on_epoch, noise
) -> dict:
    train_idx, val_idx = stratified_split(real.labels, VAL_FRACTION, seed)
    overrides = _finetune_overrides(plan) | ({} if noise is None else {"noise_std": noise})
    settings = SupervisedSettings(epochs=epochs, **overrides)
    losses = train_classifier(
        network,
        lambda batch: batch_inputs(train_idx[batch]),
        real.labels[train_idx],
        settings,
        generator,
        device,
        on_epoch,
    )
    return {
        "held_out": val_idx,
        "val_accuracy": None,  # filled in after training
        "val_n": len(val_idx),
        "split": {
            "seed": seed,
            "val_fraction": VAL_FRACTION,
            "stratified": True,
            "val_indices_sha256": indices_digest(val_idx),
        },
        "training": {
            **settings.describe(),
            "seed": seed,
            "train_n": len(train_idx),
            "loss_per_epoch": losses,
        },
    }


def _train_selfsupervised(
    network, batch_inputs, real, epochs, seed, generator, device, on_epoch
) -> dict:
    settings = ContrastiveSettings(epochs=epochs)
    train_idx, held_out = random_split(len(real), VAL_FRACTION, seed)
    losses = train_contrastive(
        network, lambda batch: batch_inputs(train_idx[batch]), len(train_idx), settings, generator,
        device, on_epoch,
    )  # fmt: skip
    return {
        "held_out": held_out,
        "split": {"seed": seed, "val_fraction": VAL_FRACTION, "stratified": False,
                  "val_indices_sha256": indices_digest(held_out)},  # fmt: skip
        "val_accuracy": None,  # no labels: nothing to validate against
        "training": {
            **settings.describe(),
            "seed": seed,
            "train_n": len(train_idx),
            "loss_per_epoch": losses,
        },
    }


def _initial_network(plan: Plan, weights: str | None) -> tuple[nn.Module, dict]:
    """(network to train, what it started from)."""
    if plan.routine == "inception_v3":
        from ganforge.evaluators.inception_finetune import pretrained_inception_classifier

        network, weights_sha256 = pretrained_inception_classifier(
            plan.architecture["num_classes"], weights
        )
        return network, {"init": "fid-inception-v3", "init_weights_sha256": weights_sha256}
    return build_network(plan.architecture), {"init": "pytorch-default (seeded)"}


def _finetune_overrides(plan: Plan) -> dict:
    if plan.routine != "inception_v3":
        return {}
    from ganforge.evaluators.inception_finetune import FINETUNE_SETTINGS

    return FINETUNE_SETTINGS


def _common_size(real: RealImages) -> list[int]:
    """The most common [H, W] of the training images (what the evaluator has seen)."""
    sizes = Counter(tuple(image.shape[-2:]) for image in real.images)
    return list(sizes.most_common(1)[0][0])


def _check_arguments(mode: str, epochs: int | None, max_images: int | None, noise: float | None, seed: int) -> None:
    from ganforge.sampling import check_seed

    check_seed(seed)
    if mode not in MODES:
        raise UserError(f"--mode {mode}: expected one of {', '.join(MODES)}")
    if epochs is not None and epochs < 1:
        raise UserError(f"--epochs {epochs}: expected a positive number of epochs")
    if max_images is not None and max_images < MIN_IMAGES:
        raise UserError(f"--max-images {max_images}: expected at least {MIN_IMAGES}")
    if noise is not None and not 0 <= noise <= 1:
        raise UserError(f"--noise {noise}: expected a pixel-noise std between 0 and 1")


def _pick_device(name: str) -> torch.device:
    from ganforge.metrics.protocol import resolve_device

    return torch.device(resolve_device(name))
