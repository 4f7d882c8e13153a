"""Run directories and loading a generator from a run, checkpoint or export."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file
from torch import nn

from ganforge.config import Config, validate
from ganforge.errors import UserError

CHECKPOINT_DIR = "checkpoints"
LATEST = "latest.ckpt"
EXPORT_SUFFIX = ".safetensors"


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint with `weights_only=True`: a file that would run code is refused."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: checkpoint not found")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else "unsafe content"
        raise UserError(f"{path}: refused to load checkpoint (not plain tensors/data: {first_line[:120]})") from None
    except Exception as err:  # truncated or foreign files
        raise UserError(f"{path}: not a readable checkpoint ({type(err).__name__})") from None
    if not isinstance(state, dict) or "config" not in state or not ("networks" in state or "generator" in state):
        raise UserError(f"{path}: not a ganforge checkpoint")
    return upgrade_checkpoint(state, path)


CHECKPOINT_FORMATS = ("ganforge-checkpoint/1", "ganforge-checkpoint/2")


def upgrade_checkpoint(state: dict[str, Any], path: Path) -> dict[str, Any]:
    """A checkpoint in the current layout (format 2: networks, EMAs and optimisers by name).

    Format 1 (unconditional runs of earlier releases: generator, discriminator, opt_g, ...) is
    mapped onto the names the unconditional task uses, so those runs still sample and resume.
    """
    fmt = state.get("format")
    if fmt not in CHECKPOINT_FORMATS:
        raise UserError(f"{path}: checkpoint format {fmt!r} is not one this ganforge reads ({', '.join(CHECKPOINT_FORMATS)})")
    if fmt == CHECKPOINT_FORMATS[1]:
        return state
    return {
        **{key: value for key, value in state.items() if key not in ("generator", "discriminator", "generator_ema")},
        "format": CHECKPOINT_FORMATS[1],
        "task": "unconditional",
        "data": {"class_names": None, "class_counts": None},
        "networks": {"G": state["generator"], "D": state["discriminator"]},
        "ema": {"G": state["generator_ema"]} if state.get("generator_ema") is not None else {},
        "optimizers": {"G": state["opt_g"], "D": state["opt_d"]},
        "batches": {"sampler": state["sampler"], "crop_generator": state["crop_generator"]},
        "guard": None,
    }


def latest_checkpoint(run_dir: Path) -> Path | None:
    path = Path(run_dir) / CHECKPOINT_DIR / LATEST
    return path if path.is_file() else None


def is_run_source(spec: str | Path) -> bool:
    """True for a run directory, a `.ckpt` file or an exported `.safetensors` generator."""
    path = Path(spec)
    if path.is_dir():
        return latest_checkpoint(path) is not None
    return path.is_file() and path.suffix in (".ckpt", EXPORT_SUFFIX)


def resolve_checkpoint(spec: str | Path) -> Path:
    path = Path(spec)
    if path.is_dir():
        found = latest_checkpoint(path)
        if found is None:
            raise UserError(f"{path}: no {CHECKPOINT_DIR}/{LATEST} in this run directory")
        return found
    if not path.exists():
        raise UserError(f"{path}: no such run directory or checkpoint")
    return path


def config_from_state(state: dict, label: str) -> Config:
    import yaml

    return validate(yaml.safe_load(state["config"]), label)


def build_generator(config: Config, class_names: list[str] | None = None, class_counts: list[int] | None = None) -> nn.Module:
    """The sampled network of the config's task, with its class metadata attached."""
    from ganforge.training.objectives import OBJECTIVES, DataInfo

    objective = OBJECTIVES[config.task]
    info = DataInfo(config.data.resolution, config.data.channels, class_names, class_counts)
    declared = {decl.name: decl.module for decl in objective.declare(config, info)}
    generator = declared[objective.sampled]
    if getattr(generator, "num_classes", 0):
        generator.class_names, generator.class_counts = class_names, class_counts
    return generator


