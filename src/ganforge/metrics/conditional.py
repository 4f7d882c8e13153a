"""Metrics of class-conditional generators: intra-class FID, class accuracy, spread per class.

- `ifid`: the FID between the generated and the real images of each class, in the chosen
  feature space, and their mean over classes (Miyato & Koyama 2018, sec. 5.1 "intra-FID").
- `cacc`: the share of generated images that a domain evaluator (a supervised classifier
  trained on the real data) assigns to the class they were asked for. Its ceiling is the same
  classifier's accuracy on real held-out images (`val_accuracy` of the evaluator).
- `cdiv`: recall and coverage of each class's generated images against that class's real
  images, with a ceiling (real against real) and a floor (one image per class); see
  `metrics/class_spread.py`.

Generated labels follow the real data's class proportions (`proportions="data"`) or are
uniform; the real side needs labels (a built-in source, or a folder of class sub-folders).

Under torchrun the extraction is sharded exactly: the generated batches and each class's real
batches are split into contiguous runs, one per process (`sharding.run_shared`), and the
features and logits are gathered in the one-process order, so every process computes the
one-process numbers from the same arrays. Every process reads the labelled real images (to
group them by class); only their feature extraction is split.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from ganforge.data.builtin import shipped_evaluator
from ganforge.errors import UserError
from ganforge.metrics import catalog
from ganforge.metrics.bootstrap import CI_LEVEL, CI_SEED, bootstrap_intervals
from ganforge.metrics.features.base import FeatureExtractor
from ganforge.metrics.fid import frechet_distance
from ganforge.metrics.protocol import feature_protocol, versions
from ganforge.metrics.sharding import run_shared
from ganforge.metrics.stats import feature_stats

CONDITIONAL_METRICS = tuple(catalog.names(needs="labels"))  # from the one metric registry
FEATURE_METRICS = tuple(name for name in CONDITIONAL_METRICS if "features" in catalog.CATALOG[name].needs)


def split_metrics(names: list[str]) -> tuple[list[str], list[str]]:
    """(the usual metrics, the conditional ones) of a metric list, order kept."""
    return [m for m in names if m not in CONDITIONAL_METRICS], [m for m in names if m in CONDITIONAL_METRICS]


def _real_by_class(real: str, class_names: list[str], n: int | None, seed: int) -> dict[int, list[np.ndarray]]:
    """Readable real images [3,H,W] uint8 grouped by the generator's class index (at most n in all)."""
    from ganforge.data.sources import open_source, read_or_warn, to_rgb_uint8

    source = open_source(real, labels=True)
    if source.labels is None or not source.class_names:
        raise UserError(f"--real {real}: class metrics need labelled real images (class sub-folders or builtin:NAME)")
    missing = [name for name in source.class_names if name not in class_names]
    if missing:
        raise UserError(f"--real {real}: classes {missing[:5]} are not classes of the generator ({', '.join(class_names)})")
    order = np.random.RandomState(seed).permutation(len(source)) if n is not None and n < len(source) else range(len(source))
    grouped: dict[int, list[np.ndarray]] = {}
    taken = 0
    for i in order:
        if n is not None and taken >= n:
            break
        img = read_or_warn(source, int(i))
        if img is None:
            continue
        grouped.setdefault(class_names.index(source.class_names[source.labels[int(i)]]), []).append(to_rgb_uint8(img))
        taken += 1
    return grouped


def _batches(images: list[np.ndarray], batch_size: int) -> Iterator[Tensor]:
    for start in range(0, len(images), batch_size):
        chunk = images[start : start + batch_size]
        sizes = {image.shape for image in chunk}
        if len(sizes) == 1:
            yield torch.from_numpy(np.stack(chunk))
        else:  # mixed sizes: one at a time (the extractor resizes each)
            yield from (torch.from_numpy(image[None]) for image in chunk)


