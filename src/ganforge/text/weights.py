"""Files of a pretrained text encoder: from a folder, a zip, an installed package or a download.

A `WeightFiles` maps file names (model.safetensors, tokenizer.json, config.json) to bytes.
Downloads go to `$GANFORGE_HOME/text/NAME/`, each file checked against its full SHA-256.
"""

from __future__ import annotations

import hashlib
import importlib.util
import zipfile
from pathlib import Path

from ganforge.errors import UserError

WeightFiles = dict[str, bytes]


def read_folder(folder: Path, names: tuple[str, ...], flag: str) -> WeightFiles:
    missing = [name for name in names if not (folder / name).is_file()]
    if missing:
        raise UserError(f"{flag} {folder}: missing {', '.join(missing)} (expected {', '.join(names)})")
    return {name: (folder / name).read_bytes() for name in names}


def read_zip(path: Path, names: tuple[str, ...], flag: str) -> WeightFiles:
    """The named files from a zip, found by base name wherever they sit in it."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = {Path(info.filename).name: info.filename for info in archive.infolist() if not info.is_dir()}
            missing = [name for name in names if name not in members]
            if missing:
                raise UserError(f"{flag} {path}: missing {', '.join(missing)} in the zip")
            return {name: archive.read(members[name]) for name in names}
    except zipfile.BadZipFile:
        raise UserError(f"{flag} {path}: not a readable zip file") from None


def read_local(path: str, names: tuple[str, ...], flag: str) -> WeightFiles:
    """A folder holding the files, or a zip of them."""
    local = Path(path).expanduser()
    if local.is_dir():
        return read_folder(local, names, flag)
    if local.is_file() and local.suffix == ".zip":
        return read_zip(local, names, flag)
    raise UserError(f"{flag} {local}: no such folder or .zip")


def package_file(package: str, file: str) -> Path | None:
    """`file` inside an installed package, located without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / file
        if candidate.is_file():
            return candidate
    return None


def download_files(urls: dict[str, tuple[str, str]], folder: Path) -> WeightFiles:
    """Each `name -> (url, sha256)` from the cache folder, downloading (hash-checked) what is missing."""
    from ganforge.download import download_weights

    files = {}
    for name, (url, sha256) in urls.items():
        path = folder / name
        if not path.is_file():
            download_weights(url, path, sha256)
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise UserError(f"{path}: SHA-256 differs from the published file; delete it to download again")
        files[name] = data
    return files
