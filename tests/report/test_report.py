"""`ganforge report`: one run, two runs compared, a run still training, and the task hooks."""

import json
import shutil

from PIL import Image

from file_tree import snapshot
from ganforge.cli import main
from ganforge.report import read_runs, write_report
from ganforge.report.document import build_report


def test_two_runs_show_their_config_difference_and_overlaid_curves(two_runs, tmp_path):
    before = [snapshot(run) for run in two_runs]
    out, data_out = tmp_path / "report.html", tmp_path / "report.json"
    assert main(["report", *map(str, two_runs), "--out", str(out), "--json", str(data_out)]) == 0
    assert [snapshot(run) for run in two_runs] == before  # the runs are only read
    sections = json.loads(data_out.read_text())["sections"]
    differences = sections["config"]["differences"]
    assert differences["train.lr_g"] == {"lr-high": 0.001, "lr-low": 0.0002}
    assert "name" not in differences and "train.steps" not in differences
    for key in ("d_loss", "g_loss"):  # one plot per value, both runs in it
        assert set(sections["losses"][key]) == {"lr-high", "lr-low"}
        assert sections["losses"][key]["lr-high"]["steps"] == list(range(2, 21, 2))
    assert set(sections["discriminator"]["d_real"]) == {"lr-high", "lr-low"}
    table = sections["metrics-table"]
    assert set(table) == {"lr-high"}  # only run a evaluated during training
    assert table["lr-high"]["fid"]["final_step"] == 20 and table["lr-high"]["fid"]["best"] > 0
    assert sections["metrics"]["kid_mean"]["lr-high"]["low"]  # KID drawn with its ± std band
    page = out.read_text()
    assert "train.lr_g" in page and "0.0002" in page and "0.001" in page
    assert page.count('src="data:image/png;base64,') >= 10
    assert "http://" not in page and "https://" not in page and "<script" not in page


def test_one_run_report_has_every_curve_and_grid(two_runs, tmp_path):
    runs = read_runs([two_runs[0]])
    page, data = build_report(runs)
    assert {"runs", "losses", "discriminator", "learning-rates", "speed", "metrics", "samples",
            "final-samples"} <= set(data)
    assert [grid["step"] for grid in data["samples"]["lr-high"]] == [5, 10, 15, 20]
    assert data["runs"][0]["status"] == "finished" and data["runs"][0]["last_step"] == 20
    assert set(data["learning-rates"]) == {"lr_g", "lr_d"}
    assert data["losses"]["d_loss"]["lr-high"]["steps"] == list(range(2, 21, 2))
    assert "checkpoints/best.ckpt holds step" in page
    assert "config" in data and "differences" not in data["config"]
    assert "step 15" in page


def test_run_still_training_without_metrics_gets_a_report(two_runs, tmp_path):
    run = tmp_path / "live"
    shutil.copytree(two_runs[1], run)
    (run / "samples" / "final.png").unlink()
    (run / "checkpoints").rename(tmp_path / "moved-checkpoints")
    with (run / "log.jsonl").open("a") as log:
        log.write('{"step": 22, "d_lo')  # a line being written
    out = write_report([run], tmp_path / "live.html")
    page = out.read_text()
    _, data = build_report(read_runs([run]))
    assert data["runs"][0]["status"] == "training"
    assert data["final-samples"]["lr-low"].endswith("step-00000020.png")  # newest grid stands in
    assert "No metrics yet" in page


