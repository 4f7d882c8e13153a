"""Typed configuration: one schema of defaults, YAML presets, dotted overrides.

A preset overrides a few keys of the defaults below; `key.sub=value` on the command
line overrides the preset. Every error names the key path and what was expected.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ganforge.choices import (
    LOSS_CHOICES,
    LOSS_OPTION_KEYS,
    MODEL_CHOICES,
    TASK_CHOICES,
    TEXT_ENCODER_CHOICES,
)
from ganforge.errors import UserError


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class DataConfig(Section):
    path: str = "builtin:digits"  # builtin:NAME, an image folder or a .zip
    # "auto": read from the images (smallest model resolution >= their median shorter side;
    # 1 channel when every image is grayscale). The run's config.yaml records the values used.
    resolution: int | Literal["auto"] = 32
    max_resolution: int | None = Field(None, ge=8)  # with resolution auto: the largest it may pick
    channels: Literal[1, 3, "auto"] = 1
    labels: bool = False  # class sub-folders give labels (used by task: conditional)
    # Class-balanced batches (each class equally likely, and G asked for each equally often);
    # "auto": balanced when the largest class has at least 1.2x the smallest's images
    # (training.state.UNEVEN_CLASSES); the run's config.yaml records the choice.
    balance: bool | Literal["auto"] = "auto"
    crop: Literal["center", "random"] = "center"
    max_images: int | None = Field(None, ge=1)
    include: str | None = None  # a keep list (`ganforge data audit --write-keep`): train on those files only

    @field_validator("resolution")
    @classmethod
    def _resolution_range(cls, value: int | str) -> int | str:
        if isinstance(value, int) and not 8 <= value <= 1024:
            raise ValueError(f"data.resolution: {value} is outside 8..1024 (or use auto)")
        return value

    @field_validator("balance", mode="before")
    @classmethod
    def _balance_choice(cls, value: Any) -> Any:
        if value == "auto" or isinstance(value, bool) or str(value).lower() in ("true", "false"):
            return value
        raise ValueError(f"data.balance: expected true, false or auto (got {value!r})")

    @field_validator("path")
    @classmethod
    def _path_given(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("data.path: required; give an image folder, a .zip or builtin:NAME (data.path=...)")
        return value


class GeneratorNetConfig(Section):
    # "auto": what the model measured best at the training resolution (models that have it)
    width: int | Literal["auto"] = 64
    # None: the model's own default; a model without the option refuses an explicit value.
    coords: bool | None = None  # x/y coordinate channels into every up-block (CoordConv)
    hierarchical_z: bool | None = None  # a chunk of z into every BatchNorm of G (BigGAN)

    @field_validator("width", mode="before")
    @classmethod
    def _width(cls, value: Any) -> Any:
        if value == "auto" or (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
            return value
        raise ValueError(f"model.g.width: a whole number of at least 1, or auto (got {value!r})")


class DiscriminatorNetConfig(Section):
    width: int = Field(64, ge=1)
    # None: the model's own default; a model without the option refuses an explicit value.
    batchnorm: bool | None = None
    spectral_norm: bool | None = None
    minibatch_std: bool | None = None  # ProGAN's minibatch standard deviation channel


class ModelConfig(Section):
    name: str = "dcgan"
    z_dim: int = Field(100, ge=1)
    g: GeneratorNetConfig = GeneratorNetConfig()
    d: DiscriminatorNetConfig = DiscriminatorNetConfig()


class LossConfig(Section):
    name: str | None = None  # None: the model's default loss (MODEL_CHOICES[name].default_loss)
    r1_gamma: float = Field(0.0, ge=0)  # R1 weight; 0 disables
    r1_every: int = Field(16, ge=1)  # lazy R1: every k D steps, scaled by k
    gp_weight: float = Field(10.0, ge=0)  # wgan-gp gradient penalty weight
    # task conditional: share of D's fake term given to real images with a wrong label
    # (the matching-aware D of Reed et al. 2016, for classes); 0 is off
    mismatch_weight: float = Field(0.0, ge=0, le=1)
    # task conditional: weight of an auxiliary classifier's cross-entropy (AC-GAN, Odena et al.
    # 2017): D's class head learns the real images' labels, G is asked to make its fakes
    # classified as theirs; 0 is off (no class head)
    ac_weight: float = Field(0.0, ge=0)
    # where that classifier lives: "d" a head on D's features (AC-GAN), "separate" a plain CNN of
    # its own trained on real images only (models/aux_classifier.py), which learns much sooner
    ac_classifier: Literal["d", "separate"] = "d"
    # width of the separate classifier's first layer (doubling per halving of the size, up to 8x):
    # its cost per step grows with the square of it, at 32 px some 4x D's at 32
    ac_width: int = Field(32, ge=1)
    # task conditional: weight λ of the bounded diversity term (training/objectives/diversity.py):
    # pairs of fakes sharing a class pay λ·relu(1 − d/τ), d their distance after pooling (below),
    # τ that of real images sharing a class, so each class is drawn as varied as its data; 0 is off
    diversity_weight: float = Field(0.0, ge=0)
    diversity_start: int = Field(0, ge=0)  # ... from this D step on (before it: fakes for the real labels)
    # ... side of the average-pooled images d and τ are taken on (1: each image's mean colour)
    diversity_pool: int = Field(8, ge=1)
    # ... and what d measures: "pooled" or "layout" (as text.diversity_distance)
    diversity_distance: Literal["pooled", "layout"] = "pooled"
    # image tasks: weight of G's MMD² between its fakes and 1,024 training images, both average-
    # pooled to mmd_pool² pixels (training/objectives/pixel_mmd.py), so a G that draws only some of the
    # data's colours or sizes pays for it; 0 is off
    mmd_weight: float = Field(0.0, ge=0)
    mmd_pool: int = Field(4, ge=1)
    # ... and on each image's per-channel soft maximum and minimum over its pixels too: a shape's
    # own colour, which the pooled mean dilutes with the ground when the shape is small
    mmd_extremes: bool = False


class AugmentConfig(Section):
    diffaugment: list[Literal["color", "translation", "cutout"]] = []


class EMAConfig(Section):
    enabled: bool = True
    # Half-life of the average in thousands of real images shown to D, as stylegan2-ada's
    # ema_kimg; with `rampup`, the half-life is at most rampup x images seen so far, so a short
    # run is not dragged back to its first weights.
    half_life_kimg: float = Field(10.0, gt=0)
    rampup: float | None = Field(0.01, gt=0)
    decay: float | None = Field(None, ge=0, lt=1)  # a fixed per-step decay instead of the half-life
    start: int = Field(0, ge=0)  # step from which the EMA starts averaging


class DivergenceConfig(Section):
    max_bad_steps: int = Field(5, ge=1)  # non-finite steps in a row before acting
    action: Literal["restore", "stop"] = "restore"
    lr_factor: float = Field(0.5, gt=0, le=1)  # lr multiplier after a restore
    max_restores: int = Field(3, ge=0)


class DistributedConfig(Section):
    """Settings that matter only when torchrun starts several processes."""

    # BatchNorm statistics over the global batch (SyncBatchNorm, CUDA only);
    # None: on for CUDA processes, off on CPU.
    sync_batchnorm: bool | None = None
    timeout_s: int = Field(600, ge=5)  # a process silent this long ends the run with an error


class TrainConfig(Section):
    steps: int = Field(2000, ge=1)  # generator steps
    batch_size: int = Field(64, ge=1)  # global: split over the processes torchrun starts
    n_dis: int = Field(1, ge=1)  # D steps per G step
    lr_g: float = Field(2e-4, gt=0)
    lr_d: float = Field(2e-4, gt=0)
    betas_g: tuple[float, float] = (0.5, 0.999)
    betas_d: tuple[float, float] = (0.5, 0.999)
    lr_decay: Literal["none", "linear"] = "none"
    # Stop after this many minutes of training in this process (wall clock from its first step),
    # with the checkpoint and final samples of a finished run: a budget in time, not steps.
    max_minutes: float | None = Field(None, gt=0)

    @field_validator("betas_g", "betas_d")
    @classmethod
    def _betas_in_range(cls, value: tuple[float, float], info) -> tuple[float, float]:
        if not all(0 <= beta < 1 for beta in value):
            raise ValueError(f"train.{info.field_name}: {list(value)}: Adam betas must lie in [0, 1)")
        return value

    lr_decay_start: int = Field(0, ge=0)  # linear decay to 0 from this step to `steps`
    ema: EMAConfig = EMAConfig()
    device: Literal["auto", "cpu", "cuda"] = "auto"
    amp: Literal["auto", "off", "bf16", "fp16"] = "auto"  # CUDA only; auto = bf16 where supported
    channels_last: bool = True
    compile: bool = False
    resume: Literal["never", "auto"] = "never"
    log_every: int = Field(50, ge=1)
    sample_every: int = Field(500, ge=1)
    sample_grid: int = Field(64, ge=1)  # images in the fixed-latent grid
    divergence: DivergenceConfig = DivergenceConfig()
    distributed: DistributedConfig = DistributedConfig()


class TextConfig(Section):
    """Text-to-image tasks (text-dfgan, text-gancls): the text encoder and the text losses."""

    encoder: str = "minilm"  # minilm, clip or learned (choices.TEXT_ENCODER_CHOICES; see ganforge.text)
    weights: str | None = None  # local weights: a folder or .zip (minilm), a checkpoint file (clip)
    clip_model: str = "ViT-B-32"  # open_clip architecture of text.encoder=clip
    cache: bool = True  # keep caption embeddings in $GANFORGE_HOME/text-embeddings
    mismatch_weight: float = Field(0.5, ge=0)  # weight of the real image with a wrong caption in D
    # text-dfgan: the wrong captions of a real image: "one" (the batch rolled by one, as DF-GAN)
    # or "all" (every other caption of the batch; under the hinge only those D does not yet
    # reject count, so captions that differ in one attribute get learned too)
    mismatch_pairs: Literal["one", "all"] = "one"
    ma_gp_weight: float = Field(2.0, ge=0)  # DF-GAN matching-aware gradient penalty k
    ma_gp_power: float = Field(6.0, gt=0)  # ... and its power p: k·E[‖∇_(x,e) D(x,e)‖^p]
    ma_gp_every: int = Field(1, ge=1)  # lazy MA-GP: every k D steps, weight scaled by k
    # Mode seeking (Mao et al. 2019, MSGAN) in DF-GAN's G step: weight of 1 / (mean |G(z1, e) -
    # G(z2, e)| / mean |z1 - z2|), which keeps G from drawing one image per caption; 0 is off.
    mode_seeking: float = Field(0.0, ge=0)
    # text-dfgan: weight λ of the bounded diversity term (training/objectives/diversity.py):
    # pairs of fakes sharing a caption pay λ·relu(1 − d/τ), d their distance after pooling
    # (below), τ that of real images sharing a caption; 0 is off.
    diversity_weight: float = Field(0.0, ge=0)
    diversity_start: int = Field(0, ge=0)  # ... from this step on (before it: one fake per caption)
    # ... side of the average-pooled images d and τ are taken on (1: each image's mean colour)
    diversity_pool: int = Field(8, ge=1)
    # ... and what d measures: "pooled" (mean |difference| of the pooled images) or "layout"
    # (where each image departs from its mean colour, as shares: position counts, amount not)
    diversity_distance: Literal["pooled", "layout"] = "pooled"
    # text-dfgan: images D reads at once, stacked along the channels: 1 (each alone) or 2 (two
    # images of one caption, PacGAN per caption: D sees one picture per prompt as fake)
    pack: int = Field(1, ge=1, le=2)
    # Weight of G's contrastive term: a text-image matcher trained on real pairs
    # (models/text_matcher.py) must pick each fake's caption among the run's captions rather
    # than "generated", which it learns for fakes; 0 is off.
    contrastive_weight: float = Field(0.0, ge=0)
    kl_weight: float = Field(2.0, ge=0)  # GAN-CLS conditioning augmentation KL weight
    condition_dim: int = Field(128, ge=1)  # GAN-CLS conditioning augmentation output size

    @field_validator("encoder")
    @classmethod
    def _known_encoder(cls, value: str) -> str:
        _check_choice("text.encoder", value, TEXT_ENCODER_CHOICES)
        return value


class CheckpointConfig(Section):
    every: int = Field(1000, ge=1)
    keep: int = Field(3, ge=0)  # numbered checkpoints kept besides `latest`; 0 keeps none


class EvalConfig(Section):
    every: int = Field(0, ge=0)  # 0 disables evaluation during training
    metrics: list[str] = ["fid"]
    features: str = "inception"
    weights: str | None = None
    n: int = Field(1000, ge=2)
    real: str | None = None  # reference source; default: data.path
    # metric that picks best.ckpt (lower is better for fid/kid); "a+b" ranks by the product of
    # metrics where higher is better, e.g. cacc+cdiv: right classes drawn in their variety
    best: str | None = None
    kid_subset_size: int = Field(1000, ge=2)

    @model_validator(mode="after")
    def _kid_fits(self) -> EvalConfig:
        if "kid" in self.metrics and self.kid_subset_size > self.n:
            raise ValueError(
                f"eval.kid_subset_size {self.kid_subset_size} exceeds eval.n {self.n}; "
                f"set eval.kid_subset_size={self.n} or less"
            )
        return self


class TranslationConfig(Section):
    """Image-to-image tasks (pix2pix, cyclegan, colorize): where pairs come from and the loss weights."""

    # auto: trainA/ -> unaligned, A/ and B/ -> paired, builtin:NAME -> derived, else aligned (A|B images)
    layout: Literal["auto", "aligned", "paired", "unaligned", "derived", "attribute"] = "auto"
    direction: Literal["AtoB", "BtoA"] = "AtoB"
    derive: Literal["grayscale", "edges"] = "edges"  # layout=derived: A made from the colour image B
    domain_a: str | None = None  # layout=attribute: e.g. "colour=red" (builtin:shapes attributes)
    domain_b: str | None = None
    input_channels: Literal[1, 3] = 3  # channels of A (data.channels are B's)
    jitter: bool = True  # resize to 286/256 of the resolution, then a random crop (same on both sides)
    flip: bool = True  # random horizontal flips (same on both sides of a pair)
    test_fraction: float = Field(0.1, gt=0, lt=1)  # held out when the source has no test split
    gan_loss: Literal["task", "vanilla", "lsgan"] = "task"  # task: vanilla (pix2pix) / lsgan (cyclegan)
    l1_weight: float = Field(100.0, ge=0)  # pix2pix/colorize: lambda of the L1 term
    cycle_weight: float = Field(10.0, ge=0)  # cyclegan: lambda of each cycle term
    identity_weight: float = Field(0.5, ge=0)  # cyclegan: identity loss = this x cycle_weight
    pool_size: int = Field(50, ge=0)  # cyclegan: history of fakes per discriminator (0: none)
    hint_none_prob: float = Field(0.125, ge=0, le=1)  # colorize: share of training inputs with no hint
    hint_geometric_p: float = Field(0.125, gt=0, le=1)  # colorize: hint count ~ Geometric(p) otherwise
    hint_max_patch: int = Field(0, ge=0)  # colorize: largest hint patch side (0: 9 px at 256, scaled)


class NiceGANConfig(Section):
    """task nicegan (Chen et al. 2020); its cycle weight is `translation.cycle_weight`."""

    blocks: int = Field(6, ge=0)  # AdaLIN residual blocks of each decoder (the paper: 6)
    recon_weight: float = Field(10.0, ge=0)  # each decoder rebuilds its own domain from its code (identity term)
    cam_weight: float = Field(1.0, ge=0)  # the CAM logits' adversarial terms, beside the three patch heads


class CUTConfig(Section):
    """task cut (Park et al. 2020): one-sided translation with PatchNCE. Unset keys follow `mode`."""

    mode: Literal["cut", "fastcut"] = "cut"
    nce_weight: float | None = Field(None, ge=0)  # lambda_NCE; None: 1 (cut) or 10 (fastcut)
    nce_identity: bool | None = None  # PatchNCE of G(B) against B too; None: on for cut, off for fastcut
    flip_equivariance: bool | None = None  # None: off for cut, on for fastcut
    # Generator layers whose features PatchNCE compares: the input, the two downsampling
    # convolutions, the first and the fifth residual block (the paper's 0,4,8,12,16 in this layout).
    nce_layers: list[int] = [0, 4, 7, 10, 14]
    patches: int = Field(256, ge=1)  # locations sampled per layer and image
    temperature: float = Field(0.07, gt=0)
    projection: int = Field(256, ge=1)  # width of each layer's two-layer MLP head

    def resolved(self) -> tuple[float, bool, bool]:
        """(nce_weight, nce_identity, flip_equivariance) with the mode's defaults filled in."""
        fast = self.mode == "fastcut"
        return (
            (10.0 if fast else 1.0) if self.nce_weight is None else self.nce_weight,
            (not fast) if self.nce_identity is None else self.nce_identity,
            fast if self.flip_equivariance is None else self.flip_equivariance,
        )


