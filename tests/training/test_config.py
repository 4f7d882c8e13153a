import pytest

from ganforge.config import dump_config, load_config, parse_override, preset_names
from ganforge.errors import UserError

PRESETS = ["gan-mlp-digits", "lsgan-digits", "dcgan-digits", "dcgan-shapes", "sngan-shapes", "dcgan-folder-64"]


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