@torch.inference_mode()
def _extract(extractor: FeatureExtractor, batches: Iterator[Tensor], layers: tuple[str, ...], device: str) -> dict[str, np.ndarray]:
    out: dict[str, list[np.ndarray]] = {layer: [] for layer in layers}
    for batch in batches:
        if batch.shape[1] == 1:
            batch = batch.expand(-1, 3, -1, -1)
        values = extractor(batch.to(device))
        for layer in layers:
            out[layer].append(values[layer].double().cpu().numpy())
    return {layer: np.concatenate(parts) for layer, parts in out.items()}


@torch.inference_mode()
def _generated_batch(generator: nn.Module, z: Tensor, labels: Tensor) -> Tensor:
    """uint8 images of one batch of latents and labels, in eval mode (batch-independent)."""
    from ganforge.sampling import generate_from_latents

    was_training = generator.training
    generator.eval()
    try:
        return torch.cat(list(generate_from_latents(generator, z, len(z), labels)))
    finally:
        generator.train(was_training)


def _intra_fid(fake: dict[int, np.ndarray], real: dict[int, np.ndarray]) -> dict[str, float]:
    values = {}
    for k in sorted(fake):
        mu_f, sigma_f = feature_stats(fake[k])
        mu_r, sigma_r = feature_stats(real[k])
        values[k] = frechet_distance(mu_f, sigma_f, mu_r, sigma_r)
    return {"ifid": float(np.mean(list(values.values()))), **{f"ifid/{k}": v for k, v in values.items()}}


def evaluate_conditional(
    generator: nn.Module,
    real: str,
    metrics: list[str],
    extractor: FeatureExtractor | None,
    classifier: FeatureExtractor | None,
    n: int | None,
    seed: int,
    proportions: str = "data",
    ci: bool = False,
    ci_draws: int = 200,
    batch_size: int = 64,
    device: str = "cpu",
) -> dict[str, Any]:
    """{"ifid", "ifid_per_class", "class_accuracy", "class_accuracy_ceiling", ... "_ci"} for a
    class-conditional `generator` against the labelled `real` source."""
    from ganforge.conditions import conditions_of
    from ganforge.sampling import class_labels

    conditions = conditions_of(generator)
    if "class" not in conditions.takes:
        raise UserError(f"--metrics {','.join(metrics)}: need a class-conditional generator as --fake")
    names = conditions.names()
    real_images = _real_by_class(real, names, n, seed)
    count = n or sum(len(images) for images in real_images.values())
    labels = class_labels(generator, count, seed, proportions=proportions)
    result: dict[str, Any] = {}
    wanted: tuple[str, ...] = ()
    uses_features = any(m in metrics for m in FEATURE_METRICS)
    if uses_features:
        wanted += (extractor.layers[0],)
    fake_layers = _extract_fake(generator, labels, seed, batch_size, device, extractor, classifier, wanted)
    if uses_features:
        layer = extractor.layers[0]
        real_features = _real_features(extractor, real_images, layer, batch_size, device)
        fake_features = {k: fake_layers[layer][labels.numpy() == k] for k in real_features}
    if "cdiv" in metrics:
        from ganforge.metrics.class_spread import class_spread

        result.update(class_spread(fake_features, real_features, names, seed))
    if "ifid" in metrics:
        short = {names[k]: len(v) for k, v in fake_features.items() if len(v) < 2}
        if short:
            raise UserError(f"ifid: fewer than 2 generated images of classes {short}; raise --n")
        values = _intra_fid(fake_features, real_features)
        result["ifid"] = values["ifid"]
        result["ifid_per_class"] = {names[int(key.split("/")[1])]: value for key, value in values.items() if "/" in key}
        if ci:
            result["ifid_ci"] = _stratified_ci(fake_features, real_features, ci_draws, CI_SEED)
    if "cacc" in metrics:
        result.update(_class_accuracy(fake_layers["logits"], labels, names, classifier, ci, ci_draws))
    result["conditional_protocol"] = {
        "class_names": names,
        "proportions": proportions,
        "n_fake_per_class": {names[k]: int((labels == k).sum()) for k in range(len(names))},
        "n_real_per_class": {names[k]: len(v) for k, v in sorted(real_images.items())},
        "features": extractor.protocol() if extractor is not None and uses_features else None,
        "classifier": classifier.protocol() if classifier is not None and "cacc" in metrics else None,
    }
    return result


