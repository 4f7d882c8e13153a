"""Run directories and loading a generator from a run, checkpoint or export."""

from __future__ import annotations

import json
import pickle
import re
import warnings
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file
from torch import nn

from ganforge.config import Config, validate
from ganforge.errors import UserError

CHECKPOINT_DIR = "checkpoints"
TRANSLATING_TASKS = ("pix2pix", "colorize", "cyclegan")  # their networks map images to images, not latents
LATEST = "latest.ckpt"
EXPORT_SUFFIX = ".safetensors"


NOT_A_CHECKPOINT = "not a ganforge checkpoint"
_UNSAFE_GLOBAL = re.compile(r"Unsupported global: GLOBAL (\S+)")


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint with `weights_only=True`: a file that would run code is refused."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: checkpoint not found")
    try:
        with warnings.catch_warnings():  # torch's notes on pickle protocols would precede our one line
            warnings.simplefilter("ignore", UserWarning)
            state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        raise UserError(_refusal(path, str(err))) from None
    except Exception:  # truncated, random or foreign files fail in many ways, all meaning this
        raise UserError(f"{path}: {NOT_A_CHECKPOINT} (unreadable or truncated)") from None
    if not isinstance(state, dict) or "config" not in state or not _has_networks(state):
        raise UserError(f"{path}: {NOT_A_CHECKPOINT} (a PyTorch file without its networks and config)")
    try:
        return upgrade_checkpoint(state, path)
    except KeyError as err:
        raise UserError(f"{path}: {NOT_A_CHECKPOINT} (no {err} entry)") from None


def _has_networks(state: dict) -> bool:
    return isinstance(state.get("networks"), dict) or isinstance(state.get("generator"), dict)


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


def _refusal(path: Path, message: str) -> str:
    """Why `torch.load(weights_only=True)` refused: a pickle with code references, or not PyTorch at all."""
    import zipfile

    with path.open("rb") as handle:
        pickled = handle.read(1) == b"\x80"  # the PROTO opcode: a legacy torch file or a bare pickle
    if not (pickled or zipfile.is_zipfile(path)):
        return f"{path}: {NOT_A_CHECKPOINT} (not a PyTorch file)"
    unsafe = _UNSAFE_GLOBAL.search(message)
    named = f" ({unsafe.group(1).rstrip('.')})" if unsafe else ""
    return (
        f"{path}: refused: it holds Python objects beyond tensors and plain data{named}, and loading"
        f" them could run code; {NOT_A_CHECKPOINT}"
    )


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
    from ganforge.textfiles import parse_yaml

    text = state["config"]
    try:
        tree = parse_yaml(text, label) if isinstance(text, str) else None
    except UserError:
        tree = None
    if not isinstance(tree, dict):
        raise UserError(f"{label}: the checkpoint's embedded config is not a YAML mapping; {NOT_A_CHECKPOINT}")
    return validate(tree, f"{label} (embedded config)")


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


def load_weights(module: nn.Module, weights: Any, label: str, config: Config) -> nn.Module:
    """`module.load_state_dict(weights)`, or one line naming the first key that does not match."""
    if not isinstance(weights, dict):
        raise UserError(f"{label}: generator weights are not a mapping of tensors")
    try:
        module.load_state_dict(weights)
    except (RuntimeError, KeyError, TypeError, ValueError) as err:
        first = str(err).splitlines()[1].strip() if len(str(err).splitlines()) > 1 else type(err).__name__
        raise UserError(
            f"{label}: weights do not match its config (model {config.model.name!r}): {first[:160]}"
        ) from None
    return module


def read_json_mapping(path: Path) -> dict:
    """A JSON object from a UTF-8 file, or one line saying what it is instead."""
    from ganforge.textfiles import read_json

    data = read_json(path)
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected a JSON object, found a {type(data).__name__}")
    return data


def _load_export(path: Path) -> nn.Module:
    meta_path = path.with_suffix(".json")
    if not meta_path.is_file():
        raise UserError(f"{path}: missing {meta_path.name} beside the exported generator")
    meta = read_json_mapping(meta_path)
    if not isinstance(meta.get("config"), dict):
        raise UserError(f"{meta_path}: expected a 'config' mapping (written by ganforge export)")
    config = validate(meta["config"], str(meta_path))
    generator = build_generator(config, meta.get("class_names"), meta.get("class_counts"))
    try:
        weights = load_file(path)
    except Exception:  # safetensors reports a bad header in several ways
        raise UserError(f"{path}: not a readable safetensors file") from None
    return load_weights(generator, weights, f"{path} (config in {meta_path.name})", config)


def load_generator(spec: str | Path, ema: bool = True) -> nn.Module:
    """Generator in eval mode on CPU from a run dir, checkpoint or exported `.safetensors`.

    Uses the EMA weights when the run kept them and `ema` is True.
    """
    path = resolve_checkpoint(spec)
    if path.suffix == EXPORT_SUFFIX:
        return _load_export(path).eval()
    state = load_checkpoint(path)
    config = config_from_state(state, str(path))
    if config.task in TRANSLATING_TASKS:
        raise UserError(f"{path}: a {config.task} run translates images; use `ganforge translate` and `ganforge eval-translation`")
    generator, weights, _ = _sampled_weights(state, config, ema)
    generator = load_weights(generator, weights, str(path), config)
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
    from ganforge.outputs import check_output_file

    out = Path(out)
    if out.suffix != EXPORT_SUFFIX:
        raise UserError(f"--out {out}: expected a file name ending in {EXPORT_SUFFIX}")
    check_output_file(out, "--out", inputs=(spec,))
    check_output_file(out.with_suffix(".json"), "--out", inputs=(spec,))
    path = resolve_checkpoint(spec)
    state = load_checkpoint(path)
    config = config_from_state(state, str(path))
    generator, weights, use_ema = _sampled_weights(state, config, ema=True)
    load_weights(generator, weights, str(path), config)  # refuse what could not be loaded: nothing exported
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

