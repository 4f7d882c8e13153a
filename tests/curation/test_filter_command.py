"""`ganforge data filter` on the command line: outputs, the keep list in training, and bad input."""

import json
import os
import re

import pytest
import torch
from PIL import Image

from file_tree import snapshot
from ganforge.cli import main
from ganforge.config import load_config
from ganforge.data.training import load_training_images


def _argv(mixed, out, *extra, backbone="test-pixels"):
    return ["data", "filter", str(mixed["src"]), "--like", str(mixed["like"]), "--out", str(out),
            "--features", backbone, "--no-progress", *extra]


def test_help_says_what_the_subject_is_and_shows_the_loop(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["data", "filter", "--help"])
    assert stop.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "after maxpool2" in text and "1.2 x" in text and "holes filled" in text
    assert "data.include=keep.txt" in text and "--marks marks.txt --from-keep keep.txt" in text


def test_writes_keep_list_and_page_and_training_reads_the_list(mixed, pixel_backbone, tmp_path, capsys):
    keep = tmp_path / "out" / "keep.txt"
    assert main(_argv(mixed, keep)) == 0
    out = capsys.readouterr().out
    assert f"filter of {mixed['src']}: kept" in out and f"page: {tmp_path / 'out' / 'keep.html'}" in out
    names = [line for line in keep.read_text().splitlines() if not line.startswith("#")]
    assert names and set(names) <= set(mixed["wanted"])
    page = (tmp_path / "out" / "keep.html").read_text()
    assert page.count('class="tile') >= len(mixed["wanted"]) + len(mixed["irrelevant"]) - 1  # CSS rule aside
    assert "script-src 'unsafe-inline'" in page and "http://" not in page and "https://" not in page
    config = load_config("gan-mlp-digits", {"data.path": str(mixed["src"]), "data.include": str(keep),
                                            "data.channels": 3})
    data = load_training_images(config.data)
    assert len(data.images) == len(names) and data.skipped == 0


def test_json_to_stdout_is_only_json(mixed, pixel_backbone, tmp_path, capsys):
    assert main(_argv(mixed, tmp_path / "keep.txt", "--json", "-", "--page", str(tmp_path / "p.html"))) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["images"] == 16 and report["kept"] == sum(r["decision"] == "kept" for r in report["scores"])
    assert report["protocol"]["features"] == "test-pixels" and report["recall"] == 0.9


def _fifo(path):
    os.mkfifo(path)
    return path


