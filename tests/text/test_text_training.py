"""Text-to-image training end to end on tiny DF-GANs: train, sample from prompts, resume exactly."""

import json

import pytest
import torch
from safetensors.torch import load_file
from text_helpers import needs_minilm

from crash_hook import assert_same_networks, through_and_resumed
from ganforge.api import export
from ganforge.cli import main
from ganforge.config import load_config
from ganforge.errors import UserError
from ganforge.runs import load_generator
from ganforge.sampling import sample
from ganforge.training.loop import train

TINY = {
    "model.g.width": 4,
    "model.d.width": 4,
    "model.z_dim": 8,
    "train.batch_size": 8,
    "train.log_every": 1,
    "train.sample_every": 1000,
    "train.sample_grid": 8,
    "data.max_images": 64,
    "text.ma_gp_every": 2,
}


GANCLS_TINY = {key: value for key, value in TINY.items() if not key.startswith("text.ma_gp")}  # DF-GAN's only


def _weights(run_dir, out):
    return load_file(export(run_dir, out)[0])


def _config(**extra):
    return load_config("dfgan-shapes", {**TINY, **extra})


def _uninterrupted_and_resumed(config, tmp_path, crash_step):
    """G's exported weights of a run trained through, and of one crashed at `crash_step` then resumed."""
    through_and_resumed(config, tmp_path, crash_step)
    return _weights(tmp_path / "A", tmp_path / "A.safetensors"), _weights(tmp_path / "B", tmp_path / "B.safetensors")


@needs_minilm
def test_train_then_sample_prompts(tmp_path, capsys):
    run = train(_config(**{"train.steps": 3}), tmp_path / "run", progress=False)
    assert (run / "samples" / "final.png").is_file()
    generator = load_generator(run)
    images = sample(generator, n=2, prompts=["a large red circle on the left", "a small blue star on the right"])
    assert images.shape == (4, 3, 32, 32) and images.dtype == torch.uint8
    assert not torch.equal(images[0], images[2])  # same latent, other words: another image
    # Unprompted sampling draws the run's own captions (what FID/KID use).
    assert sample(generator, n=3).shape == (3, 3, 32, 32)
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("a large red circle on the left\n\na small green cross in the center\n")
    assert main(["sample", str(run), "--prompts-file", str(prompts), "--n", "3", "--out", str(tmp_path / "g.png")]) == 0
    assert "wrote 6 images for 2 prompt(s)" in capsys.readouterr().out
    assert main(["sample", str(run), "--prompt", " ", "--out", str(tmp_path / "h.png")]) == 2


@needs_minilm
def test_crash_then_resume_matches_uninterrupted(tmp_path):
    a, b = _uninterrupted_and_resumed(_config(**{"train.steps": 8, "ckpt.every": 3}), tmp_path, 5)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    state = torch.load(tmp_path / "B/checkpoints/latest.ckpt", weights_only=True)
    assert state["objective"]["embeddings_sha256"] and len(state["objective"]["captions"]) > 10


def test_learned_encoder_trains_and_resumes_exactly(tmp_path):
    config = _config(**{"train.steps": 6, "ckpt.every": 2, "text.encoder": "learned"})
    a, b = _uninterrupted_and_resumed(config, tmp_path, 3)
    assert any(key.startswith("text_encoder.") for key in a)  # the encoder is trained and saved with G
    assert all(torch.equal(a[k], b[k]) for k in a)
    initial = load_config("dfgan-shapes", {**TINY, "text.encoder": "learned"})
    from ganforge.runs import build_generator

    fresh = build_generator(initial).state_dict()
    assert not torch.equal(fresh["text_encoder.project.weight"], a["text_encoder.project.weight"])


def test_text_task_needs_its_model():
    with pytest.raises(UserError, match="text-dfgan needs model.name=dfgan"):
        load_config("dfgan-shapes", {"model.name": "dcgan"})