class TranslatorConfig(Section):
    """Networks of the translation tasks (Isola et al. 2017; Zhu et al. 2017)."""

    generator: Literal["unet", "resnet6", "resnet9"] = "unet"
    g_width: int = Field(64, ge=1)
    dropout: bool = True  # U-Net: dropout 0.5 in the inner decoder blocks; ResNet: in each block
    norm: Literal["batch", "instance"] = "batch"
    discriminator: Literal["patch", "pixel"] = "patch"
    d_layers: int = Field(3, ge=1)  # PatchGAN: 3 gives 70x70 patches
    d_width: int = Field(64, ge=1)


class Config(Section):
    name: str = "run"
    task: str = "unconditional"  # the objective: unconditional, conditional, pix2pix, cyclegan, nicegan, cut, colorize, text-dfgan, text-gancls
    seed: int = Field(0, ge=0, le=2**63 - 3)  # seed + 2 still fits torch's 64-bit seed
    data: DataConfig = DataConfig()
    model: ModelConfig = ModelConfig()
    loss: LossConfig = LossConfig()
    augment: AugmentConfig = AugmentConfig()
    train: TrainConfig = TrainConfig()
    ckpt: CheckpointConfig = CheckpointConfig()
    eval: EvalConfig = EvalConfig()
    translation: TranslationConfig = TranslationConfig()
    translator: TranslatorConfig = TranslatorConfig()
    nicegan: NiceGANConfig = NiceGANConfig()
    cut: CUTConfig = CUTConfig()
    text: TextConfig = TextConfig()

    @model_validator(mode="after")
    def _check_names(self, info: ValidationInfo) -> Config:
        # The tables of ganforge.choices: validating imports no network, loss or training code.
        _check_choice("task", self.task, TASK_CHOICES)
        task = TASK_CHOICES[self.task]
        reads = task.reads
        _check_choice("model.name", self.model.name, MODEL_CHOICES)
        spec = MODEL_CHOICES[self.model.name]
        if spec.built_by_task and task.model_name != spec.name:
            owners = [name for name, other in TASK_CHOICES.items() if other.model_name == spec.name]
            raise ValueError(f"model.name: {spec.name} is built by its own task only; use task: {', '.join(owners)}")
        check_read_keys(self, reads, reset=bool((info.context or {}).get("written")))
        if _covered("loss.name", reads):
            if self.loss.name is None:
                self.loss.name = spec.default_loss
            _check_choice("loss.name", self.loss.name, LOSS_CHOICES)
            _check_loss_keys(self)
        if isinstance(self.data.resolution, int) and task.uses_model_section:
            spec.check_resolution(self.data.resolution)
        if self.loss.ac_classifier != "d" and self.loss.ac_weight == 0:
            raise ValueError("loss.ac_classifier: used only with loss.ac_weight > 0; set ac_weight or remove the key")
        if self.loss.ac_width != LossConfig().ac_width and self.loss.ac_classifier != "separate":
            raise ValueError("loss.ac_width: the width of the separate classifier; set loss.ac_classifier=separate "
                             "(and loss.ac_weight > 0) or remove the key")
        if self.loss.mmd_extremes and self.loss.mmd_weight == 0:
            raise ValueError("loss.mmd_extremes: used only with loss.mmd_weight > 0; set mmd_weight or remove the key")
        if self.model.g.width == "auto" and task.uses_model_section and not spec.auto_g_widths:
            with_auto = ", ".join(name for name, other in MODEL_CHOICES.items() if other.auto_g_widths)
            raise ValueError(f"model.g.width: auto is known for model {with_auto} only, not {spec.name!r}; give a number")
        task.check(self, spec)
        # After the task's check: a text preset with the wrong model names the model, not its options.
        for net, options, known in (("g", spec.g_options, ("coords", "hierarchical_z")), ("d", spec.d_options, ("batchnorm", "spectral_norm", "minibatch_std"))):
            for option in known:
                if getattr(getattr(self.model, net), option) is not None and option not in options:
                    raise ValueError(
                        f"model.{net}.{option}: model {spec.name!r} has no such option; remove the key"
                        f" (options of its {net.upper()}: {', '.join(options) or 'none'})"
                    )
        return self