def _load_export(path: Path) -> nn.Module:
    meta_path = path.with_suffix(".json")
    if not meta_path.is_file():
        raise UserError(f"{path}: missing {meta_path.name} beside the exported generator")
    try:
        meta = json.loads(meta_path.read_text())
        config = validate(meta["config"], str(meta_path))
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError):
        raise UserError(f"{meta_path}: expected JSON with a 'config' mapping") from None
    generator = build_generator(config, meta.get("class_names"), meta.get("class_counts"))
    try:
        generator.load_state_dict(load_file(path))
    except Exception as err:
        raise UserError(f"{path}: weights do not match the config in {meta_path.name} ({type(err).__name__})") from None
    return generator


def load_generator(spec: str | Path, ema: bool = True) -> nn.Module:
    """Generator in eval mode on CPU from a run dir, checkpoint or exported `.safetensors`.

    Uses the EMA weights when the run kept them and `ema` is True.
    """
    path = resolve_checkpoint(spec)
    if path.suffix == EXPORT_SUFFIX:
        return _load_export(path).eval()
    state = load_checkpoint(path)
    config = config_from_state(state, str(path))
    generator, weights, _ = _sampled_weights(state, config, ema)
    try:
        generator.load_state_dict(weights)
    except RuntimeError:
        raise UserError(f"{path}: its weights do not match its own config (an inconsistent checkpoint)") from None
    if getattr(generator, "text_encoder", None) is not None:  # text runs: captions to draw prompts from
        trained_with = (state.get("objective") or {}).get("text_encoder")
        if trained_with != generator.text_encoder.cache_key():
            raise UserError(f"{path}: trained with text encoder {trained_with}, but its config now gives "
                            f"{generator.text_encoder.cache_key()} (other text.weights?)")
        generator.prompt_pool = (state.get("objective") or {}).get("captions")
    return generator.eval()


def _sampled_weights(state: dict, config: Config, ema: bool) -> tuple[nn.Module, dict, bool]:
    """(the sampled network built from config, its weights from the checkpoint, EMA used?)."""
    from ganforge.training.objectives import OBJECTIVES

    data = state.get("data") or {}
    generator = build_generator(config, data.get("class_names"), data.get("class_counts"))
    name = OBJECTIVES[config.task].sampled
    use_ema = ema and name in state["ema"]
    return generator, state["ema"][name] if use_ema else state["networks"][name], use_ema


def export_generator(spec: str | Path, out: str | Path) -> tuple[Path, Path]:
    """Write the (EMA) generator as safetensors plus a JSON with what rebuilds it."""
    from safetensors.torch import save

    from ganforge import __version__
    from ganforge.atomic import atomic_write

    path = resolve_checkpoint(spec)
    state = load_checkpoint(path)
    config = config_from_state(state, str(path))
    generator, weights, use_ema = _sampled_weights(state, config, ema=True)
    try:
        generator.load_state_dict(weights)
    except RuntimeError:
        raise UserError(f"{path}: its weights do not match its own config; nothing exported") from None
    out = Path(out)
    if out.suffix != EXPORT_SUFFIX:
        raise UserError(f"--out {out}: expected a file name ending in {EXPORT_SUFFIX}")
    tensors = {name: tensor.contiguous() for name, tensor in weights.items()}
    meta = {
        "format": "ganforge-generator/2",
        "task": config.task,
        "class_names": getattr(generator, "class_names", None),
        "class_counts": getattr(generator, "class_counts", None),
        "ganforge_version": __version__,
        "step": int(state["step"]),
        "weights": "ema" if use_ema else "raw",
        "model": config.model.name,
        "z_dim": config.model.z_dim,
        "resolution": config.data.resolution,
        "channels": config.data.channels,
        "config": config.model_dump(mode="json"),
    }
    atomic_write(out, lambda handle: handle.write(save(tensors)))
    meta_path = out.with_suffix(".json")
    atomic_write(meta_path, lambda handle: handle.write(json.dumps(meta, indent=2).encode()))
    return out, meta_path

