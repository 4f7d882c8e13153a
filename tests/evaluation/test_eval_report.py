"""The table `ganforge eval` prints and the JSON it writes."""

from __future__ import annotations

import json

from ganforge.metrics.report import format_table, write_json


def test_table_has_a_row_per_value_with_intervals_and_a_protocol_line():
    result = {
        "fid": 12.3456789,
        "fid_ci": [11.0, 13.5],
        "kid_mean": 0.0012,
        "kid_std": 3e-5,
        "protocol": {
            "n_fake": 100,
            "n_real": 200,
            "resize": "tf1",
            "device": "cpu",
            "features": {"features": "inception-v3-fid"},
            "weights_sha256": "6726825d" + "0" * 56,
        },
    }
    lines = format_table(result).splitlines()
    assert lines[0].split() == ["metric", "value", "95%", "CI"]
    assert lines[1].split() == ["fid", "12.34568", "[11,", "13.5]"]
    assert lines[2].split() == ["kid_mean", "0.0012"] and lines[3].split() == ["kid_std", "3e-05"]
    assert (
        "N fake 100" in lines[4] and "resize tf1" in lines[4] and "weights 6726825d0000" in lines[4]
    )
    assert len(lines) == 5


def test_json_is_written_whole_or_printed(tmp_path, capsys):
    result = {"fid": 1.5, "protocol": {"n_fake": 2}}
    write_json(result, tmp_path / "r.json")
    assert json.loads((tmp_path / "r.json").read_text()) == result
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]
    write_json(result, "-")
    assert json.loads(capsys.readouterr().out) == result


def test_per_class_values_get_a_row_each_after_their_mean():
    result = {
        "class_accuracy": 0.9,
        "class_accuracy_ci": [0.85, 0.95],
        "class_accuracy_per_class": {"circle": 1.0, "star": 0.8},
        "conditional_protocol": {"class_names": ["circle", "star"]},
    }
    rows = [line.split() for line in format_table(result).splitlines()]
    assert rows[1] == ["class_accuracy", "0.9", "[0.85,", "0.95]"]
    assert rows[2:] == [["class_accuracy/circle", "1"], ["class_accuracy/star", "0.8"]]