def _extract_fake(generator, labels, seed, batch_size, device, extractor, classifier, wanted) -> dict[str, np.ndarray]:
    """Generate each batch once; run the feature extractor and the classifier on the same images.
    The batches are shared out over the processes of a torchrun group."""
    from ganforge.sampling import latents

    generator = generator.to(device)
    z = latents(len(labels), generator.z_dim, seed)

    def batch_values(start: int) -> dict[str, np.ndarray]:
        images = _generated_batch(generator, z[start : start + batch_size], labels[start : start + batch_size])
        values = _extract(extractor, iter([images]), wanted, device) if wanted else {}
        if classifier is not None:
            values["logits"] = _extract(classifier, iter([images]), ("logits",), device)["logits"]
        return values

    parts = run_shared([partial(batch_values, start) for start in range(0, len(labels), batch_size)])
    return {key: np.concatenate([part[key] for part in parts]) for key in (parts[0] if parts else {})}


def _real_features(extractor: FeatureExtractor, real: dict[int, list[np.ndarray]], layer: str, batch_size: int,
                   device: str) -> dict[int, np.ndarray]:
    """Features of each class's real images, the batches shared out over the processes."""
    jobs: list[Callable[[], tuple[int, np.ndarray]]] = []
    for k, images in real.items():
        for start in range(0, len(images), batch_size):
            chunk = images[start : start + batch_size]
            jobs.append(lambda k=k, chunk=chunk: (k, _extract(extractor, _batches(chunk, batch_size), (layer,), device)[layer]))
    parts = run_shared(jobs)
    return {k: np.concatenate([values for key, values in parts if key == k]) for k in real}


def _class_accuracy(logits: np.ndarray, labels: Tensor, names: list[str], classifier, ci: bool, draws: int) -> dict:
    evaluator_classes = list(classifier.meta.get("classes") or [])
    if sorted(evaluator_classes) != sorted(names):
        raise UserError(
            f"cacc: the classifier {classifier.name} knows classes {evaluator_classes[:10]}, the generator {names[:10]}"
        )
    # The classifier's class k is the generator's class names.index(evaluator_classes[k]).
    to_generator = np.array([names.index(name) for name in evaluator_classes])
    correct = (to_generator[logits.argmax(axis=1)] == labels.numpy()).astype(np.float64)
    result: dict[str, Any] = {
        "class_accuracy": float(correct.mean()),
        "class_accuracy_ceiling": classifier.meta.get("val_accuracy"),
        "class_accuracy_per_class": {names[k]: float(correct[labels.numpy() == k].mean())
                                     for k in range(len(names)) if (labels == k).any()},
    }
    if ci:
        interval = bootstrap_intervals(lambda fake, _: {"acc": float(fake.mean())}, correct[:, None], None, draws)
        result["class_accuracy_ci"] = list(interval["acc"])
    return result


def _stratified_ci(fake: dict[int, np.ndarray], real: dict[int, np.ndarray], draws: int, seed: int) -> list[float]:
    """Percentile interval of the mean intra-class FID, resampling images within each class."""
    rng = np.random.default_rng(seed)
    means = []
    for _ in range(draws):
        fake_draw = {k: v[rng.integers(0, len(v), len(v))] for k, v in fake.items()}
        real_draw = {k: v[rng.integers(0, len(v), len(v))] for k, v in real.items()}
        means.append(_intra_fid(fake_draw, real_draw)["ifid"])
    low, high = np.quantile(means, [0.025, 0.975])
    return [float(low), float(high)]