# Keys every task reads; each task adds its own (`TaskChoice.reads`).
COMMON_KEYS = ("name", "task", "seed", "data.path", "data.resolution", "data.max_resolution", "data.channels",
               "data.max_images", "train", "ckpt", "eval")
_NOT_COMMON = ("train.n_dis",)  # under a common section, yet read by some tasks only


def flatten(tree: dict, prefix: str = "") -> dict[str, Any]:
    """{"train.steps": 200, "model.g.width": 8, ...}: a config tree's leaf values by dotted key."""
    flat = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _covered(key: str, prefixes: tuple[str, ...]) -> bool:
    return any(key == prefix or key.startswith(prefix + ".") for prefix in prefixes)


def check_read_keys(config: Config, reads: tuple[str, ...], reset: bool = False) -> None:
    """A key set away from its default that the task does not read is an error, not a silent no-op.

    With `reset` (a config ganforge wrote: a run's config.yaml, a checkpoint, an export) such a key
    goes back to its default instead: earlier versions wrote every key, and some defaults changed.
    """
    defaults = flatten(Config.model_construct().model_dump())
    for key, value in flatten(config.model_dump()).items():
        if value == defaults.get(key, value) or _covered(key, reads):
            continue
        if _covered(key, COMMON_KEYS) and not _covered(key, _NOT_COMMON):
            continue
        if reset:
            *sections, field = key.split(".")
            owner = config
            for section in sections:
                owner = getattr(owner, section)
            setattr(owner, field, defaults[key])
            continue
        raise ValueError(f"{key}: task {config.task} does not read it (got {value!r}); remove the key")


