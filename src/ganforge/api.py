"""The Python API (PRODUCT.md), also importable as `ganforge.<name>`:

    train(config, overrides, run_dir, resume)     -> the run directory
    load_run(source)                              -> a LoadedRun: config, objective, networks,
                                                     its `generator`, `conditions`, `translators()`
    load_generator(source)                        -> the sampling network of a run or export
    sample(generator, n, seed, labels=, prompts=) -> uint8 images (labels: class runs; prompts: text runs)
    interpolate(source, out, steps, rows)         -> a PNG of latent (or prompt) walks
    export(source, out)                           -> safetensors + JSON that rebuild the network
    evaluate(fake, real, metrics)                 -> FID, KID, IS, PR, DC, class metrics (metrics.catalog)
    translate(run, input, out)                    -> translated files (translation runs)
    evaluate_translation(run)                     -> held-out translation metrics

What a run can do (sample or translate, which conditions it takes) is its objective's answer,
read through `load_run`; nothing here asks which task trained it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from ganforge.runs import (
    evaluation_source,
    export_generator,
    load_generator,
    load_run,
    load_translator,
)
from ganforge.sampling import sample

__all__ = ["train", "load_run", "load_generator", "sample", "interpolate", "export", "evaluate", "translate", "evaluate_translation"]


def train(
    config: str | Path | dict | None = None,
    overrides: dict[str, Any] | list[str] | None = None,
    run_dir: str | Path | None = None,
    resume: bool = False,
    progress: bool = True,
) -> Path:
    """Train from a YAML path, preset name or dict; returns the run directory.

    `train(run_dir=RUN, resume=True)` continues a run from its saved config (overrides may
    change only what a resume allows, see `ganforge.training.resume`). A finished run is
    left as it is, with a note on stderr.
    """
    import sys

    from ganforge.signals import StopRequest
    from ganforge.training.budget import check_models_fit
    from ganforge.training.evaluation import evaluation_hook
    from ganforge.training.loop import train as train_loop
    from ganforge.training.resume import plan_training

    with StopRequest():
        plan = plan_training(config, overrides, run_dir, resume)
        if plan.finished:
            print(f"ganforge: {plan.finished}", file=sys.stderr)
            return plan.run_dir
        check_models_fit(plan.config)
        hook = evaluation_hook(plan.config)
        return train_loop(plan.config, plan.run_dir, resume=plan.resume, progress=progress, step_hook=hook)


def interpolate(
    source: str | Path | nn.Module,
    out: str | Path,
    steps: int = 8,
    rows: int = 4,
    seed: int = 0,
    label: int | str | None = None,
    prompt: str | None = None,
    to_prompt: str | None = None,
) -> torch.Tensor:
    """Write a PNG of `rows` latent walks with `steps` images each; returns the uint8 images.

    A class-conditional generator walks within class `label` (name or index); without it, each
    row walks within one class drawn in the data's proportions. With `prompt` and `to_prompt`
    (text-to-image generators), each row keeps one latent and walks the text embedding from
    one prompt to the other (slerp).
    """
    from ganforge.conditions import conditions_of
    from ganforge.sampling import (
        class_labels,
        generate_from_latents,
        interpolation_latents,
        latents,
        slerp,
    )
    from ganforge.training.logging import save_grid

    generator = source if isinstance(source, nn.Module) else load_generator(source)
    if prompt is not None or to_prompt is not None:
        conditions = conditions_of(generator)
        if "prompt" not in conditions.takes:
            raise ValueError("this generator takes no text prompts")
        if prompt is None or to_prompt is None:
            raise ValueError("give both prompt and to_prompt")
        ends = conditions.encode([prompt, to_prompt]).cpu()
        walk = slerp(ends[0], ends[1], torch.linspace(0, 1, steps))
        z = latents(rows, generator.z_dim, seed).repeat_interleave(steps, dim=0)
        images = torch.cat(list(generate_from_latents(generator.eval(), z, labels=walk.repeat(rows, 1))))
        save_grid(images, Path(out), nrow=steps)
        return images
    z = interpolation_latents(generator.z_dim, steps, rows, seed)
    row_labels = class_labels(generator, rows, seed, label)
    labels = None if row_labels is None else row_labels.repeat_interleave(steps)
    images = torch.cat(list(generate_from_latents(generator.eval(), z, labels=labels)))
    save_grid(images, Path(out), nrow=steps)
    return images


def export(source: str | Path, out: str | Path) -> tuple[Path, Path]:
    """Write the generator as safetensors + JSON; returns both paths."""
    return export_generator(source, out)


def evaluate(fake: Any, real: Any = None, *args, **kwargs) -> dict:
    """FID/KID/IS/PR/DC of `fake` against `real`; see `ganforge.metrics.evaluate.evaluate`. A run
    directory, checkpoint or export on either side is its generator (`runs.evaluation_source`)."""
    from ganforge.metrics.evaluate import evaluate as evaluate_impl

    return evaluate_impl(evaluation_source(fake), evaluation_source(real), *args, **kwargs)


def translate(run: str | Path, input: str | Path, out: str | Path, direction: str | None = None,
              hints: str | Path | None = None, progress: bool = False, device: str = "cpu") -> list[Path]:
    """Translate an image or folder with a translation run; see `ganforge.translation.files.translate`."""
    from ganforge.translation.files import translate as translate_impl

    return translate_impl(run, lambda: load_translator(run, direction, device=device), input, out, hints, progress)


def evaluate_translation(run: str | Path, *args, **kwargs) -> dict:
    """Held-out translation metrics of a run; see `ganforge.translation.evaluate.evaluate_translation`."""
    from ganforge.translation.evaluate import evaluate_translation as evaluate_impl

    return evaluate_impl(run, lambda: load_run(run, needs="translation"), *args, **kwargs)
