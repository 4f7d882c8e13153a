"""Reading images to translate and writing what came out (`ganforge translate`)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import torch
import torchvision.transforms.functional as TF
from PIL import Image
from tqdm import tqdm

from ganforge.atomic import atomic_write
from ganforge.data.decode import UnreadableImage, decode_image
from ganforge.data.training import to_channels
from ganforge.errors import UserError
from ganforge.translation.hints import hints_from_image
from ganforge.translation.translator import Translator

OUTPUT_SUFFIX = ".png"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp")


def read_image(path: Path) -> Image.Image:
    try:
        return decode_image(path, str(path))
    except UnreadableImage as err:
        raise UserError(f"{path}: {err.reason}") from None


def _inputs(source: Path) -> list[tuple[Path, Path]]:
    """(image file, output path relative to --out) for a file or every image under a folder."""
    from ganforge.data.folder import FolderSource

    if source.is_file():
        return [(source, Path(source.stem + OUTPUT_SUFFIX))]
    if source.is_dir():
        folder = FolderSource(source)
        if not len(folder):
            raise UserError(f"--input {source}: no image files in this folder")
        return [(folder.path(i), Path(folder.relatives[i]).with_suffix(OUTPUT_SUFFIX)) for i in range(len(folder))]
    raise UserError(f"--input {source}: no such file or folder")


def _save(image: torch.Tensor, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pil = TF.to_pil_image(image[0] if image.shape[0] == 1 else image)
    image_format = Image.registered_extensions().get(path.suffix.lower(), "PNG")
    atomic_write(path, lambda handle: pil.save(handle, format=image_format))


def translate_file(translator: Translator, path: Path, hints_path: Path | None = None) -> torch.Tensor:
    """One image file -> uint8 [C,H,W] translated (hints from `hints_path` for colorize)."""
    img = to_channels(read_image(path), translator.in_channels)
    x = TF.pil_to_tensor(img)[None]
    hints = mask = None
    if hints_path is not None:
        hints, mask = hints_from_image(read_image(hints_path), img.size, str(hints_path))
    return translator(x, hints, mask)[0]


def check_output(source: Path, out: Path, run: str | Path, hints: str | Path | None) -> bool:
    """Check `out` before any work; True when it names one output image (one input image)."""
    from ganforge.outputs import check_output_dir, check_output_file

    single = source.is_file() and out.suffix.lower() in IMAGE_SUFFIXES
    if out.suffix and not single and not out.is_dir():
        raise UserError(f"--out {out}: give a folder for a folder of inputs (or an image name ending .png for one input)")
    from ganforge.outputs import run_files

    inputs = (source, hints, *run_files(run))
    if single:
        check_output_file(out, "--out", inputs=inputs)
    else:
        check_output_dir(out, "--out", inputs=inputs)
        if source.is_file():
            check_output_file(out / (source.stem + OUTPUT_SUFFIX), "--out", inputs=inputs)
    return single


def translate(run: str | Path, load: Callable[[], Translator], input: str | Path, out: str | Path,
              hints: str | Path | None = None, progress: bool = False) -> list[Path]:
    """Translate an image or a folder of images with the translator `load()` gives (of the run
    `run`, loaded once `input` and `out` are checked); returns the files written.

    A single input with `out` ending in an image suffix writes that file; otherwise `out` is a
    folder receiving one PNG per input (sub-folders kept). `hints` (colorize runs, one input):
    an image of the input's size whose non-background pixels are hint colours. In a folder, an
    image that cannot be read is skipped with a warning naming it (as training does).
    """
    source, out = Path(input), Path(out)
    if not source.exists():
        raise UserError(f"--input {source}: no such file or folder")
    single = check_output(source, out, run, hints)
    translator = load()
    if hints is not None:
        if not translator.hinted:
            raise UserError(f"--hints: a {translator.config.task} run takes no colour hints (its translator reads none)")
        if not Path(hints).is_file():
            raise UserError(f"--hints {hints}: no such file")
        if not source.is_file():
            raise UserError(f"--hints: give a single --input image with its hints image (got the folder {source})")
    items = _inputs(source)
    written = []
    for path, relative in tqdm(items, disable=not progress or len(items) < 2, unit="image"):
        target = out if single else out / relative
        try:
            image = translate_file(translator, path, Path(hints) if hints else None)
        except UserError as err:
            if source.is_file():
                raise
            warnings.warn(f"skipping {err}", stacklevel=2)
            continue
        _save(image, target)
        written.append(target)
    if not written:
        raise UserError(f"--input {source}: none of its {len(items)} image file(s) could be read")
    return written
