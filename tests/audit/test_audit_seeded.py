"""Acceptance: an audit of a folder seeded with known problems finds each of them, and changes nothing."""

import json

import pytest

from file_tree import snapshot
from ganforge.audit import AuditOptions, run_audit
from ganforge.cli import main
from ganforge.config import load_config
from ganforge.data.training import load_training_images


@pytest.fixture(scope="module")
def audited(seeded, tmp_path_factory):
    """The CLI run once over train/ against test/, with every output; and the folders before and after."""
    out = tmp_path_factory.mktemp("audit-out")
    before = snapshot(seeded["train"].parent)
    code = main(["data", "audit", str(seeded["train"]), "--against", str(seeded["test"]), "--out",
                 str(out / "audit.html"), "--json", str(out / "audit.json"), "--write-keep", str(out / "keep.txt"),
                 "--no-progress"])
    return {"code": code, "out": out, "before": before, "after": snapshot(seeded["train"].parent),
            "json": json.loads((out / "audit.json").read_text())}


def test_nothing_in_the_audited_folders_changes(audited):
    assert audited["code"] == 0
    assert audited["after"] == audited["before"]


def test_each_planted_problem_is_found(audited, seeded):
    findings = audited["json"]["findings"]
    assert findings["unreadable"]["unreadable"][0]["file"] == seeded["corrupt"]
    assert len(findings["unreadable"]["unreadable"]) == 1
    assert findings["duplicates"]["groups"] == [list(seeded["duplicate"])]
    assert findings["near-duplicates"]["groups"] == [list(seeded["near_duplicate"])]  # larger original first
    assert seeded["grayscale"] in findings["channels"]["odd_ones"]
    assert findings["classes"]["under_represented"] == [seeded["rare_class"]]
    assert findings["classes"]["counts"] == {"bird": 3, "cat": 32, "dog": 32}
    pairs = findings["leakage"]["pairs"]
    assert [(p["file"], p["against"], p["kind"]) for p in pairs] == [(*seeded["leaked"], "exact")]
    assert [o["file"] for o in findings["outliers"]["outliers"]] == [seeded["outlier"]]
    assert findings["captions"]["orphans"] == [seeded["orphan_caption"]]
    assert len(findings["captions"]["images_without"]) == 67 - 30


def test_recommendations_name_the_problems(audited):
    text = "\n".join(audited["json"]["recommendations"])
    for expected in ("class 'bird' holds 4.5% of the images", "1 file cannot be decoded (e.g. cat/broken.png)",
                     "1 file duplicating another byte for byte", "1 group of near-duplicates",
                     "2 grayscale images in a colour set", "1 image of this set found in", "37 images without a caption",
                     "1 caption entry naming no image", "1 image standing apart"):
        assert expected in text


def test_keep_list_leaves_out_the_problems_and_training_reads_it(audited, seeded):
    keep = audited["out"] / "keep.txt"
    names = [line for line in keep.read_text().splitlines() if not line.startswith("#")]
    for dropped in (seeded["corrupt"], seeded["duplicate"][1], seeded["near_duplicate"][1], seeded["leaked"][0]):
        assert dropped not in names
    assert seeded["duplicate"][0] in names and seeded["near_duplicate"][0] in names
    assert len(names) == 68 - 4 == audited["json"]["keep"]["kept"]
    config = load_config("gan-mlp-digits", {"data.path": str(seeded["train"]), "data.include": str(keep),
                                            "data.channels": 3})
    data = load_training_images(config.data)
    assert len(data.images) == len(names) and data.skipped == 0


def test_audit_page_is_self_contained(audited):
    page = (audited["out"] / "audit.html").read_text()
    assert page.count('src="data:image/png;base64,') >= 6  # histograms, bar chart, contact sheets
    assert "http://" not in page and "https://" not in page
    assert "class &#x27;bird&#x27; holds 4.5%" in page


def test_one_worker_finds_the_same(seeded, audited):
    result = run_audit(str(seeded["train"]), options=AuditOptions(workers=1, progress=False))
    assert result.images == audited["json"]["images"]
    found = result.to_json()["findings"]
    for name in ("duplicates", "near-duplicates", "unreadable", "classes"):
        assert found[name] == audited["json"]["findings"][name]


def test_outputs_inside_the_audited_folder_are_refused(seeded, capsys):
    before = snapshot(seeded["train"])
    code = main(["data", "audit", str(seeded["train"]), "--out", str(seeded["train"] / "audit.html"), "--no-progress"])
    assert code == 2 and "would write over or among the input" in capsys.readouterr().err
    assert snapshot(seeded["train"]) == before


def test_unknown_drop_filter_is_a_clear_error(seeded, capsys):
    assert main(["data", "audit", str(seeded["test"]), "--drop", "blurry", "--no-progress"]) == 2
    assert "--drop 'blurry'" in capsys.readouterr().err
