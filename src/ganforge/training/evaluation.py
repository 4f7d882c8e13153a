"""Periodic evaluation during training: metrics to TensorBoard and RUN/metrics.jsonl, best.ckpt."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

from ganforge.atomic import atomic_write
from ganforge.config import Config
from ganforge.errors import UserError
from ganforge.runs import CHECKPOINT_DIR
from ganforge.training.checkpoint import save_checkpoint
from ganforge.training.rng import restore_rng_state, rng_state

TRANSLATION_TASKS = ("pix2pix", "colorize", "cyclegan")

# The result key that ranks runs for each metric, and whether lower is better.
RANKING = {
    "fid": ("fid", True),
    "kid": ("kid_mean", True),
    "is": ("is_mean", False),
    "pr": ("precision", False),
    "dc": ("coverage", False),
    "ifid": ("ifid", True),
    "cacc": ("class_accuracy", False),
    # translation tasks (ganforge.translation.evaluate)
    "psnr": ("psnr", False),
    "ssim": ("ssim", False),
    "l1": ("l1", True),
    "cycle_psnr": ("cycle_psnr", False),
    "attributes": ("attributes_all", False),  # text-to-image on builtin:shapes (ganforge.alignment)
}
ALIGNMENT_METRICS = ("attributes",)
BEST_CHECKPOINT = "best.ckpt"
BEST_RECORD = "best.json"


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
        best = config.eval.best or config.eval.metrics[0]
        self.best_key, self.lower_is_better = RANKING[best]
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
        if state.distribution.is_main:
            self.record(scalars, result, state.step, Path(run_dir), logger)
        self.keep_best(state, Path(run_dir), scalars.get(self.best_key))

    def record(self, scalars: dict, result: dict, step: int, run_dir: Path, logger) -> None:
        for key, value in scalars.items():
            logger.writer.add_scalar(f"metrics/{key}", value, step)
        with (run_dir / "metrics.jsonl").open("a") as handle:
            handle.write(json.dumps({"step": step, **scalars, "protocol": result.get("protocol")}) + "\n")

    def evaluate(self, state) -> dict:
        from ganforge.metrics.evaluate import evaluate

        eval_cfg = self.config.eval
        if state.config.task in TRANSLATION_TASKS:
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
        if getattr(generator, "text_encoder", None) is not None and not getattr(generator, "prompt_pool", None):
            generator.prompt_pool = state.objective.captions  # FID/KID fakes: prompts from the captions
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


def _features_used(config: Config) -> str:
    """The extractor periodic evaluation will build (translation on 32-px shapes: the shapes evaluator)."""
    if config.task in TRANSLATION_TASKS:
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


def check_evaluation_settings(config: Config) -> None:
    """Unknown metrics or extractors, or an empty metric list, fail before step 1 (UserError)."""
    from ganforge.errors import UserError
    from ganforge.metrics.conditional import CONDITIONAL_METRICS
    from ganforge.metrics.features import FEATURES
    from ganforge.metrics.registry import METRICS

    eval_cfg = config.eval
    if not eval_cfg.metrics:
        raise UserError("eval.metrics: empty; name at least one metric (e.g. eval.metrics=[fid]) or set eval.every=0")
    known = set(METRICS) | set(CONDITIONAL_METRICS) | set(ALIGNMENT_METRICS)
    if config.task in TRANSLATION_TASKS:
        from ganforge.translation.evaluate import TRANSLATION_METRICS

        known = set(TRANSLATION_METRICS)
    for name in eval_cfg.metrics:
        if name not in known:
            raise UserError(f"eval.metrics: unknown metric {name!r}; allowed: {', '.join(sorted(known))}")
    best = eval_cfg.best or eval_cfg.metrics[0]
    if best not in RANKING:
        raise UserError(f"eval.best: unknown metric {best!r}; allowed: {', '.join(RANKING)}")
    features = eval_cfg.features
    if not (features in FEATURES or features.startswith("domain:") or Path(features).is_dir()):
        raise UserError(f"eval.features: unknown extractor {features!r}; allowed: {', '.join(sorted(FEATURES))}, domain:DIR")


def evaluation_hook(config: Config) -> Callable | None:
    """A step hook evaluating every `eval.every` steps, or None when evaluation is off."""
    return PeriodicEvaluation(config) if config.eval.every > 0 else None