def test_class_conditional_metrics_with_per_class_parts(tmp_path):
    run = tmp_path / "cond"
    run.mkdir()
    (run / "config.yaml").write_text("name: cond\ntask: conditional\n")
    records = [{"step": s, "ifid": 30.0 / s, "ifid/cat": 25.0 / s, "ifid/dog": 35.0 / s, "class_accuracy": s / 40,
                "class_accuracy_ci": [s / 40 - 0.05, s / 40 + 0.05]} for s in (10, 20)]
    (run / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    page, data = build_report(read_runs([run]))
    assert set(data["metrics-table"]["cond"]) == {"ifid", "class_accuracy"}
    assert data["metrics-table"]["cond"]["ifid"]["best_step"] == 20  # lower is better
    assert [c["label"] for c in data["metrics"]["ifid per class"]["cond"]] == ["ifid/cat", "ifid/dog"]
    assert data["metrics"]["class_accuracy"]["cond"]["low"] == [0.2, 0.45]
    assert "ifid per class: cond" in page


def test_empty_run_directory_with_only_a_config(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "config.yaml").write_text("name: fresh\ntrain: {steps: 10}\n")
    page, data = build_report(read_runs([tmp_path / "run"]))
    assert "No log lines yet" in page and "no samples yet" in page
    assert data["runs"][0]["last_step"] == 0


def _grid(path, colour):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (20, 10), colour).save(path)


def test_translation_rows_and_prompts_when_a_run_has_them(two_runs, tmp_path):
    run = tmp_path / "task-run"
    shutil.copytree(two_runs[1], run)
    (run / "config.yaml").write_text((run / "config.yaml").read_text().replace("name: lr-low", "name: t"))
    for step in (5, 10):
        for part, colour in (("input", "red"), ("output", "green"), ("target", "blue")):
            _grid(run / "samples" / "translation" / f"step-{step:08d}-{part}.png", colour)
    _grid(run / "samples" / "translation" / "step-00000015-output.png", "green")  # unpaired: no target
    (run / "samples" / "prompts.txt").write_text("a red circle\na <b>bold</b> square\n")
    page, data = build_report(read_runs([run]))
    rows = data["translation"]["t"]
    assert [r["step"] for r in rows] == [5, 10, 15] and "target" not in rows[2]
    assert page.count("<tr><th>step ") == 3
    assert data["prompts"]["t"] == ["a red circle", "a <b>bold</b> square"]
    assert "a &lt;b&gt;bold&lt;/b&gt; square" in page  # prompts are text, never markup


def test_trained_translation_and_text_runs_write_what_their_sections_show(tmp_path):
    """The objectives write the files: columns of a translation grid, the prompts of a text grid."""
    from ganforge.config import load_config
    from ganforge.training.loop import train

    small = {"train.steps": 2, "train.sample_every": 2, "train.log_every": 1, "train.batch_size": 4,
             "data.max_images": 24}
    pix = train(load_config("pix2pix-shapes", {**small, "translator.g_width": 4, "translator.d_width": 4,
                                                "translator.d_layers": 2, "train.sample_grid": 6}),
                tmp_path / "pix", progress=False)
    text = train(load_config("dfgan-shapes", {**small, "model.g.width": 4, "model.d.width": 4, "model.z_dim": 8,
                                              "text.encoder": "learned", "train.sample_grid": 4}),
                 tmp_path / "text", progress=False)
    runs = read_runs([pix, text])
    pix_label, text_label = (run.label for run in runs)
    page, data = build_report(runs)
    rows = data["translation"][pix_label]
    assert [row["step"] for row in rows] == [2] and {"input", "output", "target"} <= set(rows[0])
    assert Image.open(rows[0]["output"]).size[0] < Image.open(pix / "samples" / "final.png").size[0]
    prompts = data["prompts"][text_label]
    assert prompts and all(prompt.strip() for prompt in prompts) and text_label not in data["translation"]
    assert (text / "samples" / "prompts.txt").read_text().splitlines() == prompts


def test_not_a_run_directory_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["report", str(tmp_path / "empty"), "--out", str(tmp_path / "r.html")]) == 2
    assert "not a run directory" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "missing"), "--out", str(tmp_path / "r.html")]) == 2
    assert not (tmp_path / "r.html").exists()


def test_runs_with_the_same_name_are_told_apart_by_folder(tmp_path):
    for folder in ("x", "y"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "config.yaml").write_text("name: same\n")
    assert [run.label for run in read_runs([tmp_path / "x", tmp_path / "y"])] == ["x", "y"]
