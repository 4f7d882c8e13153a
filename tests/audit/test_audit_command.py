"""`ganforge data audit` on the command line: help, defaults, built-in sources."""

import pytest

from ganforge.audit.base import DEFAULT_DROP, NEAR_CORRELATION, NEAR_HAMMING
from ganforge.cli import main
from ganforge.commands import data


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
