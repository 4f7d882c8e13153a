"""Captions from per-image .txt files and from captions.jsonl, with their problems named."""

import json

from PIL import Image

from ganforge.audit import AuditOptions, run_audit
from ganforge.audit.captions import find_captions
from ganforge.data import open_source
from ganforge.data.thumbnails import relative_names


def _images(root, names):
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (8, 8), "red").save(root / name)


def test_per_image_text_files(tmp_path):
    _images(tmp_path, ["a.png", "b.png", "sub/c.png"])
    (tmp_path / "a.txt").write_text("a red square\n")
    (tmp_path / "sub" / "c.txt").write_text("red red red")
    found = run_audit(str(tmp_path), options=AuditOptions(workers=1, progress=False)).to_json()["findings"]
    captions = found["captions"]
    assert captions["images_without"] == ["b.png"] and captions["lengths"] == [3, 3]
    assert captions["vocabulary"] == 3 and tuple(captions["top_words"][0]) == ("red", 4)
    assert found["unreadable"]["non_image_files"] == []  # caption files are not reported as strays


def test_jsonl_with_lists_bad_lines_and_orphans(tmp_path):
    _images(tmp_path, ["x.png", "y.png"])
    lines = [json.dumps({"image": "x.png", "captions": ["one", "two words"]}), "not json",
             json.dumps({"caption": "no file"}), json.dumps({"file": "gone.png", "text": "orphan"})]
    (tmp_path / "captions.jsonl").write_text("\n".join(lines) + "\n")
    result = run_audit(str(tmp_path), options=AuditOptions(workers=1, progress=False))
    captions = result.to_json()["findings"]["captions"]
    assert captions["captions"] == 2 and captions["images_without"] == ["y.png"]
    assert captions["bad_lines"] == [2, 3] and captions["orphans"] == ["gone.png"]
    assert any("2 lines of" in r and "not a JSON object" in r for r in result.recommendations)


def test_builtin_shapes_captions():
    source = open_source("builtin:shapes")
    names = relative_names(source)
    captions = find_captions(source, names)
    assert len(captions.by_name) == len(source) == len(names)
    assert captions.by_name[names[0]] == [source.captions[0]]
