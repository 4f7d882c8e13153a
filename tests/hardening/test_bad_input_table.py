"""Every command given bad input: exit code 2, one `ganforge: error:` line naming what is wrong,
no traceback, and not one file changed (the run, the data, the would-be output)."""

from __future__ import annotations

import io
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from hardening_helpers import TINY_RUN_OVERRIDES, error_lines, snapshot, train_tiny_run
from PIL import Image

from ganforge.cli import main


@pytest.fixture(scope="module")
def assets(tmp_path_factory) -> Path:
    """A trained tiny run, its export, a few images and a set of broken files; never to change."""
    root = tmp_path_factory.mktemp("assets")
    run = train_tiny_run(root / "run")
    assert main(["export", str(run), "--out", str(root / "G.safetensors")]) == 0
    images = root / "images"
    images.mkdir()
    rng = np.random.default_rng(0)
    for index in range(6):
        Image.fromarray(rng.integers(0, 255, (16, 16, 3), dtype=np.uint8)).save(images / f"{index}.png")
    (root / "empty").mkdir()
    (root / "folder.yaml").mkdir()
    (root / "latin1.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    (root / "bad.yaml").write_text("train: {steps: [1,\n")
    (root / "list.yaml").write_text("- 1\n- 2\n")
    (root / "random.ckpt").write_bytes(np.random.default_rng(1).bytes(4096))
    (root / "text.ckpt").write_text("hello, I am not a checkpoint\n")
    (root / "a_file").write_text("a plain file\n")
    state = torch.load(run / "checkpoints/latest.ckpt", weights_only=True)
    _save(root / "foreign.ckpt", {"state_dict": {"weight": torch.zeros(2)}})
    _save(root / "yaml-invalid.ckpt", {**state, "config": "model: {name: [dcgan\n"})
    _save(root / "yaml-list.ckpt", {**state, "config": "- model\n- data\n"})
    other = yaml.safe_load(state["config"])
    other["model"]["name"] = "mlp"
    _save(root / "other-model.ckpt", {**state, "config": yaml.safe_dump(other)})
    _export_variant(root, "list", json.dumps([1, 2, 3]).encode())
    _export_variant(root, "latin1", "{\"config\": \"caf\xe9\"}".encode("latin-1"))
    meta = json.loads((root / "G.json").read_text())
    meta["config"]["model"]["name"] = "mlp"
    _export_variant(root, "othermodel", json.dumps(meta).encode())
    (root / "nojson.safetensors").write_bytes((root / "G.safetensors").read_bytes())
    _translation_and_text_runs(root)
    _unreadable_text_files(root, run)
    return root


def _translation_and_text_runs(root: Path) -> None:
    """Tiny pix2pix, colorize and text-to-image runs (the learned text encoder: no weights)."""
    for name, preset in (("p2p", "pix2pix-shapes"), ("col", "colorize-shapes")):
        assert main(["train", preset, *TRANSLATION_TINY, "--run-dir", str(root / name), "--no-progress"]) == 0
    assert main(["train", "dfgan-shapes", *TEXT_TINY, "--run-dir", str(root / "txt"), "--no-progress"]) == 0
    assert main(["export", str(root / "p2p"), "--out", str(root / "p2p.safetensors")]) == 0


def _unreadable_text_files(root: Path, run: Path) -> None:
    """Text files that are not what they should be: not UTF-8, a pipe, too deep, an alias bomb;
    copies of the run with one of its own files broken; data folders with broken captions."""
    import os
    import shutil

    (root / "latin1.txt").write_bytes("caf\xe9 on the left\n".encode("latin-1"))
    os.mkfifo(root / "fifo")
    deep = "[" * 100_000 + "]" * 100_000
    bomb = "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(9))
    broken = {
        "config-latin1": ("config.yaml", "name: caf\xe9\n".encode("latin-1")),
        "config-bomb": ("config.yaml", b"a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\n" + bomb.encode()),
        "best-latin1": ("best.json", '{"value": "caf\xe9"}'.encode("latin-1")),
        "log-deep": ("log.jsonl", deep.encode() + b"\n"),
    }
    for name, (file, data) in broken.items():
        shutil.copytree(run, root / name)
        (root / name / file).write_bytes(data)
    shutil.copytree(run, root / "train-list")
    config = yaml.safe_load((run / "config.yaml").read_text())
    (root / "train-list" / "config.yaml").write_text(yaml.safe_dump({**config, "train": [1, 2]}))
    images = sorted((root / "images").iterdir())
    captions = {
        "captions-latin1": ("captions.jsonl", '{"file": "0.png", "text": "caf\xe9"}\n'.encode("latin-1")),
        "captions-deep": ("captions.jsonl", deep.encode() + b"\n"),
        "captions-txt-latin1": ("0.txt", "caf\xe9\n".encode("latin-1")),
    }
    for name, (file, data) in captions.items():
        (root / name).mkdir()
        for image in images:
            shutil.copy(image, root / name / image.name)
        (root / name / file).write_bytes(data)
    for side, names in (("A", ("good0.png", "good0.jpg", "good1.png")), ("B", ("good0.png", "good1.png"))):
        (root / "pairs" / side).mkdir(parents=True)
        for name in names:
            Image.open(images[0]).convert("RGB").resize((32, 32)).save(root / "pairs" / side / name)


def _save(path: Path, state: dict) -> None:
    buffer = io.BytesIO()
    torch.save(state, buffer)
    path.write_bytes(buffer.getvalue())


def _export_variant(root: Path, name: str, meta: bytes) -> None:
    (root / f"{name}.safetensors").write_bytes((root / "G.safetensors").read_bytes())
    (root / f"{name}.json").write_bytes(meta)


@dataclass(frozen=True)
class Case:
    id: str
    argv: str  # split on spaces; {a} is the assets folder, {w} a fresh empty workspace
    names: tuple[str, ...]  # fragments the error line must contain
    env: tuple[tuple[str, str], ...] = ()
    setup: Callable[[Path], None] | None = None


def _file_at(relative: str) -> Callable[[Path], None]:
    return lambda ws: (ws / relative).write_text("x")


def _dir_at(relative: str) -> Callable[[Path], None]:
    return lambda ws: (ws / relative).mkdir(parents=True)


TINY = " ".join(TINY_RUN_OVERRIDES)
HUGE = str(2**70)
TRANSLATION_TINY = ["translator.g_width=4", "translator.d_width=4", "translator.d_layers=2", "train.batch_size=4",
                    "train.sample_every=1000", "train.sample_grid=6", "data.max_images=24", "train.steps=2"]
TEXT_TINY = ["text.encoder=learned", "model.g.width=4", "model.d.width=4", "train.batch_size=8", "train.steps=2",
             "data.max_images=64", "train.sample_every=1000", "train.sample_grid=4"]
TEXT_FOLDER = "train dfgan-folder-64 text.encoder=learned model.g.width=4 model.d.width=4 --dry-run data.path="

CASES = [
    # train: the config and its values
    Case("train-unknown-key", "train dcgan-digits train.stepz=5 --dry-run", ("train.stepz", "train.steps")),
    Case("train-wrong-type", "train dcgan-digits model.g.width=wide --dry-run", ("model.g.width",)),
    Case("train-missing-config", "train {w}/nope.yaml --dry-run", ("nope.yaml", "not found")),
    Case("train-config-is-folder", "train {a}/folder.yaml --dry-run", ("folder.yaml", "is a folder")),
    Case("train-config-not-utf8", "train {a}/latin1.yaml --dry-run", ("latin1.yaml", "UTF-8")),
    Case("train-config-bad-yaml", "train {a}/bad.yaml --dry-run", ("bad.yaml", "YAML")),
    Case("train-config-a-list", "train {a}/list.yaml --dry-run", ("list.yaml", "mapping")),
    Case("train-betas-above-one", "train dcgan-digits train.betas_g=[0.5,1.5] --dry-run", ("train.betas_g",)),
    Case("train-beta-equal-one", "train dcgan-digits train.betas_d=[1.0,0.9] --dry-run", ("train.betas_d",)),
    Case("train-beta-negative", "train dcgan-digits train.betas_d=[-0.1,0.9] --dry-run", ("train.betas_d",)),
    Case("train-seed-beyond-64-bits", f"train dcgan-digits seed={HUGE} --dry-run", ("seed",)),
    Case("train-seed-negative", "train dcgan-digits seed=-1 --dry-run", ("seed",)),
    Case("train-z-dim-too-large", "train dcgan-digits model.z_dim=1000000000 --dry-run", ("model.z_dim", "GiB")),
    Case("train-steps-zero", "train dcgan-digits train.steps=0 --dry-run", ("train.steps",)),
    Case("train-bad-resolution", "train dcgan-digits data.resolution=48 --dry-run", ("data.resolution",)),
    Case("train-kid-subset-over-n", "train dcgan-digits eval.metrics=[kid] eval.n=10 --dry-run", ("eval.kid_subset_size",)),
    Case("train-unknown-best-metric", f"train dcgan-digits {TINY} eval.every=5 eval.best=nope --run-dir {{w}}/r",
         ("eval.best",)),
    Case("train-override-without-equals", "train dcgan-digits steps --dry-run", ("steps", "key.sub=value")),
    Case("train-unknown-option", "train dcgan-digits --bogus", ("--bogus",)),
    Case("train-data-missing", "train dcgan-folder-64 data.path={w}/nothing --dry-run", ("nothing",)),
    Case("train-data-empty-folder", "train dcgan-folder-64 data.path={a}/empty --dry-run", ("empty", "no images")),
    Case("train-data-a-text-file", "train dcgan-folder-64 data.path={a}/a_file --dry-run", ("a_file",)),
    # train: the run directory
    Case("train-run-dir-is-file", f"train dcgan-digits {TINY} --run-dir {{a}}/a_file", ("--run-dir", "a_file")),
    Case("train-run-dir-under-file", f"train dcgan-digits {TINY} --run-dir {{a}}/a_file/run", ("--run-dir", "a_file")),
    Case("train-existing-run-no-resume", f"train dcgan-digits {TINY} --run-dir {{a}}/run", ("--resume",)),
    Case("train-no-config", "train --run-dir {w}/r", ("config",)),
    Case("train-resume-no-run-dir", "train --resume", ("--run-dir",)),
    Case("train-resume-empty-dir", "train --resume --run-dir {a}/empty", ("no run to resume",)),
    Case("train-resume-missing-dir", "train dcgan-digits --resume --run-dir {w}/none", ("no run to resume",)),
    Case("train-resume-other-preset", "train sngan-shapes --resume --run-dir {a}/run", ("model.name", "data.path")),
    Case("train-resume-forgotten-overrides", "train dcgan-digits --resume --run-dir {a}/run", ("model.g.width",)),
    Case("train-resume-change-width", "train --resume --run-dir {a}/run model.g.width=8", ("model.g.width", "cannot change")),
    Case("train-resume-change-data", "train --resume --run-dir {a}/run data.path=builtin:shapes", ("data.path",)),
    Case("train-resume-change-lr", "train --resume --run-dir {a}/run train.lr_g=0.1", ("train.lr_g", "train.steps")),
    Case("train-resume-bad-steps", "train --resume --run-dir {a}/run train.steps=-4", ("train.steps",)),
    Case("train-eval-weights-missing", f"train dcgan-digits {TINY} eval.every=2 eval.weights={{w}}/none.pth --run-dir {{w}}/r",
         ("eval.weights={w}/none.pth",)),
    Case("train-home-is-file", f"train dcgan-digits {TINY} eval.every=2 eval.features=digits --run-dir {{w}}/r",
         ("GANFORGE_HOME",), env=(("GANFORGE_HOME", "{a}/a_file"),)),
    # sample
    Case("sample-missing-source", "sample {w}/nothing --out {w}/g.png", ("nothing",)),
    Case("sample-random-bytes", "sample {a}/random.ckpt --out {w}/g.png", ("random.ckpt", "not a ganforge checkpoint")),
    Case("sample-text-file", "sample {a}/text.ckpt --out {w}/g.png", ("text.ckpt", "not a ganforge checkpoint")),
    Case("sample-foreign-checkpoint", "sample {a}/foreign.ckpt --out {w}/g.png", ("foreign.ckpt", "not a ganforge")),
    Case("sample-ckpt-invalid-yaml", "sample {a}/yaml-invalid.ckpt --out {w}/g.png", ("yaml-invalid.ckpt", "config")),
    Case("sample-ckpt-yaml-list", "sample {a}/yaml-list.ckpt --out {w}/g.png", ("yaml-list.ckpt", "config")),
    Case("sample-ckpt-other-model", "sample {a}/other-model.ckpt --out {w}/g.png", ("other-model.ckpt", "match")),
    Case("sample-export-json-list", "sample {a}/list.safetensors --out {w}/g.png", ("list.json",)),
    Case("sample-export-json-latin1", "sample {a}/latin1.safetensors --out {w}/g.png", ("latin1.json",)),
    Case("sample-export-other-model", "sample {a}/othermodel.safetensors --out {w}/g.png", ("othermodel", "match")),
    Case("sample-export-no-json", "sample {a}/nojson.safetensors --out {w}/g.png", ("nojson.json",)),
    Case("sample-n-zero", "sample {a}/run --n 0 --out {w}/g.png", ("--n",)),
    Case("sample-n-too-large", "sample {a}/run --n 1000000000000 --out {w}/g.png", ("--n", "GiB")),
    Case("sample-n-not-a-number", "sample {a}/run --n many --out {w}/g.png", ("--n",)),
    Case("sample-truncation-nan", "sample {a}/run --truncation nan --out {w}/g.png", ("--truncation",)),
    Case("sample-truncation-inf", "sample {a}/run --truncation inf --out {w}/g.png", ("--truncation",)),
    Case("sample-truncation-zero", "sample {a}/run --truncation 0 --out {w}/g.png", ("--truncation",)),
    Case("sample-truncation-negative", "sample {a}/run --truncation -1 --out {w}/g.png", ("--truncation",)),
    Case("sample-seed-huge", f"sample {{a}}/run --seed {HUGE} --out {{w}}/g.png", ("--seed",)),
    Case("sample-out-unknown-suffix", "sample {a}/run --out {w}/grid.txt", ("--out", "grid.txt")),
    Case("sample-out-grid-is-folder", "sample {a}/run --out {w}/g.png", ("--out", "folder"), setup=_dir_at("g.png")),
    Case("sample-out-folder-is-file", "sample {a}/run --out {a}/a_file", ("--out", "a_file")),
    Case("sample-out-under-file", "sample {a}/run --out {a}/a_file/g.png", ("--out", "a_file")),
    Case("sample-checkpoint-dir-empty", "sample {a}/empty --out {w}/g.png", ("empty",)),
    # interpolate
    Case("interpolate-missing-source", "interpolate {w}/nothing --out {w}/s.png", ("nothing",)),
    Case("interpolate-one-step", "interpolate {a}/run --steps 1 --out {w}/s.png", ("--steps",)),
    Case("interpolate-zero-rows", "interpolate {a}/run --rows 0 --out {w}/s.png", ("--rows",)),
    Case("interpolate-out-txt", "interpolate {a}/run --out {w}/s.txt", ("--out", "s.txt")),
    Case("interpolate-out-is-folder", "interpolate {a}/run --out {w}/s.png", ("--out", "folder"), setup=_dir_at("s.png")),
    Case("interpolate-out-under-file", "interpolate {a}/run --out {a}/a_file/s.png", ("--out", "a_file")),
    Case("interpolate-seed-huge", f"interpolate {{a}}/run --seed {HUGE} --out {{w}}/s.png", ("--seed",)),
    Case("interpolate-random-bytes", "interpolate {a}/random.ckpt --out {w}/s.png", ("not a ganforge checkpoint",)),
    # export
    Case("export-missing-source", "export {w}/nothing --out {w}/G.safetensors", ("nothing",)),
    Case("export-out-suffix", "export {a}/run --out {w}/G.pt", ("--out", "G.pt")),
    Case("export-out-is-folder", "export {a}/run --out {w}/G.safetensors", ("--out", "folder"),
         setup=_dir_at("G.safetensors")),
    Case("export-out-under-file", "export {a}/run --out {a}/a_file/G.safetensors", ("--out", "a_file")),
    Case("export-other-model", "export {a}/other-model.ckpt --out {w}/G.safetensors", ("other-model.ckpt", "match")),
    Case("export-random-bytes", "export {a}/random.ckpt --out {w}/G.safetensors", ("not a ganforge checkpoint",)),
    Case("export-ckpt-yaml-list", "export {a}/yaml-list.ckpt --out {w}/G.safetensors", ("yaml-list.ckpt",)),
    # eval
    Case("eval-json-is-folder", "eval --fake {a}/images --real {a}/images --features digits --json {w}/out",
         ("--json", "folder"), setup=_dir_at("out")),
    Case("eval-json-missing-folder", "eval --fake {a}/images --real {a}/images --features digits --json {w}/no/r.json",
         ("--json",)),
    Case("eval-json-under-file", "eval --fake {a}/images --real {a}/images --features digits --json {a}/a_file/r.json",
         ("--json", "a_file")),
    Case("eval-unknown-metric", "eval --fake {a}/images --real {a}/images --metrics fud", ("fud",)),
    Case("eval-fake-missing", "eval --fake {w}/nothing --real {a}/images --features digits", ("nothing",)),
    Case("eval-real-missing", "eval --fake {a}/images --real {w}/nothing --features digits", ("nothing",)),
    Case("eval-kid-subsets-zero", "eval --fake {a}/images --real {a}/images --metrics kid --kid-subsets 0",
         ("kid",)),
    Case("eval-weights-missing", "eval --fake {a}/images --real {a}/images --weights {w}/none.pth", ("none.pth",)),
    Case("eval-weights-env-missing", "eval --fake {a}/images --real {a}/images",
         ("none.pth",), env=(("GANFORGE_INCEPTION_WEIGHTS", "{w}/none.pth"),)),
    Case("eval-weights-random-bytes", "eval --fake {a}/images --real {a}/images --weights {a}/random.ckpt",
         ("random.ckpt",)),
    Case("eval-home-is-file", "eval --fake {a}/images --real {a}/images --features digits",
         ("GANFORGE_HOME", "a_file"), env=(("GANFORGE_HOME", "{a}/a_file"),)),
    Case("eval-seed-huge", f"eval --fake {{a}}/run --real {{a}}/images --features digits --seed {HUGE}", ("--seed",)),
    # stats
    Case("stats-out-suffix", "stats {a}/images --out {w}/s.txt --features digits", ("--out", "s.txt")),
    Case("stats-out-missing-folder", "stats {a}/images --out {w}/no/s.npz --features digits", ("--out",)),
    Case("stats-out-is-folder", "stats {a}/images --out {w}/s.npz --features digits", ("--out", "folder"),
         setup=_dir_at("s.npz")),
    Case("stats-out-under-file", "stats {a}/images --out {a}/a_file/s.npz --features digits", ("--out", "a_file")),
    Case("stats-source-missing", "stats {w}/nothing --out {w}/s.npz --features digits", ("nothing",)),
    Case("stats-home-is-file", "stats {a}/images --out {w}/s.npz --features digits",
         ("GANFORGE_HOME",), env=(("GANFORGE_HOME", "{a}/a_file"),)),
    # evaluator
    Case("evaluator-out-is-file", "evaluator train --data {a}/images --out {a}/a_file", ("--out", "a_file")),
    Case("evaluator-out-under-file", "evaluator train --data {a}/images --out {a}/a_file/ev", ("--out", "a_file")),
    Case("evaluator-data-missing", "evaluator train --data {w}/nothing --out {w}/ev", ("nothing",)),
    Case("evaluator-epochs-zero", "evaluator train --data {a}/images --out {w}/ev --epochs 0", ("--epochs",)),
    Case("evaluator-max-images-zero", "evaluator train --data {a}/images --out {w}/ev --max-images 0", ("--max-images",)),
    Case("evaluator-no-action", "evaluator", ("ACTION",)),
    # report and data audit
    Case("report-missing-run", "report {w}/nothing --out {w}/r.html", ("nothing",)),
    Case("report-out-is-folder", "report {a}/run --out {w}/r.html", ("--out", "folder"), setup=_dir_at("r.html")),
    Case("report-out-under-file", "report {a}/run --out {a}/a_file/r.html", ("--out", "a_file")),
    Case("report-json-is-folder", "report {a}/run --out {w}/r.html --json {w}/j", ("--json", "folder"),
         setup=_dir_at("j")),
    Case("data-audit-missing", "data audit {w}/nothing --out {w}/a.html", ("nothing",)),
    Case("data-audit-out-is-folder", "data audit {a}/images --out {w}/a.html", ("--out", "folder"),
         setup=_dir_at("a.html")),
    Case("data-audit-json-under-file", "data audit {a}/images --json {a}/a_file/a.json", ("--json", "a_file")),
    Case("data-audit-unknown-drop", "data audit {a}/images --write-keep {w}/k.txt --drop nonsense", ("nonsense",)),
    # round three: nothing written onto an input or a run's own files
    Case("translate-out-is-the-input", "translate {a}/p2p --input {a}/images/0.png --out {a}/images/0.png",
         ("--out", "input")),
    Case("translate-folder-into-itself", "translate {a}/p2p --input {a}/images --out {a}/images", ("--out", "input")),
    Case("translate-folder-into-its-subfolder", "translate {a}/p2p --input {a}/images --out {a}/images/out",
         ("--out", "input")),
    Case("report-out-run-config", "report {a}/run --out {a}/run/config.yaml", ("--out", "config.yaml", "run")),
    Case("report-json-run-log", "report {a}/run --out {w}/r.html --json {a}/run/log.jsonl", ("--json", "log.jsonl")),
    Case("sample-out-run-samples", "sample {a}/run --out {a}/run/samples/g.png", ("--out", "samples")),
    Case("export-out-onto-its-source", "export {a}/G.safetensors --out {a}/G.safetensors", ("--out", "input")),
    Case("train-run-dir-is-the-data", "train dcgan-folder-64 data.path={a}/images --run-dir {a}/images --dry-run",
         ("--run-dir", "input")),
    Case("train-run-dir-inside-the-data", "train dcgan-folder-64 data.path={a}/images --run-dir {a}/images/run",
         ("--run-dir", "input")),
    # output places that cannot be written, found before any work
    Case("export-out-proc", "export {a}/run --out /proc/G.safetensors", ("--out", "/proc")),
    Case("sample-out-proc", "sample {a}/run --out /proc/g.png", ("--out", "/proc")),
    Case("interpolate-out-proc", "interpolate {a}/run --out /proc/s.png", ("--out", "/proc")),
    Case("eval-json-proc", "eval --fake {a}/images --real {a}/images --features digits --json /proc/r.json",
         ("--json", "/proc")),
    Case("stats-out-proc", "stats {a}/images --out /proc/s.npz --features digits", ("--out", "/proc")),
    Case("eval-translation-json-proc", "eval-translation {a}/p2p --json /proc/r.json", ("--json", "/proc")),
    Case("translate-out-existing-folder", "translate {a}/p2p --input {a}/images/0.png --out {w}/o.png",
         ("--out", "folder"), setup=_dir_at("o.png")),
    Case("translate-out-under-file", "translate {a}/p2p --input {a}/images/0.png --out {a}/a_file/o.png",
         ("--out", "a_file")),
    Case("train-run-dir-proc", f"train dcgan-digits {TINY} --run-dir /proc/run", ("--run-dir", "/proc")),
    Case("data-audit-out-fifo", "data audit {a}/images --out {a}/fifo", ("--out", "fifo", "not a regular file")),
    # unreadable text files
    Case("sample-prompts-not-utf8", "sample {a}/txt --prompts-file {a}/latin1.txt --out {w}/g.png",
         ("latin1.txt", "UTF-8")),
    Case("sample-prompts-fifo", "sample {a}/txt --prompts-file {a}/fifo --out {w}/g.png", ("fifo", "named pipe")),
    Case("captions-jsonl-not-utf8", TEXT_FOLDER + "{a}/captions-latin1", ("captions.jsonl", "UTF-8")),
    Case("captions-jsonl-too-deep", TEXT_FOLDER + "{a}/captions-deep", ("captions.jsonl", "nested too deeply")),
    Case("captions-txt-not-utf8", TEXT_FOLDER + "{a}/captions-txt-latin1", ("0.txt", "UTF-8")),
    Case("resume-config-not-utf8", "train --resume --run-dir {a}/config-latin1", ("config.yaml", "UTF-8")),
    Case("resume-config-alias-bomb", "train --resume --run-dir {a}/config-bomb", ("config.yaml", "aliases")),
    Case("resume-train-a-list", "train --resume --run-dir {a}/train-list", ("config.yaml", "train")),
    Case("report-config-not-utf8", "report {a}/config-latin1 --out {w}/r.html", ("config.yaml", "UTF-8")),
    Case("report-config-alias-bomb", "report {a}/config-bomb --out {w}/r.html", ("config.yaml", "aliases")),
    Case("report-train-a-list", "report {a}/train-list --out {w}/r.html", ("config.yaml", "train")),
    Case("report-best-not-utf8", "report {a}/best-latin1 --out {w}/r.html", ("best.json", "UTF-8")),
    Case("report-log-too-deep", "report {a}/log-deep --out {w}/r.html", ("log.jsonl", "nested too deeply")),
    Case("train-include-fifo", "train dcgan-folder-64 data.path={a}/images data.include={a}/fifo --dry-run",
         ("data.include", "named pipe")),
    # devices and numbers
    Case("translate-device-cuda", "translate {a}/p2p --input {a}/images/0.png --out {w}/o.png --device cuda",
         ("--device cuda", "CUDA")),
    Case("translate-device-bogus", "translate {a}/p2p --input {a}/images/0.png --out {w}/o.png --device bogus",
         ("--device bogus",)),
    Case("eval-translation-device-cuda", "eval-translation {a}/p2p --device cuda", ("--device cuda",)),
    Case("eval-translation-device-bogus", "eval-translation {a}/p2p --device bogus", ("--device bogus",)),
    Case("eval-translation-hints-empty", "eval-translation {a}/col --hints-count ,", ("--hints-count",)),
    Case("eval-translation-hints-huge", "eval-translation {a}/col --hints-count 10000000", ("--hints-count", "1000")),
    Case("sample-prompt-n-huge", "sample {a}/txt --prompt red --n 1000000000000 --out {w}/g.png", ("--n", "GiB")),
    Case("evaluator-seed-negative", "evaluator train --data {a}/images --out {w}/ev --seed -1", ("--seed",)),
    Case("evaluator-seed-beyond-64-bits", f"evaluator train --data {{a}}/images --out {{w}}/ev --seed {HUGE}",
         ("--seed",)),
    Case("interpolate-text-run-without-prompt", "interpolate {a}/txt --out {w}/s.png", ("--prompt",)),
    Case("interpolate-steps-rows-huge", "interpolate {a}/run --steps 100000 --rows 100000 --out {w}/s.png",
         ("--steps", "GiB")),
    # translation runs elsewhere
    Case("sample-a-translation-export", "sample {a}/p2p.safetensors --out {w}/g.png", ("p2p.safetensors", "translate")),
    Case("pix2pix-d-layers-too-many", "train pix2pix-shapes translator.d_layers=8 --dry-run",
         ("translator.d_layers", "at most 3")),
    Case("paired-folder-same-stem", "train pix2pix-shapes data.path={a}/pairs translation.layout=paired --dry-run",
         ("good0.png", "good0.jpg")),
    # silently accepted before
    Case("eval-translation-cycle-psnr-on-pix2pix", "eval-translation {a}/p2p --metrics cycle_psnr",
         ("cycle_psnr", "pix2pix")),
    Case("eval-translation-hints-on-pix2pix", "eval-translation {a}/p2p --hints-count 3", ("--hints-count", "pix2pix")),
    Case("sample-class-on-text-run", "sample {a}/txt --prompt red --class 1 --out {w}/g.png", ("--class",)),
    Case("data-audit-negative-hamming", "data audit {a}/images --near-hamming -1 --out {w}/a.html", ("--near-hamming",)),
    Case("data-audit-hamming-1000", "data audit {a}/images --near-hamming 1000 --out {w}/a.html", ("--near-hamming",)),
    Case("data-audit-correlation-5", "data audit {a}/images --near-correlation 5 --out {w}/a.html",
         ("--near-correlation",)),
    Case("train-text-model-unconditional", "train dcgan-digits model.name=dfgan --dry-run", ("model.name", "dfgan")),
    Case("no-command", "", ("COMMAND",)),
    Case("unknown-command", "fly", ("fly",)),
]


def test_at_least_sixty_cases_cover_every_command():
    commands = {case.argv.split()[0] for case in CASES if case.argv}
    assert len(CASES) >= 60
    assert {"train", "sample", "interpolate", "export", "eval", "stats", "evaluator"} <= commands


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input(case, assets, tmp_path, monkeypatch, capsys):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    monkeypatch.chdir(workspace)  # a default output (runs/NAME) would land here, and be seen
    for key, value in case.env:
        monkeypatch.setenv(key, value.format(a=assets, w=workspace))
    if case.setup is not None:
        case.setup(workspace)
    before = {"assets": snapshot(assets), "workspace": snapshot(workspace)}
    argv = [part.format(a=assets, w=workspace) for part in case.argv.split()]
    code = main(argv)
    _, err = capsys.readouterr()
    lines = error_lines(err)
    assert code == 2, err
    assert len(lines) == 1 and "Traceback" not in err, err
    for name in case.names:
        assert name.format(a=assets, w=workspace) in lines[0], lines[0]
    assert {"assets": snapshot(assets), "workspace": snapshot(workspace)} == before


def test_tiny_truncation_returns_and_stays_within_bounds(assets, tmp_path, capsys):
    """1e-30 once made redrawing loop forever; now every entry lies within the bound."""
    from ganforge.sampling import latents

    z = latents(64, 8, seed=0, truncation=1e-30)
    assert z.abs().max() <= 1e-30 and z.abs().max() > 0
    assert main(["sample", str(assets / "run"), "--n", "4", "--truncation", "1e-30", "--out", str(tmp_path / "g.png")]) == 0


def test_truncated_latents_follow_the_truncated_normal():
    from scipy import stats

    from ganforge.sampling import latents

    z = latents(4000, 8, seed=1, truncation=0.7).flatten().numpy()
    assert np.abs(z).max() <= 0.7
    expected_std = math.sqrt(stats.truncnorm(-0.7, 0.7).var())
    assert abs(z.std() - expected_std) < 0.01
    assert stats.kstest(z, stats.truncnorm(-0.7, 0.7).cdf).pvalue > 1e-3
