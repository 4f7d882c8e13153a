"""NICE-GAN and CUT/FastCUT: what sets them apart, checked on tiny networks, and SIGTERM mid-run."""

import signal
import subprocess
import sys
import time

import pytest
import torch
from translation_helpers import tiny

from ganforge.config import load_config
from ganforge.models.nicegan import EncodeDecode, NiceDecoder, NiceDiscriminator
from ganforge.models.patchnce import PatchProjector, encoder_features, layer_channels, patch_nce
from ganforge.models.resnet_translator import ResnetGenerator
from ganforge.training.rng import seed_everything
from ganforge.training.state import build_state


def _state(preset, **extra):
    config = load_config(preset, tiny(**extra))
    seed_everything(config.seed)
    return build_state(config)


def test_nicegan_generators_have_no_encoder_of_their_own():
    """A decoder reads a code: no layer of it takes image channels; A -> B runs D_A's encoder."""
    state = _state("nicegan-shapes")
    networks = state.networks
    for name in ("G_AB", "G_BA"):
        first = next(m for m in networks[name].modules() if isinstance(m, torch.nn.Conv2d))
        assert first.in_channels == networks["D_A"].encoder.channels
    translate = state.objective.translation_network(networks, "AtoB")
    assert isinstance(translate, EncodeDecode) and translate.encoder is networks["D_A"].encoder
    assert state.objective.translation_network(networks, "BtoA").encoder is networks["D_B"].encoder


def test_nicegan_discriminator_has_local_middle_global_heads_and_cam():
    d = NiceDiscriminator(3, 4, 32)
    logits, cam, code = d(torch.randn(2, 3, 32, 32))
    assert [tuple(x.shape[-2:]) for x in logits] == [(4, 4), (2, 2), (1, 1)]  # ever larger receptive fields
    assert cam.shape == (2, 2) and code.shape == (2, 8, 8, 8)
    assert d.encoder.lamda.item() == 0  # residual attention starts as the plain features
    assert len(NiceDiscriminator(3, 4, 256)(torch.randn(1, 3, 256, 256))[0]) == 3


def test_nicegan_decoder_reads_any_code_size():
    decoder = NiceDecoder(8, 3, 4, blocks=2)
    assert decoder(torch.randn(1, 8, 5, 7)).shape == (1, 3, 20, 28)


def test_nicegan_training_is_decoupled():
    """The D phase gives gradients to the encoders and none to the decoders; the G phase (the
    discriminators frozen, as the loop freezes them) gives gradients to the decoders only."""
    state = _state("nicegan-shapes", **{"train.batch_size": 2})
    phases = {phase.name: phase for phase in state.objective.phases()}
    networks = state.networks
    loss, _ = phases["D"].run(state.batches.next(), True)
    loss.backward()
    encoder_weight = networks["D_A"].encoder.down[1].parametrizations.weight.original
    assert encoder_weight.grad.abs().sum() > 0
    assert all(p.grad is None for name in ("G_AB", "G_BA") for p in networks[name].parameters())
    d_grads = {name: [p.grad.clone() for p in networks[name].parameters()] for name in ("D_A", "D_B")}
    assert phases["G"].frozen == ("D_A", "D_B") and phases["G"].trains == ("G_AB", "G_BA")
    for name in phases["G"].frozen:
        networks[name].requires_grad_(False)
    loss, logs = phases["G"].run(None, True)
    loss.backward()
    for name, grads in d_grads.items():  # nothing added to any weight of D, the encoder included
        assert all(torch.equal(p.grad, g) for p, g in zip(networks[name].parameters(), grads, strict=True))
    assert all(p.grad is not None for name in ("G_AB", "G_BA") for p in networks[name].parameters())
    assert {"cycle_a", "cycle_b", "identity_a", "identity_b", "g_gan_ab", "g_gan_ba"} <= logs.keys()


def test_patch_nce_prefers_the_same_place():
    torch.manual_seed(0)
    keys = torch.nn.functional.normalize(torch.randn(2 * 16, 8), dim=1)
    matched = patch_nce(keys.clone(), keys, batch=2, temperature=0.07)
    shuffled = patch_nce(keys[torch.randperm(32)], keys, batch=2, temperature=0.07)
    assert matched < 0.1 < shuffled


