"""Held-out evaluation of a translation run (`ganforge eval-translation`, periodic evaluation).

The test side of the run's data (its test split, or the images held out of training) is
translated and compared:

- paired data (pix2pix, colorize): PSNR, SSIM and L1 against the targets, printed beside two
  baselines that need no training: `identity` (the input itself as the output, grayscale
  repeated to colour) and `mean colour` (every pixel the mean colour of the training targets).
  Colorize runs are scored with several numbers of colour hints drawn from the targets
  (default 0 and 10; the same seeded hints for every run).
- every task: FID and KID of the translated test inputs against the target domain's test
  images, through `ganforge.evaluate` (features: the shapes evaluator for builtin:shapes,
  else `eval.features`).
- unpaired tasks (cyclegan, nicegan, cut): on builtin:shapes domains split by colour, the share
  of translations painted in the target colour and whose shape the shapes evaluator still
  recognises; two-way tasks (cyclegan, nicegan) also the cycle-reconstruction PSNR of each
  domain, and score both directions.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Protocol

import torch
from torch import Tensor

from ganforge.data.translation import TranslationData, load_translation_data, parse_domain
from ganforge.metrics import catalog
from ganforge.translation.hints import max_patch, sample_hints
from ganforge.translation.metrics import PAIRED_METRICS, paired_scores, psnr
from ganforge.translation.translator import Translator

DEFAULT_HINTS = (0, 10)
MAX_HINTS = 1000  # the far end of interactive colourisation's hint-count curves; each is drawn in Python
HINT_SEED = 1234  # the held-out hints: the same points for every run and every call
BATCH = 64
# From the one metric registry: what a translation run may be scored with, and which of it
# compares feature distributions (the others: pairs, or the cycle).
TRANSLATION_METRICS = tuple(catalog.names(evaluation=catalog.TRANSLATION))
DISTRIBUTION_METRICS = tuple(catalog.names(evaluation=catalog.TRANSLATION, needs="features"))


def _translate_all(translator: Translator, images: Tensor, hints: Tensor | None = None, mask: Tensor | None = None) -> Tensor:
    out = []
    for start in range(0, len(images), BATCH):
        part = slice(start, start + BATCH)
        out.append(translator(images[part], None if hints is None else hints[part], None if mask is None else mask[part]))
    return torch.cat(out)


def as_output(images: Tensor, channels: int) -> Tensor:
    """The identity baseline: the input as an output of `channels` channels."""
    if images.shape[1] == channels:
        return images
    if channels == 3:
        return images.expand(-1, 3, -1, -1)
    return images.float().mean(1, keepdim=True).round().to(torch.uint8)


def mean_colour(train_targets: Tensor, like: Tensor) -> Tensor:
    """The mean-colour baseline: each pixel the mean colour of the training targets."""
    colour = train_targets.to(torch.float64).mean(dim=(0, 2, 3)).round().to(torch.uint8)
    return colour.view(1, -1, 1, 1).expand_as(like)


def held_out_hints(targets: Tensor, count: int, patch: int) -> tuple[Tensor, Tensor]:
    """`count` hints per held-out image drawn from its target with a fixed seed (model range)."""
    generator = torch.Generator().manual_seed(HINT_SEED + count)
    counts = torch.full((len(targets),), count)
    return sample_hints(targets.float() / 127.5 - 1, counts, patch, generator)


def paired_rows(translator: Translator, data: TranslationData, names: Iterable[str], hint_counts: Iterable[int]) -> tuple[dict, dict]:
    """({row name: scores}, {row name: outputs}) for the model and the two baselines."""
    names = [n for n in names if n in PAIRED_METRICS]
    inputs, targets = data.a.test, data.b.test
    rows, outputs = {}, {}
    if translator.hinted:
        patch = max_patch(translator.config.data.resolution, translator.config.translation.hint_max_patch)
        for count in hint_counts:
            hints, mask = held_out_hints(targets, count, patch)
            name = f"model, {count} hints"
            outputs[name] = _translate_all(translator, inputs, hints, mask)
            rows[name] = paired_scores(outputs[name], targets, names)
    else:
        outputs["model"] = _translate_all(translator, inputs)
        rows["model"] = paired_scores(outputs["model"], targets, names)
    rows["identity (input as output)"] = paired_scores(as_output(inputs, targets.shape[1]), targets, names)
    rows["mean colour"] = paired_scores(mean_colour(data.b.train, targets), targets, names)
    return rows, outputs


def _write_folder(images: Tensor, directory: Path) -> None:
    from torchvision.utils import save_image

    directory.mkdir(parents=True, exist_ok=True)
    for index, image in enumerate(images):
        save_image(image.float() / 255, directory / f"{index:06d}.png")


def distribution_scores(fakes: Tensor, reals: Tensor, names: list[str], features: str, weights: str | None, device: str) -> dict:
    """FID/KID of translated images against real target-domain images (`ganforge.evaluate`)."""
    from ganforge.metrics.evaluate import evaluate

    asked = [n for n in names if n in DISTRIBUTION_METRICS]
    if not asked:
        return {}
    n = min(len(fakes), len(reals))
    with tempfile.TemporaryDirectory() as tmp:
        _write_folder(fakes[:n], Path(tmp) / "fake")
        _write_folder(reals[:n], Path(tmp) / "real")
        result = evaluate(Path(tmp) / "fake", Path(tmp) / "real", metrics=asked, features=features, weights=weights,
                          kid_subset_size=min(1000, n), cache=False, device=device)
    return {key: result[key] for key in ("fid", "kid_mean", "kid_std") if key in result}


def default_features(config) -> str:
    """The data's shipped evaluator at its own size (`data.builtin.shipped_evaluator`), else `eval.features`."""
    from ganforge.data.builtin import shipped_evaluator

    return shipped_evaluator(config.data.path, config.data.resolution) or config.eval.features