BAD = {
    "missing SRC": (lambda m, t: ["SRC", str(t / "absent")], "absent: no such file or folder"),
    "builtin SRC": (lambda m, t: ["SRC", "builtin:digits"], "builtin:digits: a built-in source has no files"),
    "missing like": (lambda m, t: ["--like", str(t / "nope")], "nope: no such file or folder"),
    "builtin like": (lambda m, t: ["--like", "builtin:shapes"], "--like builtin:shapes: a built-in set"),
    "recall 0": (lambda m, t: ["--recall", "0"], "--recall 0.0: expected a share above 0"),
    "recall nan": (lambda m, t: ["--recall", "nan"], "--recall nan: expected"),
    "recall 1.5": (lambda m, t: ["--recall", "1.5"], "--recall 1.5: expected"),
    "subject 1": (lambda m, t: ["--min-subject", "1"], "--min-subject 1.0: expected a share from 0"),
    "subject negative": (lambda m, t: ["--min-subject", "-0.1"], "--min-subject -0.1: expected"),
    "seed negative": (lambda m, t: ["--seed", "-1"], "--seed -1: expected 0 to"),
    "seed huge": (lambda m, t: ["--seed", str(2**64)], f"--seed {2**64}: expected 0 to"),
    "out inside SRC": (lambda m, t: ["--out", str(m["src"] / "keep.txt")], "among the input .*src"),
    "out inside like": (lambda m, t: ["--out", str(m["like"] / "keep.txt")], "among the input .*like"),
    "out unwritable": (lambda m, t: ["--out", "/proc/x/keep.txt"], "--out /proc/x/keep.txt: cannot write"),
    "json unwritable": (lambda m, t: ["--json", "/proc/x.json"], "--json /proc/x.json: cannot write"),
    "out is a folder": (lambda m, t: ["--out", str(t)], "is a folder; expected a file name"),
    "page is out": (lambda m, t: ["--page", str(t / "keep.txt")], "--page .*keep.txt: same file as --out"),
    "page in SRC": (lambda m, t: ["--page", str(m["src"] / "p.html")], "--page .*among the input"),
    "json in a file": (lambda m, t: ["--json", str(_write(t / "f", "") / "x.json")], "--json .*f is a file"),
    "out under a file": (lambda m, t: ["--out", str(_write(t / "g", "") / "k.txt")], "--out .*g is a file"),
    "out is the marks": (lambda m, t: ["--marks", str(t / "keep.txt")], "--out .*keep.txt: would write over or among the input"),
    "out is from-keep": (lambda m, t: ["--from-keep", str(t / "keep.txt")], "--out .*keep.txt: would write over or among the input"),
    "marks missing": (lambda m, t: ["--marks", str(t / "m.txt")], "--marks .*m.txt: no such file"),
    "marks fifo": (lambda m, t: ["--marks", str(_fifo(t / "fifo"))], "--marks .*fifo: not a regular file"),
    "marks bad line": (lambda m, t: ["--marks", str(_write(t / "m.txt", "keep x.png\n"))], "line 1: 'keep x.png'"),
    "marks unknown": (lambda m, t: ["--marks", str(_write(t / "m.txt", "like x.png\n"))], "'x.png' is not an image"),
    "from-keep missing": (lambda m, t: ["--from-keep", str(t / "k0.txt")], "--from-keep .*k0.txt: no such file"),
    "from-keep fifo": (lambda m, t: ["--from-keep", str(_fifo(t / "fifo"))], "--from-keep .*fifo: not a regular"),
    "from-keep foreign": (lambda m, t: ["--from-keep", str(_write(t / "k0.txt", "x.png\n"))], "names none of the"),
    "features bogus": (lambda m, t: ["--features", "bogus"], "--features bogus: unknown; allowed: efficientnet-lite0, inception"),
    "device bogus": (lambda m, t: ["--device", "bogus"], "--device bogus: expected one of"),
    "weights missing": (lambda m, t: ["--weights", str(t / "w.pth"), "--features", "inception"], "w.pth"),
    "few examples": (lambda m, t: ["--like", str(_few(t / "few"))], "3 readable images and 0 marked; at least 5"),
    "nothing readable": (lambda m, t: ["SRC", str(_broken(t / "broken"))], "no readable images in"),
}


def _write(path, text):
    path.write_text(text)
    return path


def _few(folder):
    folder.mkdir()
    for i in range(3):
        Image.new("RGB", (16, 16), (60 * i, 0, 0)).save(folder / f"{i}.png")
    return folder


def _broken(folder):
    folder.mkdir()
    (folder / "a.png").write_bytes(b"not a png")
    return folder


def _bad_argv(mixed, work, extra):
    argv = _argv(mixed, work / "keep.txt")
    if extra[0] == "SRC":
        argv[2], extra = extra[1], extra[2:]
    for flag, value in zip(extra[::2], extra[1::2], strict=True):
        if flag in argv:
            argv[argv.index(flag) + 1] = value
        else:
            argv += [flag, value]
    return argv


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_fails_clean_and_writes_nothing(case, mixed, pixel_backbone, tmp_path, capsys):
    make_args, message = BAD[case]
    work = tmp_path / "work"
    work.mkdir()
    extra = make_args(mixed, work)
    before, source_before = snapshot(work), snapshot(mixed["root"])
    assert main(_bad_argv(mixed, work, extra)) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("ganforge: error:")]
    assert len(errors) == 1 and re.search(message, errors[0]), errors
    assert "Traceback" not in errors[0]
    assert snapshot(work) == before and snapshot(mixed["root"]) == source_before


def test_no_cuda_is_one_line(mixed, pixel_backbone, tmp_path, capsys):
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    assert main(_argv(mixed, tmp_path / "keep.txt", "--device", "cuda")) == 2
    assert "--device cuda: no CUDA device" in capsys.readouterr().err
    assert not (tmp_path / "keep.txt").exists()