def test_patch_projector_samples_the_same_places_for_query_and_key():
    heads = PatchProjector([3, 5], width=6)
    features = [torch.randn(2, 3, 4, 4), torch.randn(2, 5, 2, 2)]
    keys, ids = heads(features, patches=8)
    again, _ = heads(features, patches=8, ids=ids)
    assert [k.shape for k in keys] == [(16, 6), (8, 6)]  # at most as many places as the layer has
    assert all(torch.equal(a, b) for a, b in zip(keys, again, strict=True))
    assert torch.allclose(keys[0].norm(dim=1), torch.ones(16))


def test_cut_layers_are_the_inputs_downsamplings_and_residual_blocks():
    g = ResnetGenerator(3, 3, blocks=6, width=4)
    layers = [0, 4, 7, 10, 14]
    features = encoder_features(g, torch.randn(1, 3, 32, 32), layers)
    assert [f.shape[1] for f in features] == [layer_channels(g.model, 3, i) for i in layers] == [3, 8, 16, 16, 16]
    assert [f.shape[-1] for f in features] == [38, 16, 8, 8, 8]


@pytest.mark.parametrize(("mode", "expected"), [("cut", (1.0, True, False)), ("fastcut", (10.0, False, True))])
def test_cut_mode_sets_the_paper_weights(mode, expected):
    config = load_config("cut-shapes", {"cut.mode": mode})
    assert config.cut.resolved() == expected
    assert load_config("cut-shapes", {"cut.mode": mode, "cut.nce_weight": 3}).cut.resolved()[0] == 3


def test_fastcut_flip_equivariance_flips_about_half_the_inputs():
    state = _state("cut-shapes", **{"cut.mode": "fastcut", "train.batch_size": 2})
    phases = {phase.name: phase for phase in state.objective.phases()}
    flips = []
    for _ in range(40):
        phases["D"].run(state.batches.next(), True)
        flips.append(state.objective._kept["flipped"])
        state.objective.drop_kept()
    assert 8 < sum(flips) < 32


def test_cut_identity_term_runs_g_on_b():
    state = _state("cut-shapes", **{"train.batch_size": 2})
    phases = {phase.name: phase for phase in state.objective.phases()}
    phases["D"].run(state.batches.next(), True)
    assert state.objective._kept["identity"].shape == (2, 3, 32, 32)
    _, logs = phases["G"].run(None, True)
    assert logs["nce"] > 0 and logs["nce_identity"] > 0


@pytest.mark.parametrize("preset", ["nicegan-shapes", "cut-shapes"])
def test_sigterm_saves_a_checkpoint_and_exits_0(preset, tmp_path):
    run = tmp_path / "run"
    command = [sys.executable, "-m", "ganforge", "train", preset, "translator.g_width=4", "translator.d_width=4",
               "train.steps=100000", "train.log_every=1", "train.batch_size=2", "--run-dir", str(run), "--no-progress"]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and process.poll() is None:
        if (run / "log.jsonl").is_file() and len((run / "log.jsonl").read_text().splitlines()) >= 2:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0 and "SIGTERM received" in stderr, stderr[-2000:]
    saved = torch.load(run / "checkpoints/latest.ckpt", weights_only=True)
    assert 2 <= saved["step"] < 100000 and saved["task"] == preset.split("-")[0]


def test_the_next_steps_after_training_name_the_translation_commands(tmp_path, capsys):
    from ganforge.cli import main

    run = tmp_path / "run"
    assert main(["train", "cut-shapes", "translator.g_width=4", "translator.d_width=4", "train.steps=1",
                 "train.batch_size=2", "--run-dir", str(run), "--no-progress"]) == 0
    printed = capsys.readouterr()
    text = printed.out + printed.err
    assert f"ganforge translate {run} --input IMAGES --out OUT" in text and f"ganforge eval-translation {run}" in text
    assert "ganforge sample" not in text
