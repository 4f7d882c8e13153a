"""Caption files beside image folders: jsonl, Face2Text JSON, .txt; warnings and errors."""

import json

import pytest
import torch
from PIL import Image

from ganforge.data.captions import keep_captioned, read_captions
from ganforge.data.sources import open_source
from ganforge.data.training import TrainingImages
from ganforge.errors import UserError


def _folder(root, names):
    root.mkdir(parents=True, exist_ok=True)
    for name in names:
        Image.new("RGB", (8, 8), (200, 10, 10)).save(root / name)
    return root


def _training(source):
    n = len(source)
    return TrainingImages(torch.zeros(n, 3, 8, 8, dtype=torch.uint8), None, 0, source.spec, list(range(n)), None, 8)


def test_builtin_shapes_captions():
    captions = read_captions(open_source("builtin:shapes"))
    assert len(captions) == 4000
    assert all(len(c) == 1 for c in captions)
    assert captions[0][0].startswith("a ") and any(w in captions[0][0] for w in ("left", "center", "right"))


def test_jsonl_several_captions_per_image_and_unknown_file_warned(tmp_path):
    root = _folder(tmp_path / "d", ["a.png", "b.png"])
    lines = [
        {"file": "a.png", "text": "a red square"},
        {"file": "a.png", "text": "a crimson block"},
        {"file": "b.png", "text": "another one"},
        {"file": "gone.png", "text": "no such image"},
    ]
    (root / "captions.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    with pytest.warns(UserWarning, match="line 4: caption names 'gone.png'"):
        captions = read_captions(open_source(str(root)))
    assert captions == [["a red square", "a crimson block"], ["another one"]]


def test_jsonl_bad_line_is_an_error_with_its_number(tmp_path):
    root = _folder(tmp_path / "d", ["a.png"])
    (root / "captions.jsonl").write_text('{"file": "a.png", "text": "ok"}\n{"file": "a.png", "text": \n')
    with pytest.raises(UserError, match=r"captions.jsonl: line 2: not valid JSON"):
        read_captions(open_source(str(root)))


def test_face2text_json_list_and_bad_json(tmp_path):
    root = _folder(tmp_path / "d", ["x.jpg", "y.jpg"])
    (root / "captions.json").write_text(json.dumps([{"filename": "y.jpg", "description": "a smiling face"}]))
    assert read_captions(open_source(str(root))) == [[], ["a smiling face"]]
    (root / "captions.json").write_text('[\n {"filename": "y.jpg",\n  "description": }\n]')
    with pytest.raises(UserError, match=r"captions.json: line 3: not valid JSON"):
        read_captions(open_source(str(root)))


def test_txt_beside_each_image_and_uncaptioned_image_skipped(tmp_path):
    root = _folder(tmp_path / "d", ["a.png", "b.png", "c.png"])
    (root / "a.txt").write_text("first caption\n\nsecond caption\n")
    (root / "c.txt").write_text("third\n")
    source = open_source(str(root))
    captions = read_captions(source)
    assert captions == [["first caption", "second caption"], [], ["third"]]
    with pytest.warns(UserWarning, match=r"skipping .*b.png: no caption"):
        data = keep_captioned(_training(source), captions, source)
    assert data.indices == [0, 2] and len(data.images) == 2
    assert data.captions == [["first caption", "second caption"], ["third"]]


def test_no_caption_at_all_is_an_error(tmp_path):
    root = _folder(tmp_path / "d", ["a.png"])
    source = open_source(str(root))
    with pytest.warns(UserWarning), pytest.raises(UserError, match="no image has a caption"):
        keep_captioned(_training(source), read_captions(source), source)
