"""Sample grids of text-to-image runs: one row per prompt, the prompt written beside its row."""

from __future__ import annotations

from pathlib import Path

import torch
from PIL import Image, ImageDraw, ImageFont
from torchvision.utils import make_grid

from ganforge.atomic import atomic_write

PADDING = 2


def prompt_grid(images: torch.Tensor, prompts: list[str], per_row: int) -> Image.Image:
    """uint8 [N,C,H,W] (prompt by prompt, `per_row` each) -> RGB image with a caption column."""
    grid = make_grid(images, nrow=per_row, padding=PADDING, pad_value=0)
    if grid.shape[0] == 1:
        grid = grid.expand(3, -1, -1)
    picture = Image.fromarray(grid.permute(1, 2, 0).numpy())
    font = ImageFont.load_default()
    label_width = int(max(font.getlength(p) for p in prompts)) + 2 * PADDING + 4
    canvas = Image.new("RGB", (label_width + picture.width, picture.height), (0, 0, 0))
    canvas.paste(picture, (label_width, 0))
    draw = ImageDraw.Draw(canvas)
    row_height = images.shape[-2] + PADDING
    for row, prompt in enumerate(prompts):
        top = PADDING + row * row_height + (images.shape[-2] - 10) // 2
        draw.text((PADDING + 2, top), prompt, fill=(255, 255, 255), font=font)
    return canvas


def save_prompt_grid(images: torch.Tensor, prompts: list[str], per_row: int, path: Path) -> Path:
    import io

    buffer = io.BytesIO()
    image_format = Image.registered_extensions().get(Path(path).suffix.lower(), "PNG")  # the suffix picks the format
    prompt_grid(images, prompts, per_row).save(buffer, format=image_format)
    atomic_write(Path(path), lambda handle: handle.write(buffer.getvalue()))
    return Path(path)
