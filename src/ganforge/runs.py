"""Run directories, and loading a run (checkpoint or export) for inference as one `LoadedRun`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from safetensors.torch import load_file
from torch import nn

from ganforge.conditions import Conditions, attach_conditions, conditions_of
from ganforge.config import Config, validate
from ganforge.errors import UserError

if TYPE_CHECKING:
    from ganforge.metrics.inputs import GeneratorSource
    from ganforge.training.objectives import Objective
    from ganforge.translation.translator import Translator

from ganforge.outputs import EXPORT_SUFFIX, is_run_source
from ganforge.training.checkpoint import (  # noqa: F401  (reading checkpoints: re-exported for callers of runs)
    NOT_A_CHECKPOINT,
    config_from_state,
    load_checkpoint,
    resolve_checkpoint,
    upgrade_checkpoint,
)


def build_networks(config: Config, names: tuple[str, ...] | None, class_names: list[str] | None = None,
                   class_counts: list[int] | None = None, saved: dict | None = None) -> dict[str, nn.Module]:
    """The named networks (None: all) of the config's task; the sampled one carries its
    objective's conditions."""
    from ganforge.training.objectives import OBJECTIVES, DataInfo

    objective = OBJECTIVES[config.task]
    info = DataInfo(config.data.resolution, config.data.channels, class_names, class_counts)
    declared = {decl.name: decl.module for decl in objective.declare(config, info)}
    networks = {name: declared[name] for name in names or declared}
    if objective.sampled in networks:
        attach_conditions(networks[objective.sampled], objective.conditions, class_names, class_counts, saved)
    return networks


def build_generator(config: Config, class_names: list[str] | None = None, class_counts: list[int] | None = None,
                    saved: dict | None = None) -> nn.Module:
    """The network an export holds (`Objective.inference_network`), with its conditions attached."""
    from ganforge.training.objectives import OBJECTIVES

    objective = OBJECTIVES[config.task]
    networks = build_networks(config, objective.loaded_networks(config), class_names, class_counts, saved)
    return objective.inference_network(config, networks)


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


# What each kind of output is used with, for the one line that refuses a run of the other kind.
OUTPUT_COMMANDS = {
    "latents": "samples images (use `ganforge sample`, `interpolate`, `eval` or `align`)",
    "translation": "translates images (use `ganforge translate` or `ganforge eval-translation`)",
}


@dataclass
class LoadedRun:
    """A trained run as inference sees it: its config, its objective and its networks (eval
    mode, on the CPU). `sample`, `interpolate`, `translate`, `export`, `eval`, `align`,
    `report` and the Python API ask this object, never which task trained it."""

    source: Path
    config: Config
    objective: type[Objective]
    networks: dict[str, nn.Module]
    step: int
    weights: str  # "ema" or "raw"
    class_names: list[str] | None = None
    class_counts: list[int] | None = None
    saved: dict = field(default_factory=dict)  # the objective's own checkpoint state
    exported: bool = False  # an export: only `generator` has its trained weights

    @property
    def output(self) -> str:
        return self.objective.output

    @property
    def generator(self) -> nn.Module:
        """The network that samples (or, for a translation run, translates its first direction)."""
        return self.objective.inference_network(self.config, self.networks)

    @property
    def conditions(self) -> Conditions:
        return conditions_of(self.generator)

    def translators(self) -> dict[str, Any]:
        """{direction: Translator} of a translation run (the first: its default direction; an
        export holds that one only)."""
        translators = self.objective.translators(self.config, self.networks)
        return dict([next(iter(translators.items()))]) if self.exported else translators

    def require(self, output: str) -> LoadedRun:
        """This run, or one line saying what it makes instead of `output`."""
        if self.output != output:
            raise UserError(f"{self.source}: a {self.config.task} run {OUTPUT_COMMANDS[self.output]}")
        return self


def load_run(spec: str | Path, ema: bool = True, needs: str | None = None) -> LoadedRun:
    """A run directory, checkpoint or exported `.safetensors` as a `LoadedRun`; with `needs`
    ("latents" or "translation"), a run of the other kind is refused in one line."""
    path = resolve_checkpoint(spec)
    loaded = _load_export(path) if path.suffix == EXPORT_SUFFIX else _load_checkpoint_run(path, ema)
    for network in loaded.networks.values():
        network.eval()
    return loaded.require(needs) if needs else loaded