def _classifier(name: str | None, features: str | FeatureExtractor, extractor: FeatureExtractor | None,
                real: str, device: str) -> FeatureExtractor:
    """The evaluator that judges class accuracy: `--classifier`, else the domain features when
    they classify, else the shipped evaluator of a built-in real source."""
    from ganforge.metrics.features import build_features

    if name is None and isinstance(features, FeatureExtractor) and not features.is_imagenet:
        judge = features
    elif name is None and isinstance(features, str) and features != "inception":
        judge = extractor if extractor is not None else build_features(features, device=device)
    else:
        name = name or shipped_evaluator(real)
        if name is None:
            raise UserError("--metrics cacc: needs a classifier of your classes; pass --classifier DIR (a supervised evaluator)")
        judge = build_features(name, device=device)
    if "logits" not in judge.layers:
        raise UserError(f"cacc: evaluator {judge.name} has no class logits; pass --classifier with a supervised evaluator")
    return judge


def evaluate_with_class_metrics(evaluate_fn, kwargs: dict[str, Any], standard: list[str], per_class: list[str],
                                classifier: str | None, proportions: str) -> dict[str, Any]:
    """`evaluate(**kwargs)` for the usual metrics plus `ifid`/`cacc`, merged into one result."""
    from ganforge.metrics.features import build_features
    from ganforge.metrics.inputs import GeneratorSource
    from ganforge.metrics.protocol import resolve_device
    from ganforge.metrics.sharding import is_main_process

    fake, real = kwargs["fake"], kwargs.get("real")
    if not isinstance(real, str):
        raise UserError(f"--metrics {','.join(per_class)}: --real must be a labelled image source, not {real!r}")
    if not isinstance(fake, nn.Module | GeneratorSource):
        raise UserError(f"--fake {fake}: --metrics {','.join(per_class)} generate each class; expected a run directory, "
                        f".ckpt or .safetensors export of a class-conditional generator")
    generator = fake if isinstance(fake, nn.Module) else fake.load()
    device = resolve_device(kwargs.get("device", "auto"))
    features = kwargs.get("features", "inception")
    extractor = None
    if any(m in per_class for m in FEATURE_METRICS):
        extractor = features if isinstance(features, FeatureExtractor) else build_features(
            features, weights=kwargs.get("weights"), resize=kwargs.get("resize", "tf1"), device=device)
    judge = None
    if "cacc" in per_class:
        judge = _classifier(classifier, features, extractor, real, device)
    json_path = kwargs.pop("json_path", None)
    result: dict[str, Any] = {}
    if standard:
        result = evaluate_fn(**{**kwargs, "fake": generator, "metrics": standard})
    result.update(evaluate_conditional(
        generator, real, per_class, extractor, judge, kwargs.get("n"), kwargs.get("seed", 0), proportions,
        kwargs.get("ci", False), kwargs.get("ci_draws", 200), kwargs.get("batch_size", 64), device,
    ))
    if "protocol" not in result:  # per-class metrics only: the protocol line names their judge
        result["protocol"] = _class_only_protocol(result["conditional_protocol"], real, kwargs, device)
    result["protocol"]["metrics"] = list(result["protocol"].get("metrics", [])) + per_class
    if json_path is not None and is_main_process():  # under torchrun, process 0 writes
        from ganforge.metrics.report import write_json

        write_json(result, json_path)
    return result


def _class_only_protocol(conditional: dict[str, Any], real: str, kwargs: dict[str, Any], device: str) -> dict[str, Any]:
    """The protocol of a result that holds per-class metrics only (no FID/KID pass ran)."""
    ci = kwargs.get("ci", False)
    judge = conditional["features"] or conditional["classifier"]
    return {
        "metrics": [],
        "n_fake": sum(conditional["n_fake_per_class"].values()),
        "n_real": sum(conditional["n_real_per_class"].values()),
        "real": real,
        **feature_protocol(judge, None),
        "seeds": {"images": kwargs.get("seed", 0), "bootstrap": CI_SEED if ci else None},
        "ci": {"draws": kwargs.get("ci_draws", 200), "level": CI_LEVEL} if ci else None,
        "versions": versions(),
        "device": device,
    }