def test_gancls_trains_with_conditioning_augmentation(tmp_path):
    config = load_config("gancls-shapes", {**GANCLS_TINY, "train.steps": 3, "text.encoder": "learned"})
    run = train(config, tmp_path / "run", progress=False)
    logs = [line for line in (run / "log.jsonl").read_text().splitlines()]
    assert '"kl"' in logs[-1] and '"d_wrong"' in logs[-1]
    generator = load_generator(run)
    images = sample(generator, n=2, prompts=["a red star"], seed=1)
    assert torch.equal(images, sample(generator, n=2, prompts=["a red star"], seed=1))  # mu in eval mode


def test_gancls_with_a_learned_encoder_trains_the_matcher_on_the_batch_captions(tmp_path):
    config = load_config("gancls-shapes", {**GANCLS_TINY, "train.steps": 3, "text.encoder": "learned",
                                           "text.contrastive_weight": 0.5})
    run = train(config, tmp_path / "run", progress=False)
    last = json.loads((run / "log.jsonl").read_text().splitlines()[-1])
    assert {"match_real", "match_generated", "match_fake", "kl"} <= last.keys() and last["grad_norm_m"] > 0


def test_text_model_refuses_other_tasks():
    with pytest.raises(UserError, match="gancls is built by its own task only; use task: text-gancls"):
        load_config("gancls-shapes", {"task": "unconditional"})


@needs_minilm
def test_folder_preset_with_captions_jsonl(tmp_path, capsys):
    import json

    from PIL import Image

    root = tmp_path / "faces"
    root.mkdir()
    lines = []
    for k, colour in enumerate([(200, 40, 40), (40, 40, 200)] * 4):
        Image.new("RGB", (80, 72), colour).save(root / f"{k}.png")
        word = "red" if colour[0] > 100 else "blue"
        lines += [json.dumps({"file": f"{k}.png", "text": f"a {word} face"}),
                  json.dumps({"file": f"{k}.png", "text": f"someone {word}"})]
    (root / "captions.jsonl").write_text("\n".join(lines))
    overrides = {**TINY, "data.path": str(root), "train.steps": 2, "data.max_images": None}
    run = train(load_config("dfgan-folder-64", overrides), tmp_path / "run", progress=False)
    state = torch.load(run / "checkpoints/latest.ckpt", weights_only=True)
    assert len(state["objective"]["captions"]) == 4  # two captions for each of the two kinds
    out = tmp_path / "grid.png"
    assert main(["sample", str(run), "--prompt", "a red face", "--n", "2", "--out", str(out)]) == 0
    from PIL import Image as PILImage

    assert PILImage.open(out).height == 64 + 2 * 2


def test_in_training_attribute_evaluation_keeps_best(tmp_path):
    import json

    from ganforge.training.evaluation import evaluation_hook

    overrides = {**TINY, "train.steps": 4, "text.encoder": "learned", "eval.every": 2, "eval.n": 16,
                 "eval.metrics": ["attributes"], "eval.best": "attributes"}
    config = load_config("dfgan-shapes", overrides)
    run = train(config, tmp_path / "run", progress=False, step_hook=evaluation_hook(config))
    records = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [2, 4]
    assert all(0 <= r["attributes_all"] <= 1 and "attributes_colour_floor" in r for r in records)
    assert (run / "checkpoints" / "best.ckpt").is_file()


def test_prompt_interpolation(tmp_path):
    run = train(_config(**{"train.steps": 1, "text.encoder": "learned"}), tmp_path / "run", progress=False)
    from PIL import Image

    final = Image.open(run / "samples" / "final.png")  # 8 prompts, one image each, prompts written left
    assert final.height == 8 * 34 + 2 and final.width > 34 + 2 + 100
    out = tmp_path / "walk.png"
    assert main(["interpolate", str(run), "--prompt", "a red circle", "--to-prompt", "a blue star",
                 "--steps", "4", "--rows", "2", "--out", str(out)]) == 0
    assert out.is_file()
    assert main(["interpolate", str(run), "--prompt", "a red circle", "--out", str(out)]) == 2