def _check_loss_keys(config: Config) -> None:
    """Loss options that only some losses read, and lazy R1's interval without R1."""
    defaults = LossConfig()
    loss = LOSS_CHOICES[config.loss.name]
    for key in LOSS_OPTION_KEYS:
        field = key.split(".", 1)[1]
        if getattr(config.loss, field) != getattr(defaults, field) and key not in loss.reads:
            raise ValueError(f"{key}: loss {loss.name} does not read it (got {getattr(config.loss, field)!r}); remove the key")
    if config.loss.r1_every != defaults.r1_every and config.loss.r1_gamma == 0:
        raise ValueError(f"loss.r1_every: read only with loss.r1_gamma > 0 (got {config.loss.r1_every}); set r1_gamma or remove the key")


def _check_choice(path: str, value: str, registry: Collection[str]) -> None:
    if value not in registry:
        raise ValueError(f"{path}: unknown value {value!r}; allowed: {', '.join(sorted(registry))}")


PRESET_DIR = resources.files("ganforge") / "configs"


def preset_names() -> list[str]:
    return sorted(p.name[:-5] for p in PRESET_DIR.iterdir() if p.name.endswith(".yaml"))


def _read_yaml(source: str) -> tuple[dict, str]:
    """Read a YAML file path or a preset name; returns (mapping, label)."""
    path = Path(source)
    if not path.exists() and not source.endswith((".yaml", ".yml")):
        candidate = PRESET_DIR / f"{source}.yaml"
        if candidate.is_file():
            return yaml.safe_load(candidate.read_text()) or {}, source
    if path.is_dir():
        raise UserError(f"{source}: is a folder; expected a YAML config file or a preset name")
    if not path.is_file():
        raise UserError(f"{source}: config file not found (presets: {', '.join(preset_names())})")
    from ganforge.textfiles import read_yaml

    data = read_yaml(path, source) or {}
    if not isinstance(data, dict):
        raise UserError(f"{source}: expected a mapping of config keys at the top level")
    return data, str(path)


