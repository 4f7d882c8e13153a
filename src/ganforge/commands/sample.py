"""Generate images from a run, checkpoint or exported generator: one grid image or a folder of PNGs.

examples:
  ganforge sample runs/dcgan-digits --n 64 --out grid.png
  ganforge sample runs/dcgan-digits --n 64 --out grid.jpg       # the suffix picks the format
  ganforge sample runs/dcgan-digits/checkpoints/latest.ckpt --n 1000 --out fakes/ --seed 1
  ganforge sample G.safetensors --n 16 --out grid.png --truncation 0.7
  ganforge sample runs/cdcgan-digits --class 7 --n 16 --out sevens.png      # a conditional run
  ganforge sample runs/cdcgan-digits --classes all --n 80 --out grid.png    # one row per class
  ganforge sample runs/dfgan-shapes --prompt "a large red circle on the left" --n 16 --out grid.png
  ganforge sample runs/dfgan-shapes --prompts-file prompts.txt --n 8 --out grid.png   # a row per prompt
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ganforge.commands.output import add_json_flag, report
from ganforge.errors import UserError

GRID_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff")
GRID_BYTES_PER_VALUE = 9  # uint8 images, their float copy for the grid and the padded grid itself


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="run directory, .ckpt or exported .safetensors")
    parser.add_argument("--n", type=int, default=None, help="number of images (default 64; 8 per prompt)")
    parser.add_argument(
        "--out", type=Path, required=True, help="grid file (.png, .jpg, ...), or a folder for one PNG per image"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the latents (default 0)")
    parser.add_argument(
        "--truncation", type=float, default=None, help="sample |z| within this bound (e.g. 0.7)"
    )
    parser.add_argument("--raw", action="store_true", help="use the raw generator instead of its EMA")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--class", dest="class_", metavar="K", help="conditional runs: this class (name or index)")
    which.add_argument("--classes", choices=["all"], help="conditional runs: one row per class, --n // classes per row")
    parser.add_argument("--prompt", action="append", help="text-to-image runs: a prompt (repeatable); --n images each")
    parser.add_argument("--prompts-file", type=Path, help="text-to-image runs: one prompt per line, a grid row each")
    add_json_flag(parser)


def output_kind(out: Path, flag: str = "--out", inputs=()) -> str:
    """"grid" for an image file name, "folder" for a folder (existing, or a name without suffix)."""
    from ganforge.outputs import check_output_dir, check_output_file

    if out.suffix.lower() in GRID_SUFFIXES:
        check_output_file(out, flag, inputs=inputs)
        return "grid"
    if out.is_dir() or not out.suffix:
        check_output_dir(out, flag, inputs=inputs)
        return "folder"
    raise UserError(
        f"{flag} {out}: expected an image file ({', '.join(GRID_SUFFIXES)}) for a grid, or a folder"
    )


def image_shape(generator) -> tuple[int, ...]:
    """[C, H, W] of one generated image: as the generator declares it, else one latent through it."""
    from ganforge.sampling import generate_uint8

    if isinstance(getattr(generator, "resolution", None), int) and isinstance(getattr(generator, "channels", None), int):
        return generator.channels, generator.resolution, generator.resolution
    return tuple(next(generate_uint8(generator.eval(), 1, 0)).shape[1:])


def check_memory(generator, n: int, kind: str, what: str | None = None) -> None:
    """Refuse, before allocating, `n` images (their latents, conditions and grid) that cannot fit."""
    import math

    from ganforge.memory import check_fits

    values = math.prod(image_shape(generator))
    condition = 4 * int(getattr(generator, "text_dim", 0) or 0)  # a text embedding per image
    per_image = generator.z_dim * 8 + condition + (values * GRID_BYTES_PER_VALUE if kind == "grid" else 0)
    check_fits(what or f"--n {n}", n * per_image)


def write_folder(generator, n: int, seed: int, truncation: float | None, out: Path, labels=None) -> None:
    """One PNG per image, written batch by batch (memory does not grow with n)."""
    from PIL import Image

    from ganforge.sampling import generate_uint8

    out.mkdir(parents=True, exist_ok=True)
    index = 0
    for batch in generate_uint8(generator, n, seed, truncation=truncation, labels=labels):
        for image in batch:
            array = image.permute(1, 2, 0).numpy()
            Image.fromarray(array[..., 0] if array.shape[-1] == 1 else array).save(out / f"{index:06d}.png")
            index += 1


def run(args: argparse.Namespace) -> int:
    from ganforge.outputs import run_files
    from ganforge.runs import load_run
    from ganforge.sampling import check_seed, check_truncation, sample
    from ganforge.training.logging import save_grid

    if args.n is not None and args.n < 1:
        raise UserError(f"--n {args.n}: expected a positive number of images")
    check_truncation(args.truncation)
    check_seed(args.seed)
    kind = output_kind(args.out, inputs=(*run_files(args.source), args.prompts_file))
    prompts = read_prompts(args)
    loaded = load_run(args.source, ema=not args.raw, needs="latents")
    generator, conditions = loaded.generator, loaded.conditions
    if prompts is not None:
        return _sample_prompts(args, generator, conditions, prompts)
    if conditions.ready() is not None:
        raise UserError(f"{args.source}: {conditions.ready()}")
    args.n = args.n or 64
    labels, per_row = _labels(conditions, args)
    n = len(labels) if labels is not None else args.n
    check_memory(generator, n, kind)
    if kind == "grid":
        images = sample(generator, n=n, seed=args.seed, truncation=args.truncation, labels=labels)
        save_grid(images, args.out, nrow=per_row)
    else:
        write_folder(generator, n, args.seed, args.truncation, args.out, labels)
    summary = {"out": args.out, "n": n, "seed": args.seed}
    if "class" in conditions.takes:
        names = conditions.names()
        summary["class_names"] = names
        if labels is not None:
            summary["labels"] = [names[i] for i in labels.tolist()]
    report(args, summary, f"wrote {n} images to {args.out}")
    return 0


def read_prompts(args: argparse.Namespace) -> list[str] | None:
    prompts = list(args.prompt or [])
    if args.prompts_file is not None:
        from ganforge.textfiles import read_text

        text = read_text(args.prompts_file, f"--prompts-file {args.prompts_file}")
        prompts += [line.strip() for line in text.splitlines() if line.strip()]
        if not prompts:
            raise UserError(f"--prompts-file {args.prompts_file}: holds no prompt (one per line)")
    if any(not prompt.strip() for prompt in prompts):
        raise UserError("--prompt: expected a non-empty text")
    return prompts or None


def _sample_prompts(args: argparse.Namespace, generator, conditions, prompts: list[str]) -> int:
    from ganforge.outputs import run_files
    from ganforge.sampling import prompt_images
    from ganforge.text.grid import save_prompt_grid

    if "prompt" not in conditions.takes:
        raise UserError(f"{args.source}: this generator takes no text prompts (not a text-to-image run)")
    if "class" not in conditions.takes and (args.class_ is not None or args.classes is not None):
        flag = "--class" if args.class_ is not None else "--classes"
        raise UserError(f"{flag}: {args.source} is {conditions.description}; it takes no class, drop {flag}")
    per_prompt = args.n or 8
    kind = output_kind(args.out, inputs=(*run_files(args.source), args.prompts_file))
    # all images of all prompts are held at once, folder or grid
    check_memory(generator, per_prompt * len(prompts), "grid", f"--n {per_prompt} with {len(prompts)} prompt(s)")
    images = prompt_images(generator, prompts, per_prompt, args.seed, args.truncation)
    if kind == "grid":
        save_prompt_grid(images, prompts, per_prompt, args.out)
    else:
        from PIL import Image

        args.out.mkdir(parents=True, exist_ok=True)
        for index, image in enumerate(images):
            array = image.permute(1, 2, 0).numpy()
            Image.fromarray(array[..., 0] if array.shape[-1] == 1 else array).save(args.out / f"{index:06d}.png")
        (args.out / "prompts.txt").write_text("".join(f"{p}\n" for p in prompts for _ in range(per_prompt)))
    count = len(images)
    report(args, {"out": args.out, "n": count, "prompts": prompts, "seed": args.seed},
           f"wrote {count} images for {len(prompts)} prompt(s) to {args.out}")
    return 0


def _labels(conditions, args: argparse.Namespace):
    """(labels or None, images per grid row) for --class / --classes."""
    import torch

    if args.class_ is None and args.classes is None:
        return None, None
    if "class" not in conditions.takes:
        flag = "--class" if args.class_ is not None else "--classes"
        raise UserError(f"{flag}: {args.source} is {conditions.description}; it has no classes")
    if args.class_ is not None:
        try:
            return torch.full((args.n,), conditions.index(args.class_), dtype=torch.int64), None
        except ValueError as err:
            raise UserError(f"--class {err}") from None
    classes = conditions.num_classes
    per_class = max(1, args.n // classes)
    return torch.arange(classes).repeat_interleave(per_class), per_class