def shapes_scores(translated: Tensor, side, domain: str, source: str) -> dict[str, float]:
    """target_colour_<source> and shape_kept_<source> of translations into `domain` (colour=NAME)."""
    from ganforge.translation.shapes_check import colour_names, shape_predictions

    _, colour = parse_domain(domain, "domain")
    result = {f"target_colour_{source}": sum(name == colour for name in colour_names(translated)) / len(translated)}
    if side.test_labels is not None:
        result[f"shape_kept_{source}"] = float(shape_predictions(translated).eq(side.test_labels).float().mean())
    return result


def unpaired_scores(forward: Translator, backward: Translator | None, data: TranslationData, shapes_domains: bool) -> tuple[dict, dict]:
    """Shapes checks of each direction translated; with a backward network, cycle PSNR per domain."""
    result, outputs = {}, {}
    t = forward.config.translation
    ways = [("a", data.a, forward, backward, t.domain_b)]
    if backward is not None:
        ways.append(("b", data.b, backward, forward, t.domain_a))
    for source, side, there, back, domain in ways:
        translated = _translate_all(there, side.test)
        outputs[source] = translated
        if back is not None:
            result[f"cycle_psnr_{source}"] = float(psnr(_translate_all(back, translated), side.test).mean())
        if shapes_domains:
            result.update(shapes_scores(translated, side, domain, source))
    if backward is not None:
        result["cycle_psnr"] = (result["cycle_psnr_a"] + result["cycle_psnr_b"]) / 2
    return result, outputs


def _shapes_domains(config) -> bool:
    t = config.translation
    return t.layout == "attribute" and (t.domain_b or "").startswith("colour=") and (t.domain_a or "").startswith("colour=")


def _check_request(objective, metrics: Iterable[str] | None, hints: Iterable[int] | None) -> tuple[list[str], list[int]]:
    """(metrics, hint counts) to measure: what the run's task can be scored with, else one line."""
    from ganforge.errors import UserError

    held_out = objective.held_out_metrics()
    names = list(metrics or held_out)
    unknown = [n for n in names if n not in TRANSLATION_METRICS]
    if unknown:
        raise UserError(f"--metrics: unknown {', '.join(unknown)}; allowed: {', '.join(TRANSLATION_METRICS)}")
    unfit = [n for n in names if n not in held_out]
    if unfit:
        raise UserError(f"--metrics {','.join(unfit)}: does not apply to a {objective.name} run; "
                        f"it is scored with {', '.join(held_out)}")
    if hints is None:
        return names, list(DEFAULT_HINTS if objective.hinted else ())
    hints = list(hints)
    if not objective.hinted:
        raise UserError(f"--hints-count: a {objective.name} run takes no colour hints (only runs that read hints do)")
    if not hints or any(not 0 <= h <= MAX_HINTS for h in hints):
        raise UserError(f"--hints-count {','.join(map(str, hints)) or '(empty)'}: expected one or more hint counts from 0 to {MAX_HINTS}")
    return names, hints


class TranslationRun(Protocol):
    """What the evaluation asks of a loaded translation run (`runs.LoadedRun` answers it)."""

    objective: Any
    config: Any

    def translators(self) -> dict[str, Translator]: ...


