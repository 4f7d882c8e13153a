import pytest

from ganforge.config import dump_config, load_config, parse_override, preset_names
from ganforge.errors import UserError

PRESETS = ["gan-mlp-digits", "lsgan-digits", "dcgan-digits", "dcgan-shapes", "sngan-shapes", "dcgan-folder-64", "dcgan-folder"]


def test_all_required_presets_exist():
    assert set(PRESETS) <= set(preset_names())


def test_override_parses_yaml_values_without_executing():
    assert parse_override("train.steps=300") == (["train", "steps"], 300)
    assert parse_override("train.betas_g=[0.0, 0.9]") == (["train", "betas_g"], [0.0, 0.9])
    assert parse_override("name=__import__('os')") == (["name"], "__import__('os')")


def test_preset_then_overrides_win():
    config = load_config("dcgan-digits", ["train.steps=7", "model.g.width=3"])
    assert config.train.steps == 7 and config.model.g.width == 3
    assert config.model.name == "dcgan" and config.data.path == "builtin:digits"


def test_yaml_file_and_roundtrip(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(dump_config(load_config("sngan-shapes")))
    again = load_config(str(path))
    assert again == load_config("sngan-shapes")
    assert again.train.betas_d == (0.0, 0.9)


def test_unknown_key_names_it_and_the_closest_valid_key():
    with pytest.raises(UserError) as err:
        load_config("dcgan-digits", ["train.step=5"])
    assert "'train.step'" in str(err.value) and "'train.steps'" in str(err.value)


def test_wrong_type_names_the_key_path():
    with pytest.raises(UserError) as err:
        load_config("dcgan-digits", ["train.batch_size=many"])
    assert "train.batch_size" in str(err.value) and "many" in str(err.value)


def test_unknown_choice_lists_allowed_values():
    with pytest.raises(UserError) as err:
        load_config("dcgan-digits", ["loss.name=hinge2"])
    message = str(err.value)
    assert "loss.name" in message and "hinge" in message and "wgan-gp" in message


def test_folder_preset_requires_a_path():
    with pytest.raises(UserError, match="data.path"):
        load_config("dcgan-folder-64")


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(UserError, match="not found"):
        load_config(str(tmp_path / "nope.yaml"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("train: [unclosed\n")
    with pytest.raises(UserError, match="bad.yaml"):
        load_config(str(bad))


@pytest.mark.parametrize("preset, override, task", [
    ("dfgan-shapes", "loss.r1_gamma=1", "text-dfgan"),
    ("dfgan-shapes", "augment.diffaugment=[color]", "text-dfgan"),
    ("gancls-shapes", "text.mode_seeking=1", "text-gancls"),
    ("pix2pix-shapes", "train.n_dis=2", "pix2pix"),
    ("pix2pix-shapes", "model.g.width=8", "pix2pix"),
    ("pix2pix-shapes", "data.crop=random", "pix2pix"),
    ("pix2pix-shapes", "translation.cycle_weight=3", "pix2pix"),
    ("cyclegan-shapes", "translation.l1_weight=5", "cyclegan"),
    ("dcgan-digits", "data.balance=true", "unconditional"),
    ("dcgan-digits", "loss.ac_weight=1", "unconditional"),
    ("dcgan-digits", "translation.l1_weight=5", "unconditional"),
    ("cdcgan-digits", "text.kl_weight=1", "conditional"),
])
def test_a_key_the_task_does_not_read_is_one_line_naming_key_and_task(preset, override, task):
    key, value = override.split("=")
    with pytest.raises(UserError) as caught:
        load_config(preset, [override])
    message = str(caught.value)
    assert f"{key}: task {task} does not read it" in message and "\n" not in message


def test_the_keys_each_task_reads_are_its_own_and_validate():
    """Defaults and every key a task reads pass; what a task reads names keys that exist."""
    from ganforge.config import COMMON_KEYS, Config, flatten
    from ganforge.training.objectives import OBJECTIVES

    leaves = set(flatten(Config.model_construct().model_dump()))
    for name, objective in OBJECTIVES.items():
        for prefix in (*objective.read_keys(), *COMMON_KEYS):
            assert any(leaf == prefix or leaf.startswith(prefix + ".") for leaf in leaves), (name, prefix)
    assert load_config("pix2pix-shapes", ["translation.l1_weight=50"]).translation.l1_weight == 50
    assert load_config("cdcgan-digits", ["loss.ac_weight=1", "data.balance=true"]).loss.ac_weight == 1
    assert load_config("pix2pix-shapes").loss.name is None  # a task that does not read it gets no default filled in


def test_a_resolved_run_config_validates_again():
    """What a run saves (config.yaml, checkpoints) is read back without tripping the unread-key check."""
    from ganforge.config import validate

    for preset in ("dcgan-digits", "cdcgan-digits", "pix2pix-shapes", "cyclegan-shapes", "dfgan-shapes"):
        config = load_config(preset)
        assert validate(config.model_dump(mode="json"), preset) == config


def test_a_config_an_earlier_release_wrote_loads_with_its_unread_keys_back_at_their_defaults():
    """Earlier releases wrote every key (e.g. data.balance: false, the default then, and the
    translation keys on an unconditional run); what the task never read returns to today's default."""
    from ganforge.config import validate

    written = load_config("dcgan-digits").model_dump(mode="json")
    written["data"]["balance"] = False
    written["translation"]["l1_weight"] = 50.0
    config = validate(written, "config.yaml", written=True)
    assert config.data.balance == load_config("dcgan-digits").data.balance and config.translation.l1_weight == 100.0
    assert config.model.name == "dcgan" and config.train.steps == load_config("dcgan-digits").train.steps
    with pytest.raises(UserError, match="data.balance: task unconditional does not read it"):
        validate(written, "config.yaml")  # the same keys from a user: refused


def test_data_balance_takes_true_false_or_auto_and_names_the_choices_otherwise():
    assert load_config("cdcgan-digits").data.balance == "auto"
    assert load_config("cdcgan-digits", ["data.balance=false"]).data.balance is False
    with pytest.raises(UserError, match=r"data.balance: expected true, false or auto \(got 'maybe'\)"):
        load_config("cdcgan-digits", ["data.balance=maybe"])


def test_a_loss_option_the_loss_does_not_read_is_refused():
    with pytest.raises(UserError, match="loss.gp_weight: loss nonsaturating does not read it"):
        load_config("dcgan-digits", ["loss.gp_weight=5"])
    assert load_config("dcgan-digits", ["loss.name=wgan-gp", "loss.gp_weight=5"]).loss.gp_weight == 5
    with pytest.raises(UserError, match="loss.r1_every: read only with loss.r1_gamma > 0"):
        load_config("dcgan-digits", ["loss.r1_every=4"])
    assert load_config("dcgan-digits", ["loss.r1_gamma=1", "loss.r1_every=4"]).loss.r1_every == 4


def test_validating_a_config_imports_no_network_loss_or_training_code():
    """Config validation reads ganforge.choices: every preset, a refused key and a refused name
    are checked in a fresh interpreter that then holds none of torch, models, losses or training."""
    import subprocess
    import sys

    code = """
import sys
from ganforge.config import load_config, preset_names, validate
from ganforge.errors import UserError
for preset in preset_names():  # the folder presets name no folder: give one (validation reads none)
    validate(load_config(preset, ["data.path=photos"]).model_dump(mode="json"), preset, written=True)
for override in ("loss.name=nope", "translation.l1_weight=5"):
    try:
        load_config("dcgan-digits", [override])
    except UserError as err:
        print(err)
print(sorted(name for name in sys.modules if name == "torch" or name.startswith("ganforge.")))
"""
    lines = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    assert lines[0] == "dcgan-digits: loss.name: unknown value 'nope'; allowed: hinge, lsgan, minimax, nonsaturating, wgan-gp"
    assert lines[1] == "dcgan-digits: translation.l1_weight: task unconditional does not read it (got 5.0); remove the key"
    imported = eval(lines[2])  # the list printed above
    assert "torch" not in imported and "ganforge.config" in imported
    assert {name.split(".")[1] for name in imported} <= {"config", "choices", "errors", "textfiles"}, imported
