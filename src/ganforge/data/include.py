"""Keep lists (`data.include=FILE`): the files of a folder or zip to train on, one per line.

Paths are relative to the source's root, with `/` separators (as `ganforge data audit
--write-keep` writes them); blank lines and lines starting with `#` are ignored.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from ganforge.errors import UserError


def read_include(path: str | Path) -> frozenset[str]:
    from ganforge.textfiles import read_text

    path = Path(path).expanduser()
    text = read_text(path, f"data.include: {path}")
    names = frozenset(
        PurePosixPath(line.strip().replace("\\", "/")).as_posix()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )
    if not names:
        raise UserError(f"data.include: {path}: lists no files (expected one relative path per line)")
    return names