def evaluate_translation(run: str | Path, load: Callable[[], TranslationRun], metrics: Iterable[str] | None = None,
                         hints: Iterable[int] | None = None, features: str | None = None, weights: str | None = None,
                         device: str = "cpu", json_path: str | Path | None = None) -> dict[str, Any]:
    """Held-out metrics of the translation run `run`, loaded by `load()` once the output is checked
    (see the module docstring); returns a flat-ish dict: `rows` {name: {psnr, ssim, l1}} for
    paired tasks, `fid`, `kid_mean`, `kid_std`, cycle keys. `metrics` default to all that apply
    to the task; `hints` (runs that read hints) to 0 and 10."""
    from ganforge.metrics.protocol import resolve_device
    from ganforge.metrics.report import check_output_path

    if json_path is not None:
        from ganforge.outputs import run_files

        check_output_path(json_path, inputs=run_files(run))
    device = resolve_device(device)
    loaded = load()
    names, hints = _check_request(loaded.objective, metrics, hints)
    config = loaded.config
    translators = loaded.translators()
    for one in translators.values():
        one.network.to(device)
    data = load_translation_data(config)
    features = features or default_features(config)
    weights = weights or config.eval.weights
    result: dict[str, Any] = {"task": config.task, "n_test": len(data.a.test), "data": config.data.path}
    if not loaded.objective.needs_pairs:
        forward, backward = _both_ways(translators)
        shapes_domains = _shapes_domains(config)
        scores, outputs = unpaired_scores(forward, backward, data, shapes_domains)
        result.update(scores if "cycle_psnr" in names or shapes_domains else {})
        result.update(distribution_scores(outputs["a"], data.b.test, names, features, weights, device))
    else:
        rows, outputs = paired_rows(next(iter(translators.values())), data, names, hints)
        result["rows"] = rows
        last = list(outputs.values())[-1]  # with the most hints for a hinted run
        result.update(distribution_scores(last, data.b.test, names, features, weights, device))
    result["features"] = features
    if json_path is not None:
        text = json.dumps(result, indent=2)
        if str(json_path) == "-":
            print(text)
        else:
            from ganforge.atomic import atomic_write_bytes

            atomic_write_bytes(json_path, text.encode())
    return result


def format_table(result: dict) -> str:
    """The result as the lines `ganforge eval-translation` prints."""
    lines = [f"{result['task']} on {result['data']}: {result['n_test']} held-out images"]
    if "rows" in result:
        columns = list(next(iter(result["rows"].values())))
        lines.append(f"{'':30s}" + "".join(f"{c:>10s}" for c in columns))
        for name, scores in result["rows"].items():
            lines.append(f"{name:30s}" + "".join(f"{scores[c]:10.4f}" for c in columns))
    for key in ("fid", "kid_mean", "kid_std", "cycle_psnr", "cycle_psnr_a", "cycle_psnr_b",
                "target_colour_a", "target_colour_b", "shape_kept_a", "shape_kept_b"):
        if key in result:
            lines.append(f"{key:30s}{result[key]:10.4f}")
    if "fid" in result or "kid_mean" in result:
        lines.append(f"(fid/kid features: {result['features']}; translated test inputs against the target domain's test images)")
    return "\n".join(lines)


def _both_ways(translators: dict[str, Translator]) -> tuple[Translator, Translator | None]:
    """(the run's first direction, the other one when it translates both ways)."""
    forward = next(iter(translators.values()))
    return forward, next((t for t in translators.values() if t is not forward), None)


def evaluate_training_state(state, metrics: Iterable[str]) -> dict[str, Any]:
    """Periodic evaluation of a translation run in training: the same held-out scores, from
    the networks in memory (paired runs score the model row only, a hinted one with 10 hints)."""
    config, names = state.config, list(metrics)
    networks = state.sampling_networks()
    translators = type(state.objective).translators(config, networks)
    device = str(state.placement.device)
    result: dict[str, Any] = {}
    modes = {name: net.training for name, net in networks.items()}
    for net in networks.values():
        net.eval()
    try:
        if not state.objective.needs_pairs:
            forward, backward = _both_ways(translators)
            scores, outputs = unpaired_scores(forward, backward, state.data, shapes_domains=_shapes_domains(config))
            result.update(scores)
        else:
            rows, outputs = paired_rows(next(iter(translators.values())), state.data, names, hint_counts=(DEFAULT_HINTS[-1],))
            result.update(next(iter(rows.values())))
            outputs = {"a": next(iter(outputs.values()))}
        result.update(distribution_scores(outputs["a"], state.data.b.test, names, default_features(config),
                                          config.eval.weights, device))
    finally:
        for name, net in networks.items():
            net.train(modes[name])
    return result
