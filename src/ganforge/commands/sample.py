"""Generate images from a run, checkpoint or exported generator: one grid image or a folder of PNGs.

examples:
  ganforge sample runs/dcgan-digits --n 64 --out grid.png
  ganforge sample runs/dcgan-digits --n 64 --out grid.jpg       # the suffix picks the format
  ganforge sample runs/dcgan-digits/checkpoints/latest.ckpt --n 1000 --out fakes/ --seed 1
  ganforge sample G.safetensors --n 16 --out grid.png --truncation 0.7
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
    parser.add_argument("--n", type=int, default=64, help="number of images (default 64)")
    parser.add_argument(
        "--out", type=Path, required=True, help="grid file (.png, .jpg, ...), or a folder for one PNG per image"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the latents (default 0)")
    parser.add_argument(
        "--truncation", type=float, default=None, help="sample |z| within this bound (e.g. 0.7)"
    )
    parser.add_argument("--raw", action="store_true", help="use the raw generator instead of its EMA")
    add_json_flag(parser)


def output_kind(out: Path, flag: str = "--out") -> str:
    """"grid" for an image file name, "folder" for a folder (existing, or a name without suffix)."""
    from ganforge.outputs import check_output_dir, check_output_file

    if out.suffix.lower() in GRID_SUFFIXES:
        check_output_file(out, flag)
        return "grid"
    if out.is_dir() or not out.suffix:
        check_output_dir(out, flag)
        return "folder"
    raise UserError(
        f"{flag} {out}: expected an image file ({', '.join(GRID_SUFFIXES)}) for a grid, or a folder"
    )


def image_shape(generator) -> tuple[int, ...]:
    """[C, H, W] of one generated image (one latent through the generator)."""
    from ganforge.sampling import generate_from_latents, latents

    return tuple(next(generate_from_latents(generator.eval(), latents(1, generator.z_dim, 0))).shape[1:])


def check_memory(generator, n: int, kind: str) -> None:
    import math

    from ganforge.memory import check_fits

    values = math.prod(image_shape(generator))
    per_image = generator.z_dim * 8 + (values * GRID_BYTES_PER_VALUE if kind == "grid" else 0)
    check_fits(f"--n {n}", n * per_image)


def write_folder(generator, n: int, seed: int, truncation: float | None, out: Path) -> None:
    """One PNG per image, written batch by batch (memory does not grow with n)."""
    from PIL import Image

    from ganforge.sampling import generate_uint8

    out.mkdir(parents=True, exist_ok=True)
    index = 0
    for batch in generate_uint8(generator, n, seed, truncation=truncation):
        for image in batch:
            array = image.permute(1, 2, 0).numpy()
            Image.fromarray(array[..., 0] if array.shape[-1] == 1 else array).save(out / f"{index:06d}.png")
            index += 1


def run(args: argparse.Namespace) -> int:
    from ganforge.runs import load_generator
    from ganforge.sampling import check_seed, check_truncation, sample
    from ganforge.training.logging import save_grid

    if args.n < 1:
        raise UserError(f"--n {args.n}: expected a positive number of images")
    check_truncation(args.truncation)
    check_seed(args.seed)
    kind = output_kind(args.out)
    generator = load_generator(args.source, ema=not args.raw)
    check_memory(generator, args.n, kind)
    if kind == "grid":
        save_grid(sample(generator, n=args.n, seed=args.seed, truncation=args.truncation), args.out)
    else:
        write_folder(generator, args.n, args.seed, args.truncation, args.out)
    report(args, {"out": args.out, "n": args.n, "seed": args.seed}, f"wrote {args.n} images to {args.out}")
    return 0
