"""The translation tasks train, resume bit-exactly on CPU, translate and evaluate."""

import json
import math

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file
from translation_helpers import tiny, write_images

from crash_hook import Crash, crash_at
from ganforge.cli import main
from ganforge.config import load_config
from ganforge.training.evaluation import evaluation_hook
from ganforge.training.loop import train

PRESETS = {
    "pix2pix": "pix2pix-shapes",
    "colorize": "colorize-shapes",
    "cyclegan": "cyclegan-shapes",
    "nicegan": "nicegan-shapes",
    "cut": "cut-shapes",
    "fastcut": "cut-shapes",
}
MODES = {"fastcut": {"cut.mode": "fastcut"}}  # flips half the inputs: resume must keep the draws
TWO_WAY = ("cyclegan", "nicegan")
STEPS = 8


def _config(task, **extra):
    return load_config(PRESETS[task], tiny(**{"train.steps": STEPS, "ckpt.every": 3, **MODES.get(task, {}), **extra}))


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """Each task trained STEPS steps without a stop (shared by the resume and CLI tests)."""
    root = tmp_path_factory.mktemp("runs")
    return {task: train(_config(task), root / task, progress=False) for task in PRESETS}


def _checkpoint(run):
    return torch.load(run / "checkpoints/latest.ckpt", weights_only=True)


def _assert_equal(a, b, where=""):
    if isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            _assert_equal(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, torch.Tensor):
        assert torch.equal(a, b), where
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            _assert_equal(x, y, f"{where}[{index}]")
    else:
        assert a == b, where


@pytest.mark.parametrize("task", list(PRESETS))
def test_logs_are_finite_and_grids_show_input_output_target(task, uninterrupted):
    run = uninterrupted[task]
    records = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == list(range(1, STEPS + 1))
    for record in records:
        assert math.isfinite(record["g_loss"]) and math.isfinite(record["d_loss"])
    grid = np.asarray(Image.open(run / "samples/final.png"))
    # 3 columns of 32-pixel images with 2-pixel padding; rows: 2 test examples (cyclegan: 2 per direction).
    rows = 4 if task in TWO_WAY else 2
    assert grid.shape[:2] == (2 + rows * 34, 2 + 3 * 34) and grid.std() > 0


@pytest.mark.parametrize("task", list(PRESETS))
def test_interrupted_and_resumed_equals_uninterrupted(task, tmp_path, uninterrupted):
    config = _config(task)
    with pytest.raises(Crash):
        train(config, tmp_path / "run", progress=False, step_hook=crash_at(5))
    assert _checkpoint(tmp_path / "run")["step"] == 3
    train(config, tmp_path / "run", resume=True, progress=False)
    resumed, reference = _checkpoint(tmp_path / "run"), _checkpoint(uninterrupted[task])
    for key in ("networks", "optimizers", "objective", "batches", "step"):
        _assert_equal(resumed[key], reference[key], key)
    if task == "cyclegan":
        assert resumed["objective"]["pools"]["A"]["images"].shape[0] == 4 * STEPS  # the pool is kept across the stop


def test_cyclegan_lr_decays_linearly_after_the_constant_half(tmp_path):
    config = _config("cyclegan", **{"train.steps": 4, "train.lr_decay_start": 2})
    run = train(config, tmp_path / "run", progress=False)
    lrs = [json.loads(line)["lr_g_ab"] for line in (run / "log.jsonl").read_text().splitlines()]
    base = config.train.lr_g
    assert lrs == pytest.approx([base, base, base, base / 2])


def test_translate_any_size_and_folders(uninterrupted, tmp_path, capsys):
    run = uninterrupted["pix2pix"]
    image = tmp_path / "edges.png"
    Image.fromarray(np.full((45, 70), 255, dtype=np.uint8)).save(image)
    assert main(["translate", str(run), "--input", str(image), "--out", str(tmp_path / "out.png")]) == 0
    out = Image.open(tmp_path / "out.png")
    assert out.size == (70, 45) and out.mode == "RGB"
    write_images(tmp_path / "many" / "sub", 3, (33, 20), 0)
    assert main(["translate", str(run), "--input", str(tmp_path / "many"), "--out", str(tmp_path / "outs"), "--no-progress"]) == 0
    assert sorted(p.name for p in (tmp_path / "outs" / "sub").iterdir()) == ["000.png", "001.png", "002.png"]
    cycle = uninterrupted["cyclegan"]
    assert main(["translate", str(cycle), "--input", str(image), "--out", str(tmp_path / "back.png"), "--direction", "BtoA"]) == 0
    assert Image.open(tmp_path / "back.png").size == (70, 45)
    colour = tmp_path / "wide.png"
    write_images(tmp_path, 1, (50, 21), 3, ["wide.png"])
    for task, direction in (("nicegan", "BtoA"), ("nicegan", "AtoB"), ("cut", None)):
        out = tmp_path / f"{task}-{direction}.png"
        extra = ["--direction", direction] if direction else []
        assert main(["translate", str(uninterrupted[task]), "--input", str(colour), "--out", str(out), *extra]) == 0
        assert Image.open(out).size == (50, 21)


