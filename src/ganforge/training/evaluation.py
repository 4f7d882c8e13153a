"""Periodic evaluation during training: metrics to TensorBoard and RUN/metrics.jsonl, best.ckpt."""

from __future__ import annotations

import json
import math
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

from ganforge.atomic import atomic_write
from ganforge.config import Config
from ganforge.errors import UserError
from ganforge.metrics import catalog
from ganforge.training.checkpoint import CHECKPOINT_DIR, save_checkpoint
from ganforge.training.objectives import OBJECTIVES
from ganforge.training.rng import restore_rng_state, rng_state

ALIGNMENT_METRICS = tuple(catalog.names(needs="captions"))  # computed here from the text generator
# A class whose accuracy is this far under the overall accuracy is said to lag (a warning).
LAGGING_CLASS_MARGIN = 0.15
BEST_CHECKPOINT = "best.ckpt"
BEST_RECORD = "best.json"


def best_ranking(best: str) -> tuple[list[str], bool]:
    """(result keys, lower is better) of `eval.best`: one metric, or several joined by "+"
    (ranked by the product of their values, so each must be one where higher is better)."""
    metrics = [catalog.CATALOG[name] for name in best.split("+")]
    if len(metrics) == 1:
        return [metrics[0].rank_key], not metrics[0].higher_is_better
    return [metric.rank_key for metric in metrics], False


def _joint_value(scalars: dict, keys: list[str]) -> float | None:
    values = [scalars.get(key) for key in keys]
    return None if any(value is None for value in values) else math.prod(values)


def _is_better(value: float, best: float | None, lower_is_better: bool) -> bool:
    if best is None:
        return True
    return value < best if lower_is_better else value > best


def read_best_value(path: Path) -> float:
    """The value recorded in a run's best.json, or one line naming the file."""
    from ganforge.textfiles import read_json

    record = read_json(path)
    value = record.get("value") if isinstance(record, dict) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UserError(f"{path}: expected {{\"metric\", \"value\", \"step\"}} with a numeric value; "
                        "delete it to start the record afresh")
    return float(value)


class PeriodicEvaluation:
    """Step hook: every `eval.every` steps evaluate the sampling generator and keep the best checkpoint."""

    def __init__(self, config: Config):
        self.config = config
        check_evaluation_settings(config)
        self.best_keys, self.lower_is_better = best_ranking(config.eval.best or config.eval.metrics[0])
        self.best_key = "*".join(self.best_keys)
        self._extractor = None  # built at the first evaluation, then reused for the whole run
        self.check_resources()

    def check_resources(self) -> None:
        """Fail at start-up, not at the first evaluation: the cache folder and the Inception weights."""
        from ganforge.metrics.weights import ganforge_home, resolve_inception_weights

        ganforge_home()
        image_metrics = [m for m in self.config.eval.metrics if m not in ALIGNMENT_METRICS]
        if _features_used(self.config) == "inception" and image_metrics:
            resolve_inception_weights(self.config.eval.weights, option="eval.weights=PATH")

    def __call__(self, state, run_dir: Path, logger) -> None:
        if state.step % self.config.eval.every != 0:
            return
        result = self.evaluate(state)  # every process extracts its share and gets the whole result
        scalars = {key: value for key, value in result.items() if isinstance(value, (int, float))}
        per_class = result.get("class_accuracy_per_class") or {}
        scalars.update({f"class_accuracy/{name}": value for name, value in per_class.items()})
        if state.distribution.is_main:
            self.record(scalars, result, state.step, Path(run_dir), logger)
            report_class_accuracy(result, state.step)
        self.keep_best(state, Path(run_dir), _joint_value(scalars, self.best_keys))

    def record(self, scalars: dict, result: dict, step: int, run_dir: Path, logger) -> None:
        for key, value in scalars.items():
            logger.writer.add_scalar(f"metrics/{key}", value, step)
        with (run_dir / "metrics.jsonl").open("a") as handle:
            handle.write(json.dumps({"step": step, **scalars, "protocol": result.get("protocol")}) + "\n")

    def evaluate(self, state) -> dict:
        from ganforge.metrics.evaluate import evaluate

        eval_cfg = self.config.eval
        if state.objective.evaluation == catalog.TRANSLATION:
            from ganforge.translation.evaluate import evaluate_training_state

            saved_rng = rng_state()
            for network in state.sampling_networks().values():  # BatchNorm statistics of process 0 everywhere
                state.distribution.sync_buffers(network)
            try:
                return evaluate_training_state(state, eval_cfg.metrics)
            finally:
                restore_rng_state(saved_rng)
        generator = state.sampled_network
        was_training = generator.training
        saved_rng = rng_state()  # evaluation must not perturb the training RNG streams (exact resume)
        generator.eval()
        state.distribution.sync_buffers(generator)  # every process generates with the same network
        image_metrics = [m for m in eval_cfg.metrics if m not in ALIGNMENT_METRICS]
        if self._extractor is None and image_metrics:
            from ganforge.metrics.features import build_features

            self._extractor = build_features(
                eval_cfg.features, weights=eval_cfg.weights, device=str(state.placement.device)
            )
        try:
            result = {}
            if "attributes" in eval_cfg.metrics:
                result.update(_attribute_scalars(generator, self.config))
            if "spread" in eval_cfg.metrics:
                result.update(_spread_scalars(generator, self.config))
            if not image_metrics:
                return result
            return result | evaluate(
                fake=generator,
                real=eval_cfg.real or self.config.data.path,
                metrics=image_metrics,
                features=self._extractor,
                weights=eval_cfg.weights,
                n=eval_cfg.n,
                kid_subset_size=eval_cfg.kid_subset_size,
                seed=self.config.seed,
                device=str(state.placement.device),
            )
        finally:
            generator.train(was_training)
            restore_rng_state(saved_rng)

    def keep_best(self, state, run_dir: Path, value: float | None) -> None:
        if value is None or not math.isfinite(value):
            return
        record_path = run_dir / BEST_RECORD
        distribution = state.distribution
        best = None
        if distribution.is_main and record_path.exists():
            best = read_best_value(record_path)
        if not distribution.from_main(_is_better(value, best, self.lower_is_better)):
            return
        payload = state.state_dict()  # every process adds its own streams; process 0 writes
        if not distribution.is_main:
            return
        save_checkpoint(run_dir / CHECKPOINT_DIR / BEST_CHECKPOINT, payload)
        record = {"metric": self.best_key, "value": value, "step": state.step}
        atomic_write(record_path, lambda handle: handle.write(json.dumps(record).encode()))


