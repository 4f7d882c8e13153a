"""`ganforge data audit` on the command line: help, defaults, built-in sources."""

import zipfile

import pytest

from ganforge.audit.base import DEFAULT_DROP, NEAR_CORRELATION, NEAR_HAMMING
from ganforge.cli import main
from ganforge.commands import data
from ganforge.data import open_source


def test_help_lists_examples(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["data", "audit", "--help"])
    assert stop.value.code == 0
    text = capsys.readouterr().out
    assert "--write-keep" in text and "data.include=keep.txt" in text


def test_command_defaults_match_the_audit():
    assert data.DEFAULT_DROP == ",".join(DEFAULT_DROP)
    assert set(DEFAULT_DROP) <= set(data.DROP_CHOICES)
    assert (NEAR_HAMMING, NEAR_CORRELATION) == (12, 0.99)  # as the --near-* help says


def test_builtin_source_audits_but_has_no_keep_list(tmp_path, capsys):
    assert main(["data", "audit", "builtin:digits", "--no-progress", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "audit of builtin:digits: 1,797 image files" in out and "0 unreadable" in out
    assert main(["data", "audit", "builtin:digits", "--no-progress", "--write-keep", str(tmp_path / "k.txt")]) == 2
    assert "--write-keep: a built-in source has no files" in capsys.readouterr().err


def test_zip_source_lists_member_names(seeded, tmp_path):
    archive = tmp_path / "test.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for path in sorted(seeded["test"].glob("*.png")):
            handle.write(path, f"split/{path.name}")
    keep = tmp_path / "keep.txt"
    assert main(["data", "audit", str(archive), "--no-progress", "--workers", "1", "--write-keep", str(keep)]) == 0
    names = [line for line in keep.read_text().splitlines() if not line.startswith("#")]
    assert len(names) == 11 and names[0] == "split/leaked.png"
    assert len(open_source(archive, include=keep)) == 11
