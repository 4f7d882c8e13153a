"""Marks: the images a person picked out on a filter page or a run's report, read by the next `data filter --marks`.

One mark a line, `like NAME` or `unlike NAME`, NAME a path relative to the filtered source
(as in a keep list); blank lines and lines starting with `#` are ignored. The filter page and
the report's training images write this file ("Save marks"); a person can also write it by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ganforge.errors import UserError
from ganforge.report.marking import marks_header

VERDICTS = ("like", "unlike")
MAX_BYTES = 64 << 20  # a marks file is a few kB; refuse to read anything absurd into memory


@dataclass
class Marks:
    like: set[str] = field(default_factory=set)
    unlike: set[str] = field(default_factory=set)

    def __len__(self) -> int:
        return len(self.like) + len(self.unlike)

    def update(self, other: Marks) -> None:
        """Later marks win: an image marked again moves to its new side."""
        self.like = (self.like - other.unlike) | other.like
        self.unlike = (self.unlike - other.like) | other.unlike


def _text(path: Path) -> str:
    if not path.is_file():
        what = "no such file" if not path.exists() else "not a regular file"
        raise UserError(f"--marks {path}: {what}")
    if path.stat().st_size > MAX_BYTES:
        raise UserError(f"--marks {path}: larger than {MAX_BYTES >> 20} MB; expected a list of marks")
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise UserError(f"--marks {path}: not a readable UTF-8 text file ({type(err).__name__})") from None


def parse_marks(text: str, origin: str) -> Marks:
    marks = Marks()
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        verdict, _, name = stripped.partition(" ")
        if verdict not in VERDICTS or not name.strip():
            raise UserError(f"--marks {origin}: line {number}: {stripped[:80]!r}; expected 'like NAME' or 'unlike NAME'")
        name = PurePosixPath(name.strip().replace("\\", "/")).as_posix()
        marks.update(Marks(like={name}) if verdict == "like" else Marks(unlike={name}))
    return marks


def read_marks(path: str | Path) -> Marks:
    path = Path(path).expanduser()
    return parse_marks(_text(path), str(path))


def marks_text(marks: Marks, source: str) -> str:
    return marks_header(source) + "\n" + "".join(f"like {n}\n" for n in sorted(marks.like)) + "".join(
        f"unlike {n}\n" for n in sorted(marks.unlike))
