"""Marks files: the format the filter page saves and `--marks` reads."""

import pytest

from ganforge.curation.marks import Marks, marks_text, parse_marks, read_marks
from ganforge.errors import UserError


def test_round_trip_and_later_marks_win():
    marks = parse_marks("# saved\n\nlike a/1.png\nunlike b\\2.png\nlike  c 3.png \nunlike a/1.png\n", "m.txt")
    assert marks.like == {"c 3.png"} and marks.unlike == {"a/1.png", "b/2.png"}
    again = parse_marks(marks_text(marks, "src"), "again")
    assert (again.like, again.unlike) == (marks.like, marks.unlike)
    merged = Marks(like={"x"}, unlike={"y"})
    merged.update(Marks(like={"y"}))
    assert merged.like == {"x", "y"} and merged.unlike == set() and len(merged) == 2


@pytest.mark.parametrize("line", ["keep a.png", "like", "like   ", "a.png"])
def test_bad_lines_name_the_file_and_line(line):
    with pytest.raises(UserError, match=r"--marks m.txt: line 2: .*expected 'like NAME' or 'unlike NAME'"):
        parse_marks(f"like ok.png\n{line}\n", "m.txt")


def test_unreadable_files(tmp_path):
    with pytest.raises(UserError, match="no such file"):
        read_marks(tmp_path / "absent.txt")
    with pytest.raises(UserError, match="not a regular file"):
        read_marks(tmp_path)
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"like \xff\xfe.png\n")
    with pytest.raises(UserError, match="not a readable UTF-8 text file"):
        read_marks(binary)
