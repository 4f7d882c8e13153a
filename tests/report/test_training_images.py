"""The training-images section: a run trained on a folder shows its (kept) files as tiles to mark."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ganforge.cli import main
from ganforge.data import open_source
from ganforge.report import write_report
from ganforge.report.marking import SCRIPT
from ganforge.report.sections import training_images

TINY = ["model.g.width=16", "model.d.width=16", "model.z_dim=8", "train.batch_size=4", "train.steps=2",
        "train.sample_every=2", "train.sample_grid=4", "ckpt.every=1000"]


def train_on_folder(root: Path, count: int = 10, kept: int = 6) -> dict:
    """A tiny run trained on `count` shapes PNGs, only `kept` of them through data.include."""
    src = root / "src"
    src.mkdir(parents=True)
    shapes = open_source("builtin:shapes")
    for i in range(count):
        shapes.image(i).save(src / f"shape_{i:02d}.png")
    names = sorted(p.name for p in src.iterdir())
    keep = root / "keep.txt"
    keep.write_text("# a keep list\n" + "".join(f"{n}\n" for n in names[:kept]))
    run = root / "run"
    assert main(["train", "gan-mlp-digits", *TINY, f"data.path={src}", f"data.include={keep}",
                 "--run-dir", str(run), "--no-progress"]) == 0
    return {"src": src, "keep": keep, "run": run, "kept": names[:kept], "left": names[kept:]}


@pytest.fixture(scope="module")
def folder_run(tmp_path_factory) -> dict:
    return train_on_folder(tmp_path_factory.mktemp("folder-run"))


def _config_only_run(root: Path, data: str) -> Path:
    root.mkdir()
    (root / "config.yaml").write_text(f"name: r\ndata:\n{data}")
    return root


def test_folder_run_report_lists_the_kept_files(folder_run, tmp_path):
    page = write_report([folder_run["run"]], tmp_path / "r.html", json_out=tmp_path / "r.json")
    section = json.loads((tmp_path / "r.json").read_text())["sections"]["training-images"]["gan-mlp-digits"]
    assert section["shown"] == folder_run["kept"] and section["images"] == 6
    text = page.read_text()
    assert all(f'data-name="{name}"' in text for name in folder_run["kept"])
    assert not any(name in text for name in folder_run["left"])
    assert 'id="marks-save"' in text and text.count(SCRIPT.strip()[:40]) == 1
    assert f"# ganforge filter marks for {folder_run['src']}" in text  # the header the saved file starts with


def test_large_folders_show_a_seeded_sample(monkeypatch, folder_run):
    monkeypatch.setattr(training_images, "SHOWN", 4)
    first = training_images._sheet(str(folder_run["src"]), None)[1]  # the whole folder: 10 images
    assert first["images"] == 10 and len(first["shown"]) == 4
    assert training_images._sheet(str(folder_run["src"]), None)[1]["shown"] == first["shown"]


def test_builtin_runs_have_no_training_images_section(tmp_path):
    run = _config_only_run(tmp_path / "builtin", "  path: builtin:digits\n")
    text = write_report([run], tmp_path / "r.html", json_out=tmp_path / "r.json").read_text()
    assert "training-images" not in json.loads((tmp_path / "r.json").read_text())["sections"]
    assert "marks-save" not in text and "<script>" not in text


def test_missing_folder_is_a_note_not_a_failure(tmp_path):
    run = _config_only_run(tmp_path / "moved", f"  path: {tmp_path / 'gone'}\n")
    text = write_report([run], tmp_path / "r.html").read_text()
    assert "gone is not here" in text and 'class="tile"' not in text and "<script>" not in text