def report_class_accuracy(result: dict, step: int, stream=None) -> None:
    """Print the class accuracy with each class's, and warn about each class that lags behind."""
    per_class = result.get("class_accuracy_per_class")
    if not per_class:
        return
    overall = result["class_accuracy"]
    classes = "  ".join(f"{name} {value:.2f}" for name, value in per_class.items())
    print(f"step {step}: class accuracy {overall:.3f}; per class: {classes}", file=stream or sys.stderr, flush=True)
    lagging = {name: value for name, value in per_class.items() if value < overall - LAGGING_CLASS_MARGIN}
    for name, value in lagging.items():
        warnings.warn(
            f"step {step}: class {name!r} is drawn as itself {value:.0%} of the time (overall {overall:.0%}); "
            "train longer, or with data.balance=true if it is a rare class",
            stacklevel=1,
        )


def _features_used(config: Config) -> str:
    """The extractor periodic evaluation will build (translation on 32-px shapes: the shapes evaluator)."""
    if OBJECTIVES[config.task].evaluation == catalog.TRANSLATION:
        from ganforge.translation.evaluate import default_features

        return default_features(config)
    return config.eval.features


def _attribute_scalars(generator, config: Config) -> dict[str, float]:
    """attributes_<name> (and _floor) on held-out builtin:shapes captions (those after data.max_images)."""
    from ganforge.alignment.attributes import attribute_alignment

    result = attribute_alignment(generator, config.data.path, config.data.max_images or 0, config.eval.n, config.seed)
    scalars = {f"attributes_{key}": value for key, value in result["accuracy"].items()}
    scalars.update({f"attributes_{key}_floor": value for key, value in result["floor"].items()})
    return scalars


def _spread_scalars(generator, config: Config) -> dict[str, float]:
    """spread_position, spread_size and spread_min on held-out builtin:shapes captions."""
    from ganforge.alignment.spread import caption_spread

    result = caption_spread(generator, config.data.path, config.data.max_images or 0, seed=config.seed)
    return {**{f"spread_{key}": value for key, value in result["spread"].items()}, "spread_min": result["spread_min"]}


def check_evaluation_settings(config: Config) -> None:
    """Unknown metrics or extractors, or an empty metric list, fail before step 1 (UserError)."""
    from ganforge.errors import UserError
    from ganforge.metrics.features import FEATURES

    eval_cfg = config.eval
    if not eval_cfg.metrics:
        raise UserError("eval.metrics: empty; name at least one metric (e.g. eval.metrics=[fid]) or set eval.every=0")
    known = catalog.names(evaluation=OBJECTIVES[config.task].evaluation)
    for name in eval_cfg.metrics:
        if name not in known:
            raise UserError(f"eval.metrics: unknown metric {name!r}; allowed: {', '.join(sorted(known))}")
    best = eval_cfg.best or eval_cfg.metrics[0]
    for name in best.split("+"):
        if name not in known:
            raise UserError(f"eval.best: unknown metric {name!r}; allowed: {', '.join(known)}, or several joined by +")
        if "+" in best and not catalog.CATALOG[name].higher_is_better:
            raise UserError(f"eval.best: {best!r}: {name} is lower-is-better; a joint best takes metrics where higher is better")
    features = eval_cfg.features
    if not (features in FEATURES or features.startswith("domain:") or Path(features).is_dir()):
        raise UserError(f"eval.features: unknown extractor {features!r}; allowed: {', '.join(sorted(FEATURES))}, domain:DIR")


def evaluation_hook(config: Config) -> Callable | None:
    """A step hook evaluating every `eval.every` steps, or None when evaluation is off."""
    return PeriodicEvaluation(config) if config.eval.every > 0 else None