def test_evaluation_prints_model_and_baselines(uninterrupted, capsys):
    assert main(["eval-translation", str(uninterrupted["colorize"]), "--metrics", "psnr,ssim", "--json", "-"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result["rows"]) == {"model, 0 hints", "model, 10 hints", "identity (input as output)", "mean colour"}
    assert all(0 < row["psnr"] < 100 and -1 <= row["ssim"] <= 1 for row in result["rows"].values())
    assert main(["eval-translation", str(uninterrupted["cyclegan"]), "--metrics", "cycle_psnr"]) == 0
    printed = capsys.readouterr().out
    assert "cycle_psnr" in printed and "target_colour_a" in printed and "shape_kept_a" in printed
    assert main(["eval-translation", str(uninterrupted["nicegan"]), "--metrics", "cycle_psnr", "--json", "-"]) == 0
    nice = json.loads(capsys.readouterr().out)
    assert 0 < nice["cycle_psnr_a"] < 100 and 0 <= nice["shape_kept_b"] <= 1 and 0 <= nice["target_colour_b"] <= 1
    assert main(["eval-translation", str(uninterrupted["cut"]), "--metrics", "fid", "--json", "-"]) == 0
    cut = json.loads(capsys.readouterr().out)
    assert cut["fid"] > 0 and 0 <= cut["shape_kept_a"] <= 1 and "cycle_psnr" not in cut and "shape_kept_b" not in cut


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["translate", "{run}", "--input", "{tmp}/missing.png", "--out", "{tmp}/o.png"], "missing.png: no such file or folder"),
        (["translate", "{run}", "--input", "{img}", "--out", "{tmp}/o.png", "--direction", "BtoA"], "translates AtoB only"),
        (["translate", "{run}", "--input", "{img}", "--out", "{tmp}/o.png", "--hints", "{img}"], "takes no colour hints"),
        (["translate", "{tmp}", "--input", "{img}", "--out", "{tmp}/o.png"], "no checkpoints/latest.ckpt"),
        (["translate", "{colorize}", "--input", "{img}", "--out", "{tmp}/o.png", "--hints", "{small}"], "differs from the input's"),
        (["translate", "{colorize}", "--input", "{img}", "--out", "{tmp}/o.png", "--hints", "{blank}"], "no hint pixels"),
        (["translate", "{run}", "--input", "{notimage}", "--out", "{tmp}/o.png"], "notimage.png"),
        (["eval-translation", "{run}", "--metrics", "psnr,bogus"], "unknown bogus"),
        (["train", "pix2pix-shapes", "translation.layout=sideways"], "translation.layout"),
        (["train", "pix2pix-shapes", "data.resolution=48"], "power of two"),
        (["train", "cyclegan-shapes", "translation.input_channels=1"], "identity_weight"),
        (["train", "nicegan-shapes", "translation.input_channels=1"], "nicegan.recon_weight"),
        (["train", "cut-shapes", "translator.generator=unet"], "expected resnet6 or resnet9"),
        (["train", "cut-shapes", "cut.nce_layers=[0,99]"], "cut.nce_layers"),
        (["translate", "{cut}", "--input", "{img}", "--out", "{tmp}/o.png", "--direction", "BtoA"], "translates AtoB only"),
        (["train", "pix2pix-shapes", "data.path={tmp}/junk", "--dry-run"], "no readable images"),
        (["train", "pix2pix-shapes", "data.path={tmp}/slivers", "translation.layout=aligned", "--dry-run"], "no image wide enough"),
        (["train", "pix2pix-shapes", "data.path={tmp}/unpaired", "translation.layout=auto", "--dry-run"], "needs paired images"),
    ],
)
def test_bad_input_is_one_line_with_exit_code_2(argv, message, uninterrupted, tmp_path, capsys):
    img = tmp_path / "in.png"
    Image.new("L", (20, 20), 128).save(img)
    Image.new("RGB", (10, 10), (200, 0, 0)).save(tmp_path / "small.png")
    Image.new("RGB", (20, 20), (0, 0, 0)).save(tmp_path / "blank.png")
    (tmp_path / "notimage.png").write_text("hello")
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "broken.png").write_text("hello")
    write_images(tmp_path / "slivers", 2, (1, 20), 0)
    for side in ("trainA", "trainB"):
        write_images(tmp_path / "unpaired" / side, 2, (20, 20), 0)
    values = {"run": uninterrupted["pix2pix"], "colorize": uninterrupted["colorize"], "cut": uninterrupted["cut"], "tmp": tmp_path, "img": img,
              "small": tmp_path / "small.png", "blank": tmp_path / "blank.png", "notimage": tmp_path / "notimage.png"}
    code = main([part.format(**values) for part in argv])
    err = capsys.readouterr().err.strip().splitlines()
    errors = [line for line in err if line.startswith("ganforge: error:")]
    assert code == 2 and len(errors) == 1 and message in errors[0], err


