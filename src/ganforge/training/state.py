"""Everything a run trains and checkpoints, built from a config, saved and restored as one."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ganforge import __version__
from ganforge.config import Config, dump_config
from ganforge.data.training import TrainingImages, load_training_images, random_crop, to_model_range
from ganforge.models import build_models
from ganforge.sampling import latents
from ganforge.training.batches import EpochSampler
from ganforge.training.device import Placement, placement
from ganforge.training.ema import GeneratorEMA
from ganforge.training.objectives import OBJECTIVES
from ganforge.training.rng import restore_rng_state, rng_state


@dataclass
class TrainingState:
    config: Config
    placement: Placement
    data: TrainingImages
    sampler: EpochSampler
    crop_generator: torch.Generator
    generator: nn.Module
    discriminator: nn.Module
    ema: GeneratorEMA | None
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    scaler: torch.amp.GradScaler
    objective: object
    fixed_latents: torch.Tensor
    step: int = 0

    @property
    def sampling_generator(self) -> nn.Module:
        return self.ema.module if self.ema is not None else self.generator

    def next_real_batch(self) -> torch.Tensor:
        """[B,C,R,R] float in [-1,1] on the training device."""
        images = self.data.images[self.sampler.next_indices().to(self.data.images.device)]
        resolution = self.config.data.resolution
        if images.shape[-1] != resolution:
            images = random_crop(images, resolution, self.crop_generator)
        batch = to_model_range(images).to(self.placement.device, non_blocking=True)
        if self.placement.channels_last:
            batch = batch.contiguous(memory_format=torch.channels_last)
        return batch

    def state_dict(self) -> dict:
        return {
            "format": "ganforge-checkpoint/1",
            "ganforge_version": __version__,
            "step": self.step,
            "kimg": self.step * self.config.train.batch_size * self.config.train.n_dis / 1000,
            "config": dump_config(self.config),
            "generator": self.generator.state_dict(),
            "discriminator": self.discriminator.state_dict(),
            "generator_ema": self.ema.state_dict() if self.ema is not None else None,
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "scaler": self.scaler.state_dict(),
            "objective": self.objective.state_dict(),
            "sampler": self.sampler.state_dict(),
            "crop_generator": self.crop_generator.get_state(),
            "rng": rng_state(),
        }

    def load_state_dict(self, state: dict) -> None:
        self.generator.load_state_dict(state["generator"])
        self.discriminator.load_state_dict(state["discriminator"])
        if self.ema is not None and state["generator_ema"] is not None:
            self.ema.load_state_dict(state["generator_ema"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        if state["scaler"]:
            self.scaler.load_state_dict(state["scaler"])
        self.objective.load_state_dict(state["objective"])
        self.sampler.load_state_dict(state["sampler"])
        self.crop_generator.set_state(state["crop_generator"])
        restore_rng_state(state["rng"])
        self.step = int(state["step"])


GPU_RESIDENT_BYTES = 1 << 30  # uint8 data sets up to 1 GiB live on the GPU: no per-batch copies


def _stage_on_device(images: torch.Tensor, device: torch.device) -> torch.Tensor:
    if device.type != "cuda":
        return images
    if images.numel() <= GPU_RESIDENT_BYTES:
        return images.to(device)
    return images.pin_memory()  # larger sets: asynchronous host-to-device copies


def _adam(module: nn.Module, lr: float, betas: tuple[float, float]) -> torch.optim.Optimizer:
    return torch.optim.Adam(module.parameters(), lr=lr, betas=betas)


def build_state(config: Config) -> TrainingState:
    """Data, models, EMA, optimisers and objective; the caller has already seeded the RNGs."""
    place = placement(config.train.device, config.train.amp, config.train.channels_last)
    data = load_training_images(config.data)
    data.images = _stage_on_device(data.images, place.device)
    generator, discriminator = build_models(config.model, config.data.resolution, config.data.channels)
    memory_format = torch.channels_last if place.channels_last else torch.contiguous_format
    generator = generator.to(place.device, memory_format=memory_format)
    discriminator = discriminator.to(place.device, memory_format=memory_format)
    train = config.train
    ema = GeneratorEMA(generator, decay=train.ema.decay, start=train.ema.start) if train.ema.enabled else None
    objective = OBJECTIVES["unconditional"](config, generator, discriminator, place.device)
    if train.compile:
        # In-place compile keeps state_dict names, so checkpoints load with or without it.
        generator.compile()
        discriminator.compile()
    return TrainingState(
        config=config,
        placement=place,
        data=data,
        sampler=EpochSampler(len(data.images), train.batch_size, seed=config.seed),
        crop_generator=torch.Generator().manual_seed(config.seed + 1),
        generator=generator,
        discriminator=discriminator,
        ema=ema,
        opt_g=_adam(generator, train.lr_g, train.betas_g),
        opt_d=_adam(discriminator, train.lr_d, train.betas_d),
        scaler=torch.amp.GradScaler(place.device.type, enabled=place.needs_grad_scaler),
        objective=objective,
        fixed_latents=latents(train.sample_grid, config.model.z_dim, seed=config.seed + 2),
    )
