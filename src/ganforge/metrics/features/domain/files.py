"""An evaluator on disk: `DIR/weights.safetensors` + `DIR/evaluator.json`; no pickle anywhere."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file
from safetensors.torch import save as safetensors_bytes

from ganforge.atomic import atomic_write_bytes
from ganforge.errors import UserError
from ganforge.metrics.features.domain.architectures import ARCHITECTURES, build_network
from ganforge.metrics.features.domain.network import EvaluatorNet
from ganforge.storage import sha256_of_file

WEIGHTS_FILE = "weights.safetensors"
META_FILE = "evaluator.json"
FORMAT = "ganforge-evaluator/1"
# Keys a loadable evaluator.json must hold (training reports add more).
REQUIRED_KEYS = (
    "format",
    "name",
    "mode",
    "architecture",
    "preprocessing",
    "feature_layer",
    "weights",
)


def save_evaluator(directory: str | Path, network: torch.nn.Module, meta: dict) -> dict:
    """Write the weights (float32 safetensors) then the JSON, which gains `weights.sha256`.

    Returns the JSON as written. The JSON goes last, so a directory with a JSON is complete.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    state = {
        name: tensor.detach().to("cpu").contiguous()
        for name, tensor in network.state_dict().items()
    }
    payload = safetensors_bytes(state, metadata={"format": FORMAT})
    atomic_write_bytes(directory / WEIGHTS_FILE, payload)
    meta = {
        **meta,
        "format": FORMAT,
        "weights": {"file": WEIGHTS_FILE, "sha256": hashlib.sha256(payload).hexdigest()},
    }
    atomic_write_bytes(
        directory / META_FILE, (json.dumps(meta, indent=2, sort_keys=False) + "\n").encode()
    )
    return meta


def read_meta(directory: str | Path) -> dict:
    """Parse and check `DIR/evaluator.json`; UserError names the file and the missing key."""
    path = Path(directory) / META_FILE
    if not Path(directory).is_dir():
        raise UserError(
            f"{directory}: evaluator directory not found (expected {META_FILE} and {WEIGHTS_FILE})"
        )
    if not path.is_file():
        raise UserError(f"{path}: missing; not a ganforge evaluator directory")
    try:
        meta = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise UserError(f"{path}: not valid JSON ({err.__class__.__name__})") from None
    if not isinstance(meta, dict):
        raise UserError(f"{path}: expected a JSON object")
    for key in REQUIRED_KEYS:
        if key not in meta:
            raise UserError(f"{path}: missing key {key!r}")
    for key in ("architecture", "preprocessing", "feature_layer", "weights"):
        if not isinstance(meta[key], dict):
            raise UserError(f"{path}: key {key!r} must be a JSON object")
    if meta["format"] != FORMAT:
        raise UserError(f"{path}: format {meta['format']!r} is not {FORMAT!r}")
    if meta["architecture"].get("name") not in ARCHITECTURES:
        raise UserError(
            f"{path}: architecture.name {meta['architecture'].get('name')!r} unknown; "
            f"allowed: {', '.join(sorted(ARCHITECTURES))}"
        )
    return meta


def load_evaluator(
    directory: str | Path, device: str | torch.device = "cpu"
) -> tuple[EvaluatorNet, dict]:
    """DIR -> (EvaluatorNet in eval mode on `device`, its evaluator.json). Safetensors + JSON only."""
    meta = read_meta(directory)
    weights_path = Path(directory) / meta["weights"].get("file", WEIGHTS_FILE)
    if not weights_path.is_file():
        raise UserError(f"{weights_path}: missing; the evaluator's weights file")
    if sha256_of_file(weights_path) != meta["weights"].get("sha256"):
        raise UserError(
            f"{weights_path}: SHA-256 differs from weights.sha256 in {META_FILE} (file replaced?)"
        )
    try:
        network = build_network(meta["architecture"])
    except (TypeError, ValueError) as err:
        raise UserError(f"{Path(directory) / META_FILE}: bad architecture entry ({err})") from None
    try:
        state = load_file(weights_path)
    except (SafetensorError, OSError) as err:
        raise UserError(f"{weights_path}: not a readable safetensors file ({err})") from None
    try:
        network.load_state_dict(state, strict=True)
    except RuntimeError:
        raise UserError(
            f"{weights_path}: tensors do not match the architecture in {META_FILE}"
        ) from None
    return EvaluatorNet(network.to(device), meta["preprocessing"]), meta