def test_periodic_evaluation_writes_metrics_and_keeps_the_best(tmp_path):
    config = _config("pix2pix", **{"train.steps": 4, "eval.every": 2, "eval.metrics": ["psnr", "ssim"], "eval.best": "psnr"})
    run = train(config, tmp_path / "run", progress=False, step_hook=evaluation_hook(config))
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [2, 4]
    assert all(0 < r["psnr"] < 100 and -1 <= r["ssim"] <= 1 for r in records)
    best = json.loads((run / "best.json").read_text())
    assert best["metric"] == "psnr" and best["value"] == max(r["psnr"] for r in records)
    assert (run / "checkpoints/best.ckpt").is_file()


def test_periodic_fid_on_32px_shapes_needs_no_inception_weights(monkeypatch):
    """Translation runs on builtin:shapes score FID with the shapes evaluator: no Inception install."""
    import ganforge.metrics.weights_install as weights_install

    def refuse(*args, **kwargs):
        raise AssertionError("installs Inception weights it will not use")

    monkeypatch.setattr(weights_install, "install_inception", refuse)
    config = load_config("cyclegan-shapes", tiny(**{"eval.every": 1, "eval.metrics": ["fid"]}))
    assert config.eval.features == "inception" and evaluation_hook(config) is not None


def test_report_shows_the_runs_input_output_target_rows_side_by_side(uninterrupted, tmp_path):
    from ganforge.report import read_runs
    from ganforge.report.document import build_report

    def parts(task):
        return sorted(p.name for p in (uninterrupted[task] / "samples" / "translation").iterdir() if p.name.startswith(f"step-{STEPS:08d}"))

    assert parts("cut") == parts("pix2pix") == [f"step-{STEPS:08d}-{p}.png" for p in ("input", "output", "target")]
    assert parts("nicegan") == [f"step-{STEPS:08d}-{p}.png" for p in ("input", "output", "reconstruction")]
    runs = [uninterrupted[task] for task in ("cyclegan", "nicegan", "cut", "fastcut")]
    page, data = build_report(read_runs(runs))
    assert len(data["translation"]) == 4 and page.count("<th>output</th>") == 4
    assert main(["report", *map(str, runs), "--out", str(tmp_path / "report.html")]) == 0


@pytest.mark.parametrize("task", ["nicegan", "cut"])
def test_export_translates_as_the_run_does(task, uninterrupted, tmp_path):
    """NICE-GAN's export holds D_A's encoder with G_AB; CUT's its generator (not F or D)."""
    run = uninterrupted[task]
    assert main(["export", str(run), "--out", str(tmp_path / "t.safetensors")]) == 0
    write_images(tmp_path, 1, (37, 22), 5, ["in.png"])
    for source, out in ((run, "from-run.png"), (tmp_path / "t.safetensors", "from-export.png")):
        assert main(["translate", str(source), "--input", str(tmp_path / "in.png"), "--out", str(tmp_path / out)]) == 0
    from_run, from_export = (np.asarray(Image.open(tmp_path / name)) for name in ("from-run.png", "from-export.png"))
    assert from_run.shape == (22, 37, 3) and np.array_equal(from_run, from_export)
    keys = load_file(tmp_path / "t.safetensors").keys()
    assert (any(k.startswith("encoder.") for k in keys) and any(k.startswith("decoder.") for k in keys)) if task == "nicegan" \
        else all(k.startswith("model.") for k in keys)