def test_align_command_attributes_and_tiny_clip(tmp_path, capsys):
    import json

    open_clip = pytest.importorskip("open_clip")
    from text_helpers import TINY_CLIP

    run = train(_config(**{"train.steps": 1, "text.encoder": "learned"}), tmp_path / "run", progress=False)
    (tmp_path / "tiny-clip-align.json").write_text(json.dumps(TINY_CLIP))
    open_clip.add_model_config(tmp_path / "tiny-clip-align.json")
    torch.save(open_clip.create_model("tiny-clip-align").state_dict(), tmp_path / "clip.pt")
    assert main(["align", str(run), "--n", "12", "--json", "--clip-weights", str(tmp_path / "clip.pt"),
                 "--clip-model", "tiny-clip-align"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["attributes"]["n"] == 12 and result["attributes"]["ceiling"]["all"] == 1.0
    assert 0 <= result["clip"]["accuracy"]["r_precision"] <= 1
    assert len(result["clip"]["protocol"]["weights_sha256"]) == 64


def test_text_run_as_fake_source_draws_its_captions(tmp_path, capsys):
    """`eval --fake RUN` and in-training FID of a text run condition on the run's own captions."""
    import json

    import ganforge
    from ganforge.training.evaluation import evaluation_hook

    overrides = {**TINY, "train.steps": 2, "text.encoder": "learned", "eval.every": 2, "eval.n": 16,
                 "eval.metrics": ["fid"], "eval.features": "shapes"}
    config = load_config("dfgan-shapes", overrides)
    run = train(config, tmp_path / "run", progress=False, step_hook=evaluation_hook(config))
    record = json.loads((run / "metrics.jsonl").read_text().splitlines()[-1])
    assert record["fid"] > 0
    result = ganforge.evaluate(fake=str(run), real="builtin:shapes", metrics=["fid"], features="shapes", n=16)
    assert result["fid"] > 0
    assert main(["eval", "--fake", str(run), "--real", "builtin:shapes", "--features", "shapes",
                 "--metrics", "fid", "--n", "16"]) == 0
    assert "fid" in capsys.readouterr().out


def test_mode_seeking_term_is_the_msgan_ratio_and_resumes_exactly(tmp_path):
    from ganforge.training.objectives.text_dfgan import mode_seeking_ratio

    torch.manual_seed(0)
    generator = lambda z, e: torch.tanh(z[:, :2, None, None] * e[:, :2, None, None])  # noqa: E731
    z, e = torch.randn(4, 8), torch.randn(4, 6)
    fake = generator(z, e)
    torch.manual_seed(1)
    ratio = mode_seeking_ratio(generator, fake, z, e)
    torch.manual_seed(1)
    z2 = torch.randn_like(z)
    expected = ((fake - generator(z2, e)).abs().flatten(1).mean(1) / (z - z2).abs().mean(1)).mean()
    assert torch.allclose(ratio, expected)

    config = _config(**{"train.steps": 6, "ckpt.every": 2, "text.encoder": "learned", "text.mode_seeking": 1.0})
    assert_same_networks(*through_and_resumed(config, tmp_path, 3))
    assert '"mode_seeking_ratio"' in (tmp_path / "A" / "log.jsonl").read_text().splitlines()[-1]


@needs_minilm
def test_size_check_before_the_first_build_leaves_a_real_encoder(tmp_path):
    """The CLI checks the networks' size on the meta device before training; the frozen encoder
    it builds first is cached and shared, so it must still hold real weights afterwards."""
    from ganforge.text.prompts import _frozen_encoder, text_encoder_for
    from ganforge.training.budget import training_bytes

    _frozen_encoder.cache_clear()
    config = _config(**{"train.steps": 1})
    assert training_bytes(config) > 0
    encoder = text_encoder_for(config.text)
    assert all(p.device.type == "cpu" for p in encoder.parameters())
    assert encoder.encode_frozen(["a small red circle"]).abs().sum() > 0
    assert main(["train", "dfgan-shapes", *(f"{k}={v}" for k, v in {**TINY, "train.steps": 1}.items()),
                 "--run-dir", str(tmp_path / "run")]) == 0


@needs_minilm
def test_coordinate_generator_trains_and_samples_from_its_run(tmp_path):
    assert _config().model.g.coords is True  # the preset's choice
    run = train(_config(**{"train.steps": 2, "model.g.coords": False}), tmp_path / "run", progress=False)
    generator = load_generator(run)
    assert not generator.blocks[0].coords  # rebuilt from the run's config, not the preset's
    assert sample(generator, n=1, prompts=["a large red circle on the left"]).shape == (1, 3, 32, 32)


def test_all_pair_logits_equal_the_pairwise_joint_head():
    from ganforge.models.dfgan import DFGANDiscriminator

    torch.manual_seed(0)
    discriminator = DFGANDiscriminator(4, 32, 3, text_dim=6)
    for block in discriminator.blocks:
        block.gain.data.fill_(0.5)  # the residual branches count too
    h, e = discriminator.features(torch.randn(5, 3, 32, 32)), torch.randn(5, 6)
    table = discriminator.all_pair_logits(h, e)
    one_by_one = torch.stack([discriminator.logits(h[i : i + 1].expand(5, -1, -1, -1), e) for i in range(5)])
    torch.testing.assert_close(table, one_by_one, rtol=1e-5, atol=1e-6)


@needs_minilm
def test_all_mismatched_pairs_train_and_resume_exactly(tmp_path):
    config = _config(**{"train.steps": 8, "ckpt.every": 3, "text.mismatch_pairs": "all"})
    a, b = _uninterrupted_and_resumed(config, tmp_path, 5)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    with pytest.raises(UserError, match="text.mismatch_pairs"):
        load_config("gancls-shapes", {"text.mismatch_pairs": "all"})


@needs_minilm
def test_a_seed_gives_the_same_run_whether_or_not_the_encoder_is_cached(tmp_path):
    """Building the frozen encoder (its layers' random init before the weights load) must not
    draw from the global RNG: the first run of a process trained other networks than the next."""
    from ganforge.text.prompts import _frozen_encoder

    _frozen_encoder.cache_clear()
    config = _config(**{"train.steps": 1})
    first = _weights(train(config, tmp_path / "A", progress=False), tmp_path / "a.safetensors")
    second = _weights(train(config, tmp_path / "B", progress=False), tmp_path / "b.safetensors")
    assert all(torch.equal(first[k], second[k]) for k in first)


@needs_minilm
def test_contrastive_matcher_trains_on_real_pairs_and_resumes_exactly(tmp_path):
    """text.contrastive_weight: a matcher M learns real pairs in the D phase; G's fakes are
    scored by it in the G phase; M is checkpointed and a resumed run equals one run through."""
    config = _config(**{"train.steps": 6, "ckpt.every": 2, "text.contrastive_weight": 1.0})
    a, b = _uninterrupted_and_resumed(config, tmp_path, 3)
    assert all(torch.equal(a[k], b[k]) for k in a)
    last = json.loads((tmp_path / "A" / "log.jsonl").read_text().splitlines()[-1])
    assert {"match_real", "match_generated", "match_fake", "grad_norm_m", "lr_m"} <= last.keys() and last["grad_norm_m"] > 0
    networks = torch.load(tmp_path / "A" / "checkpoints/latest.ckpt", weights_only=True)["networks"]
    assert set(networks) == {"G", "D", "M"}


def test_matcher_loss_picks_each_image_caption_or_generated():
    """An image tower that embeds each image exactly as its caption gets a low loss for the
    right targets, a high one for wrong targets or when the images are called "generated"."""
    from ganforge.models.text_matcher import TextImageMatcher

    torch.manual_seed(0)
    matcher = TextImageMatcher(3, 32, 6)
    bank = torch.randn(5, 6)
    images = torch.rand(5, 3, 32, 32) * 2 - 1
    matcher.embed_images = lambda x, noisy=False: matcher.embed_texts(bank)  # a perfect image tower
    right = matcher.loss(images, torch.arange(5), bank)
    assert right < matcher.loss(images, torch.arange(5).roll(1), bank)
    assert right < matcher.loss(images, torch.arange(5), bank, generated=True)
    matcher.embed_images = lambda x, noisy=False: torch.nn.functional.normalize(matcher.generated, dim=0).expand(5, -1)
    assert matcher.loss(images, torch.arange(5), bank, generated=True) < 0.01


@needs_minilm
@pytest.mark.parametrize("bank", [4, 1024])
def test_matcher_candidates_hold_each_batch_caption(tmp_path, monkeypatch, bank):
    """With at most MATCHER_BANK captions every caption is a candidate; with more, the batch's
    captions plus random ones. Each image's target is its own caption's place among them."""
    import ganforge.training.objectives.text as text_module

    monkeypatch.setattr(text_module, "MATCHER_BANK", bank)
    seen = []
    original = text_module.TextObjective._candidates

    def recording(self, e, ids):
        candidates, targets = original(self, e, ids)
        seen.append((candidates, targets, ids, self.table))
        return candidates, targets

    monkeypatch.setattr(text_module.TextObjective, "_candidates", recording)
    train(_config(**{"train.steps": 1, "text.contrastive_weight": 1.0}), tmp_path / "run", progress=False)
    for candidates, targets, ids, table in seen:
        assert len(table) > 4
        assert len(candidates) == len(table) if bank == 1024 else len(candidates) <= len(ids) + 4
        torch.testing.assert_close(candidates[targets], table[ids])


def test_matcher_candidates_of_a_trainable_encoder_are_the_batch_distinct_captions():
    from ganforge.training.objectives.text import TextObjective

    holder = type("Holder", (), {"table": None})()
    ids = torch.tensor([7, 3, 7, 9])
    e = torch.tensor([[7.0], [3.0], [7.0], [9.0]])
    candidates, targets = TextObjective._candidates(holder, e, ids)
    assert candidates.flatten().tolist() == [3.0, 7.0, 9.0]
    assert torch.equal(candidates[targets], e)


def test_diversity_term_trains_on_caption_pairs_logs_its_ratio_and_resumes_exactly(tmp_path):
    config = _config(**{"train.steps": 6, "ckpt.every": 2, "text.encoder": "learned", "text.diversity_weight": 1.0,
                        "text.diversity_start": 2})
    assert_same_networks(*through_and_resumed(config, tmp_path, 3))
    logged = [json.loads(line) for line in (tmp_path / "A" / "log.jsonl").read_text().splitlines()]
    assert [("diversity_ratio" in entry) for entry in logged if "step" in entry] == [False, False, True, True, True, True]
    assert 0 < logged[-1]["diversity_ratio"]


def test_fakes_come_in_caption_pairs_only_with_the_diversity_term():
    from types import SimpleNamespace

    from ganforge.training.objectives.diversity import DiversityTerm
    from ganforge.training.objectives.text_dfgan import DFGANObjective

    def objective(**keys):
        return SimpleNamespace(diversity=DiversityTerm.of(_config(**keys).text), d_steps_done=5, packed=False)

    e, ids = torch.randn(5, 4), torch.tensor([7, 3, 9, 1, 4])
    off = objective(**{"text.diversity_weight": 0.0})
    later = objective(**{"text.diversity_weight": 1.0, "text.diversity_start": 6})
    on = objective(**{"text.diversity_weight": 1.0, "text.diversity_start": 0})
    assert DFGANObjective.fake_conditions(off, e, ids)[1].tolist() == [7, 3, 9, 1, 4]
    assert DFGANObjective.fake_conditions(later, e, ids)[1].tolist() == [7, 3, 9, 1, 4] and not later.diversity.active
    later.d_steps_done = 6  # the schedule's start reached
    assert DFGANObjective.fake_conditions(later, e, ids)[1].tolist() == [7, 3, 9, 7, 3] and later.diversity.active
    paired_e, paired_ids = DFGANObjective.fake_conditions(on, e, ids)
    assert paired_ids.tolist() == [7, 3, 9, 7, 3]
    assert torch.equal(paired_e[3:], e[:2])
    packed = objective(**{"text.diversity_weight": 0.0})
    packed.packed = True  # text.pack: 2 pairs the fakes from the first step, without the term
    assert DFGANObjective.fake_conditions(packed, e, ids)[1].tolist() == [7, 3, 9, 7, 3]