def _load_checkpoint_run(path: Path, ema: bool) -> LoadedRun:
    from ganforge.training.objectives import OBJECTIVES

    state = load_checkpoint(path)
    config = config_from_state(state, str(path))
    objective = OBJECTIVES[config.task]
    data = state.get("data") or {}
    saved = state.get("objective") or {}
    names = objective.loaded_networks(config)
    networks = build_networks(config, names, data.get("class_names"), data.get("class_counts"), saved)
    use_ema = False
    for name, network in networks.items():  # each network's EMA where it keeps one
        from_ema = ema and name in state["ema"]
        use_ema |= from_ema
        load_weights(network, (state["ema"] if from_ema else state["networks"]).get(name), f"{path} ({name})", config)
    objective.check_loaded(config, saved, networks, str(path))
    return LoadedRun(path, config, objective, networks, int(state["step"]), "ema" if use_ema else "raw",
                     data.get("class_names"), data.get("class_counts"), saved)


def _load_export(path: Path) -> LoadedRun:
    from ganforge.training.objectives import OBJECTIVES

    meta_path = path.with_suffix(".json")
    if not meta_path.is_file():
        raise UserError(f"{path}: missing {meta_path.name} beside the exported generator")
    meta = read_json_mapping(meta_path)
    if not isinstance(meta.get("config"), dict):
        raise UserError(f"{meta_path}: expected a 'config' mapping (written by ganforge export)")
    config = validate(meta["config"], str(meta_path), written=True)
    objective = OBJECTIVES[config.task]
    saved = meta.get("objective") if isinstance(meta.get("objective"), dict) else {}
    networks = build_networks(config, objective.loaded_networks(config), meta.get("class_names"), meta.get("class_counts"), saved)
    generator = objective.inference_network(config, networks)
    try:
        weights = load_file(path)
    except Exception:  # safetensors reports a bad header in several ways
        raise UserError(f"{path}: not a readable safetensors file") from None
    load_weights(generator, weights, f"{path} (config in {meta_path.name})", config)
    return LoadedRun(path, config, objective, networks, int(meta.get("step", 0)), str(meta.get("weights", "ema")),
                     meta.get("class_names"), meta.get("class_counts"), saved, exported=True)


def load_generator(spec: str | Path, ema: bool = True) -> nn.Module:
    """Generator in eval mode on CPU from a run dir, checkpoint or exported `.safetensors`,
    carrying its conditions (see `ganforge.conditions`). Uses the EMA weights when the run kept
    them and `ema` is True; a translation run is refused (see `load_run`)."""
    return load_run(spec, ema, needs="latents").generator


def evaluation_source(spec: Any) -> Any | GeneratorSource:
    """What the metrics read for `spec` (`eval --fake/--real`, `stats SRC`): a run directory,
    checkpoint or export as its generator, loaded when first read; anything else as given."""
    from ganforge.metrics.inputs import GeneratorSource

    if isinstance(spec, str | Path) and is_run_source(spec):
        return GeneratorSource(str(spec), lambda: load_generator(spec))
    return spec


TRANSLATION_DIRECTIONS = ("AtoB", "BtoA")


def load_translator(run: str | Path, direction: str | None = None, ema: bool = True, device: str = "cpu") -> Translator:
    """One direction (default: the run's first) of a translation run, in eval mode on `device`."""
    from ganforge.metrics.protocol import resolve_device

    device = resolve_device(device)
    loaded = load_run(run, ema=ema, needs="translation")
    translators = loaded.translators()
    if direction is not None and direction not in TRANSLATION_DIRECTIONS:
        raise UserError(f"--direction {direction}: expected {' or '.join(TRANSLATION_DIRECTIONS)}")
    chosen = direction or next(iter(translators))
    if chosen not in translators:
        raise UserError(f"--direction {chosen}: this {loaded.config.task} run translates {', '.join(translators)} only "
                        f"(its translation.direction)")
    translator = translators[chosen]
    translator.network.to(device).eval()
    return translator


def export_generator(spec: str | Path, out: str | Path) -> tuple[Path, Path]:
    """Write the (EMA) sampled network as safetensors plus a JSON with what rebuilds it."""
    from safetensors.torch import save

    from ganforge import __version__
    from ganforge.atomic import atomic_write
    from ganforge.outputs import check_output_file, run_files

    out = Path(out)
    if out.suffix != EXPORT_SUFFIX:
        raise UserError(f"--out {out}: expected a file name ending in {EXPORT_SUFFIX}")
    check_output_file(out, "--out", inputs=run_files(spec))
    check_output_file(out.with_suffix(".json"), "--out", inputs=run_files(spec))
    run = load_run(spec, ema=True)  # refuses what could not be loaded: nothing exported
    if run.source.suffix == EXPORT_SUFFIX:
        raise UserError(f"{run.source}: already an export; give a run directory or .ckpt")
    config = run.config
    tensors = {name: tensor.contiguous() for name, tensor in run.generator.state_dict().items()}
    meta = {
        "format": "ganforge-generator/2",
        "task": config.task,
        **run.conditions.record(),
        "ganforge_version": __version__,
        "step": run.step,
        "weights": run.weights,
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