def parse_override(text: str) -> tuple[list[str], Any]:
    """`train.steps=300` -> (["train", "steps"], 300); the value is parsed as YAML, never executed."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise UserError(f"override {text!r}: expected key.sub=value")
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        value = raw
    return key.strip().split("."), value


def _set_dotted(tree: dict, keys: list[str], value: Any) -> None:
    node = tree
    for key in keys[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
    node[keys[-1]] = value


def _valid_paths(model: type[BaseModel], prefix: str = "") -> list[str]:
    paths = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        paths.append(path)
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            paths.extend(_valid_paths(annotation, path + "."))
    return paths


def _format_error(error: dict, label: str) -> str:
    path = ".".join(str(p) for p in error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(path, _valid_paths(Config), n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"{label}: unknown key {path!r}{hint}"
    if kind == "value_error":
        return f"{label}: {error['msg'].removeprefix('Value error, ')}"
    given = error.get("input")
    shown = repr(given) if not isinstance(given, dict) else "a mapping"
    return f"{label}: {path}: {error['msg'].lower()} (got {shown})"


# Keys of the first release that never had an effect, with the values it wrote for them:
# dropped on reading so its config.yaml files and checkpoints still load.
FORMER_DEFAULTS = {"batchnorm": True, "spectral_norm": False}


def drop_former_no_op_keys(tree: dict) -> dict:
    """Remove `model.g.batchnorm`/`model.g.spectral_norm` (ignored by every model) and D options
    a model never had, where they hold the value written for them by default; any other value
    stays and fails validation, naming the key."""
    model = tree.get("model")
    if not isinstance(model, dict):
        return tree
    spec = MODEL_CHOICES.get(model.get("name", "dcgan"))
    g, d = model.get("g"), model.get("d")
    for key, written in FORMER_DEFAULTS.items():
        if isinstance(g, dict) and key in g and g[key] == written:
            g.pop(key)
        if spec is not None and isinstance(d, dict) and key not in spec.d_options and key in d and d[key] == written:
            d.pop(key)
    return tree


def validate(tree: dict, label: str = "config", written: bool = False) -> Config:
    """The typed config of `tree`; `written`: a config ganforge wrote (keys its task does not read
    return to their defaults rather than fail, see `check_read_keys`)."""
    tree = drop_former_no_op_keys(tree)
    try:
        return Config.model_validate(tree, context={"written": written})
    except ValidationError as err:
        raise UserError(_format_error(err.errors()[0], label)) from None


def load_config(source: str | Path | dict | None = None, overrides: list[str] | dict | None = None) -> Config:
    """Defaults <- preset/YAML (path or preset name) <- overrides (`a.b=v` strings or a dict)."""
    if isinstance(source, dict):
        tree, label = dict(source), "config"
    elif source is None:
        tree, label = {}, "defaults"
    else:
        tree, label = _read_yaml(str(source))
    items = overrides.items() if isinstance(overrides, dict) else [parse_override(o) for o in overrides or []]
    for keys, value in items:
        _set_dotted(tree, keys.split(".") if isinstance(keys, str) else keys, value)
    return validate(tree, label)


def dump_config(config: Config) -> str:
    return yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False)
