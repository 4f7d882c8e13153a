"""Everything a run trains and checkpoints, built from a config, saved and restored as one.

The state holds the objective's networks by name, with one Adam optimiser each and an EMA copy
where the objective asks for one; nothing here knows which task it trains.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from ganforge import __version__
from ganforge.conditions import attach_conditions
from ganforge.config import Config, DataConfig, dump_config
from ganforge.data.training import TrainingImages, load_training_images
from ganforge.distributed import Distribution
from ganforge.distributed.ranks import (
    own_rank_state,
    own_streams,
    start_own_streams,
    with_all_ranks,
)
from ganforge.distributed.wrap import wrap_networks
from ganforge.errors import UserError
from ganforge.training.batches import BatchSource, TrainingBatches
from ganforge.training.device import Placement, placement
from ganforge.training.ema import EMASchedule, GeneratorEMA
from ganforge.training.guard import DivergenceGuard
from ganforge.training.objectives import OBJECTIVES, DataInfo, Objective
from ganforge.training.rng import restore_rng_state, rng_state

CHECKPOINT_FORMAT = "ganforge-checkpoint/2"


@dataclass
class TrainingState:
    config: Config  # resolved: no "auto" values left
    placement: Placement
    data: TrainingImages
    data_info: DataInfo
    batches: TrainingBatches
    objective: Objective
    networks: dict[str, nn.Module]
    optimizers: dict[str, torch.optim.Optimizer]
    base_lrs: dict[str, float]
    emas: dict[str, GeneratorEMA]
    scalers: dict[str, torch.amp.GradScaler]  # one per phase, by phase name
    guard: DivergenceGuard
    fixed_inputs: dict[str, torch.Tensor] = field(default_factory=dict)
    step: int = 0
    distribution: Distribution = field(default_factory=Distribution)

    def sampling_networks(self) -> dict[str, nn.Module]:
        """Each network as samples should come from it: its EMA where it keeps one."""
        return {name: self.emas[name].module if name in self.emas else net for name, net in self.networks.items()}

    @property
    def sampled_network(self) -> nn.Module:
        """The network `sample`/`eval` use (EMA weights where kept), with its conditions."""
        return self.sampling_networks()[self.objective.sampled]

    def state_dict(self) -> dict:
        """The checkpoint; with several processes a collective (each adds its own streams)."""
        batch = self.config.train.batch_size
        return with_all_ranks({
            "format": CHECKPOINT_FORMAT,
            "ganforge_version": __version__,
            "task": self.config.task,
            "step": self.step,
            "kimg": self.step * batch * self.config.train.n_dis / 1000,
            "config": dump_config(self.config),
            "data": {"class_names": self.data_info.class_names, "class_counts": self.data_info.class_counts},
            "networks": {name: net.state_dict() for name, net in self.networks.items()},
            "ema": {name: ema.state_dict() for name, ema in self.emas.items()},
            "optimizers": {name: opt.state_dict() for name, opt in self.optimizers.items()},
            "scalers": {name: scaler.state_dict() for name, scaler in self.scalers.items()},
            "objective": self.objective.state_dict(),
            "batches": self.batches.state_dict(),
            "guard": self.guard.state_dict(),
            "rng": rng_state(),
        }, self.distribution)

    def load_state_dict(self, state: dict) -> None:
        """Restore a checkpoint of this task and networks; a mismatch is a UserError naming it."""
        _check_compatible(state, self)
        try:
            for name, net in self.networks.items():
                net.load_state_dict(state["networks"][name])
        except RuntimeError as err:
            detail = str(err).splitlines()[0][:200]
            raise UserError(f"checkpoint: network {name} does not match this config ({detail})") from None
        for name, ema in self.emas.items():
            if name in state["ema"]:
                ema.load_state_dict(state["ema"][name])
        for name, optimizer in self.optimizers.items():
            optimizer.load_state_dict(state["optimizers"][name])
        _load_scalers(self.scalers, state)
        own, borrowed = own_rank_state(state, self.distribution)
        self.objective.load_state_dict(own["objective"])
        self.batches.load_state_dict(own["batches"])
        if state.get("guard"):
            self.guard.load_state_dict(state["guard"])
        restore_rng_state(own["rng"])
        self.step = int(state["step"])
        if borrowed:  # a process the checkpoint did not have: streams of its own from here on
            own_streams(self, self.distribution.rank, self.step)


def _load_scalers(scalers: dict[str, torch.amp.GradScaler], state: dict) -> None:
    """Each phase's scaler state; a checkpoint with one shared scaler (saved before scalers
    were per phase) gives its scale to every phase. An empty state: the scaler was off."""
    saved = state.get("scalers")
    if saved is None:
        saved = dict.fromkeys(scalers, state.get("scaler") or {})
    for name, scaler in scalers.items():
        if saved.get(name) and scaler.is_enabled():
            scaler.load_state_dict(saved[name])


def _check_compatible(state: dict, training: TrainingState) -> None:
    if state["task"] != training.config.task:
        raise UserError(f"checkpoint: task {state['task']!r} differs from this config's task {training.config.task!r}")
    saved, built = set(state["networks"]), set(training.networks)
    if saved != built:
        raise UserError(f"checkpoint: networks {sorted(saved)} differ from this config's {sorted(built)}")


UNEVEN_CLASSES = 1.2  # largest / smallest class count from which data.balance=auto balances
GPU_RESIDENT_BYTES = 1 << 30  # uint8 data sets up to 1 GiB live on the GPU: no per-batch copies


def _stage_on_device(images: torch.Tensor, device: torch.device) -> torch.Tensor:
    if device.type != "cuda":
        return images
    if images.numel() <= GPU_RESIDENT_BYTES:
        return images.to(device)
    return images.pin_memory()  # larger sets: asynchronous host-to-device copies


def resolve_auto(config: Config, needs_labels: bool) -> Config:
    """The config with `data.resolution`/`data.channels` "auto" replaced by what the images say."""
    data = config.data
    if data.resolution != "auto" and data.channels != "auto":
        return config
    from ganforge.data.probe import auto_resolution, probe_images
    from ganforge.models import MODELS

    median_side, grayscale = probe_images(data.path, labels=data.labels or needs_labels, include=data.include)
    resolved = data.model_dump()
    if data.resolution == "auto":
        resolved["resolution"] = auto_resolution(median_side, MODELS[config.model.name].resolutions, data.max_resolution)
    if data.channels == "auto":
        resolved["channels"] = 1 if grayscale else 3
    tree = config.model_dump(mode="json")
    tree["data"] = resolved
    return Config.model_validate(tree)


def resolve_balance(config: Config, class_counts: list[int] | None) -> Config:
    """The config with `data.balance: auto` settled: balanced when the classes are uneven."""
    if config.data.balance != "auto":
        return config
    uneven = bool(class_counts) and max(class_counts) >= UNEVEN_CLASSES * max(1, min(class_counts))
    return config.model_copy(update={"data": config.data.model_copy(update={"balance": uneven})})


def _load_data(config: Config, objective_cls: type[Objective]) -> TrainingImages:
    needs_labels = objective_cls.data_needs_labels()
    data_cfg: DataConfig = config.data.model_copy(update={"labels": config.data.labels or needs_labels})
    data = objective_cls.prepare_data(config, load_training_images(data_cfg))
    if needs_labels and data.labels is None:
        raise UserError(
            f"data.path {config.data.path}: task {config.task} needs class labels; "
            "put each class in its own sub-folder (data.labels=true)"
        )
    return data


def _data_info(config: Config, data: TrainingImages) -> DataInfo:
    names = counts = None
    if data.labels is not None and data.class_names:
        names = list(data.class_names)
        counts = torch.bincount(data.labels, minlength=len(names)).tolist()
    return DataInfo(config.data.resolution, config.data.channels, names, counts)


def build_state(config: Config, distribution: Distribution | None = None) -> TrainingState:
    """Data, networks, EMAs, optimisers and objective; the caller has already seeded the RNGs
    (the same seed in every process, so every process starts from the same weights)."""
    distribution = distribution or Distribution()
    objective_cls = OBJECTIVES[config.task]
    config = resolve_auto(config, objective_cls.data_needs_labels())
    place = placement(config.train.device, config.train.amp, config.train.channels_last)
    data = objective_cls.load_data(config, place.device)
    if data is None:
        data = _load_data(config, objective_cls)
        data.images = _stage_on_device(data.images, place.device)
    info = _data_info(config, data)
    if "data.balance" in objective_cls.read_keys():  # a task that does not read it keeps "auto"
        config = resolve_balance(config, info.class_counts)
    train = config.train
    declared = objective_cls.declare(config, info)
    memory_format = torch.channels_last if place.channels_last else torch.contiguous_format
    networks = {decl.name: decl.module.to(place.device, memory_format=memory_format) for decl in declared}
    schedule = EMASchedule(train.batch_size, train.ema.half_life_kimg, train.ema.rampup, train.ema.decay)
    emas = {
        decl.name: GeneratorEMA(networks[decl.name], start=train.ema.start, schedule=schedule)
        for decl in declared
        if decl.ema
    }
    optimizers = {
        decl.name: torch.optim.Adam(networks[decl.name].parameters(), lr=decl.lr, betas=decl.betas)
        for decl in declared
    }
    called = wrap_networks(networks, distribution, place.device, train.distributed.sync_batchnorm)
    objective = objective_cls(config, called, place.device, info)
    if train.compile:
        # In-place compile keeps state_dict names, so checkpoints load with or without it.
        for net in networks.values():
            net.compile()
    state = TrainingState(
        config=config,
        placement=place,
        data=data,
        data_info=info,
        batches=objective_cls.batch_source(data, config, place.device, place.channels_last) or BatchSource(
            data, config.data.resolution, train.batch_size, config.seed, objective_cls.batch_keys,
            config.data.balance is True, place.device, place.channels_last, objective.batch_fields(data),
        ),
        objective=objective,
        networks=networks,
        optimizers=optimizers,
        base_lrs={decl.name: decl.lr for decl in declared},
        emas=emas,
        scalers={
            phase.name: torch.amp.GradScaler(place.device.type, enabled=place.needs_grad_scaler)
            for phase in objective.phases()
        },
        guard=DivergenceGuard(train.divergence),
        fixed_inputs=objective.fixed_inputs(train.sample_grid, seed=config.seed + 2),
        distribution=distribution,
    )
    sampled = objective_cls.sampled
    saved = objective.state_dict()  # after the batch fields: a text task knows its captions then
    for net in [networks[sampled]] if sampled in networks else []:
        for copy in (net, *([emas[sampled].module] if sampled in emas else [])):
            attach_conditions(copy, objective_cls.conditions, info.class_names, info.class_counts, saved)
    if distribution.active:
        start_own_streams(state, distribution)
    return state

