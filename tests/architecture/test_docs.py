"""README's lists and config table name what the code has: every task, model, preset and text
encoder, and every config key."""

import re
from pathlib import Path

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")


def documented_keys(text: str) -> set[str]:
    """Keys of the config table: `a.b`, `.c` meaning a sibling of the row's first key, `a.*`."""
    keys = set()
    for line in text.splitlines():
        if not line.startswith("| `"):
            continue
        names = re.findall(r"`([a-z0-9_.*]+)`", line.split("|")[1])
        parent = names[0].rsplit(".", 1)[0] if names and "." in names[0] else ""
        keys.update(f"{parent}{name}" if name.startswith(".") else name for name in names)
    return keys


def test_every_config_key_is_in_the_readme_table():
    from ganforge.config import Config, flatten

    documented = documented_keys(README)
    missing = [
        key for key in flatten(Config.model_construct().model_dump())
        if key not in documented and not any(key.startswith(pattern[:-1]) for pattern in documented if pattern.endswith("*"))
    ]
    assert missing == []


def test_every_task_model_preset_and_text_encoder_is_named_in_the_readme():
    from ganforge.config import preset_names
    from ganforge.models import MODELS
    from ganforge.text import TEXT_ENCODERS
    from ganforge.training.objectives import OBJECTIVES

    names = {*OBJECTIVES, *MODELS, *preset_names(), *TEXT_ENCODERS} - {name for name in OBJECTIVES if name.startswith("test-")}
    assert [name for name in sorted(names) if f"`{name}`" not in README] == []
