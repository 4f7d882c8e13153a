"""User errors exit with code 2 and one line on stderr; the happy paths produce their files."""

import io
import json
import pickle
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent / "training"))
from helpers import as_cli, tiny_overrides  # noqa: E402

from ganforge.cli import main  # noqa: E402


def run_cli(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def assert_user_error(code, err, *fragments):
    assert code == 2
    lines = [line for line in err.strip().splitlines() if line.startswith("ganforge: error")]
    assert len(lines) == 1 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_unknown_key(capsys):
    code, _, err = run_cli(capsys, "train", "dcgan-digits", "train.stepz=5", "--dry-run")
    assert_user_error(code, err, "train.stepz", "train.steps")


def test_wrong_type(capsys):
    code, _, err = run_cli(capsys, "train", "dcgan-digits", "model.g.width=wide", "--dry-run")
    assert_user_error(code, err, "model.g.width")


def test_empty_folder(capsys, tmp_path):
    (tmp_path / "empty").mkdir()
    code, _, err = run_cli(capsys, "train", "dcgan-folder-64", f"data.path={tmp_path / 'empty'}", "--dry-run")
    assert_user_error(code, err, str(tmp_path / "empty"))


def _write_folder(root: Path, count: int = 12) -> Path:
    rng = np.random.default_rng(0)
    root.mkdir()
    for index in range(count):
        size = (40 + index, 30)  # non-square, varying
        Image.fromarray(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)).save(root / f"img{index:02d}.png")
    (root / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    (root / "notes.txt").write_text("shot list")
    return root


def test_corrupt_and_stray_files_warn_and_training_goes_on(capsys, tmp_path):
    folder = _write_folder(tmp_path / "imgs")
    overrides = tiny_overrides(**{"train.steps": 2, "data.path": str(folder), "train.batch_size": 4})
    code, out, err = run_cli(capsys, "train", "dcgan-folder-64", *as_cli(overrides), "--run-dir", tmp_path / "run", "--no-progress")
    assert code == 0, err
    assert "broken.png" in err and "notes.txt" in err
    assert (tmp_path / "run/checkpoints/latest.ckpt").is_file()
    assert (tmp_path / "run/samples/final.png").is_file()


class _Boom:
    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def test_malicious_pickle_checkpoint_is_refused(capsys, tmp_path):
    marker = tmp_path / "pwned"
    payload = _Boom()
    payload.marker = str(marker)
    evil = tmp_path / "evil.ckpt"
    buffer = io.BytesIO()
    torch.save({"generator": payload, "config": "x"}, buffer, pickle_protocol=pickle.HIGHEST_PROTOCOL)
    evil.write_bytes(buffer.getvalue())
    code, _, err = run_cli(capsys, "sample", evil, "--n", "4", "--out", tmp_path / "g.png")
    assert_user_error(code, err, "evil.ckpt", "refused")
    assert not marker.exists()


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("tinyrun")
    overrides = tiny_overrides(**{"train.steps": 3})
    assert main(["train", "dcgan-digits", *as_cli(overrides), "--run-dir", str(root / "run"), "--no-progress"]) == 0
    return root / "run"


def test_sample_interpolate_export(capsys, tmp_path, tiny_run):
    assert run_cli(capsys, "sample", tiny_run, "--n", "9", "--out", tmp_path / "grid.png")[0] == 0
    grid = Image.open(tmp_path / "grid.png")
    assert grid.size == (3 * 34 + 2, 3 * 34 + 2)
    assert run_cli(capsys, "sample", tiny_run, "--n", "5", "--out", tmp_path / "folder")[0] == 0
    assert sorted(p.name for p in (tmp_path / "folder").iterdir())[-1] == "000004.png"
    assert run_cli(capsys, "interpolate", tiny_run, "--steps", "6", "--rows", "2", "--out", tmp_path / "s.png")[0] == 0
    assert Image.open(tmp_path / "s.png").size == (6 * 34 + 2, 2 * 34 + 2)
    code, out, _ = run_cli(capsys, "export", tiny_run, "--out", tmp_path / "G.safetensors", "--json")
    assert code == 0 and json.loads(out)["meta"] == str(tmp_path / "G.json")
    assert json.loads((tmp_path / "G.json").read_text())["weights"] == "ema"


def test_exported_generator_matches_run(tiny_run, tmp_path):
    import ganforge

    ganforge.export(tiny_run, tmp_path / "G.safetensors")
    from_run = ganforge.sample(ganforge.load_generator(tiny_run), n=6, seed=3)
    from_export = ganforge.sample(ganforge.load_generator(tmp_path / "G.safetensors"), n=6, seed=3)
    assert from_run.dtype == torch.uint8 and from_run.shape == (6, 1, 32, 32)
    assert torch.equal(from_run, from_export)
    assert not torch.equal(from_run, ganforge.sample(ganforge.load_generator(tiny_run), n=6, seed=4))


def test_missing_source_for_sample(capsys, tmp_path):
    code, _, err = run_cli(capsys, "sample", tmp_path / "nothing", "--out", tmp_path / "g.png")
    assert_user_error(code, err, "nothing")
