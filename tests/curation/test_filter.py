"""run_filter's decisions with a fast stand-in backbone: separation, marks, --from-keep, subject floor."""

import numpy as np
import pytest
from PIL import Image
from pixel_backbone import PixelBackbone

from file_tree import snapshot
from ganforge.curation import FilterOptions, keep_list, run_filter
from ganforge.errors import UserError


def _options(mixed, backbone, **changes):
    return FilterOptions(like=str(mixed["like"]), features=backbone, progress=False, **changes)


def _kept(result):
    return set(result.kept_names())


def test_keeps_the_shapes_and_drops_the_digits(mixed, pixel_backbone):
    before = snapshot(mixed["src"])
    result = run_filter(str(mixed["src"]), _options(mixed, pixel_backbone))
    assert snapshot(mixed["src"]) == before
    assert not _kept(result) & set(mixed["irrelevant"])
    assert len(_kept(result) & set(mixed["wanted"])) >= 0.75 * len(mixed["wanted"])
    assert result.counts()["low score"] == len(mixed["wanted"]) + len(mixed["irrelevant"]) - len(_kept(result))
    again = run_filter(str(mixed["src"]), _options(mixed, pixel_backbone))
    assert np.array_equal(again.scores, result.scores) and again.kept_names() == result.kept_names()


def test_marks_join_the_examples_and_override_the_score(mixed, pixel_backbone, tmp_path):
    first = run_filter(str(mixed["src"]), _options(mixed, pixel_backbone))
    kept_shape = sorted(_kept(first))[0]
    digit = mixed["irrelevant"][0]
    marks = tmp_path / "marks.txt"
    marks.write_text(f"like {digit}\nunlike {kept_shape}\n")
    second = run_filter(str(mixed["src"]), _options(mixed, pixel_backbone, marks=(str(marks),)))
    assert digit in _kept(second) and kept_shape not in _kept(second)
    decision = dict(zip([second.names[i] for i in second.rows.indices], second.decisions, strict=True))
    assert decision[digit] == "marked like" and decision[kept_shape] == "marked unlike"
    # three liked digits are examples too: the fourth now has neighbours like it and scores higher
    marks.write_text("".join(f"like {name}\n" for name in mixed["irrelevant"][:3]))
    third = run_filter(str(mixed["src"]), _options(mixed, pixel_backbone, marks=(str(marks),)))
    row = [third.names[i] for i in third.rows.indices].index(mixed["irrelevant"][3])
    assert third.scores[row] > first.scores[row] + 0.05


def test_from_keep_filters_only_the_listed_images_from_the_cache(mixed, pixel_backbone, tmp_path):
    run_filter(str(mixed["src"]), _options(mixed, pixel_backbone))  # the first pass fills the cache
    seen = PixelBackbone.images_seen
    keep = tmp_path / "keep.txt"
    keep.write_text("# previous pass\n" + "".join(f"{n}\n" for n in mixed["wanted"][:6]))
    marks = tmp_path / "marks.txt"
    marks.write_text(f"like {mixed['irrelevant'][1]}\n")
    result = run_filter(str(mixed["src"]), _options(mixed, pixel_backbone, from_keep=str(keep), marks=(str(marks),)))
    considered = sorted(result.names[i] for i in result.rows.indices)
    assert considered == sorted(mixed["wanted"][:6] + [mixed["irrelevant"][1]]) and result.candidates == 7
    assert _kept(result) <= set(considered) and mixed["irrelevant"][1] in _kept(result)
    assert "of 7 images" in keep_list(result)
    assert PixelBackbone.images_seen == seen  # no image read again


def test_min_subject_drops_small_subjects(mixed, pixel_backbone):
    plain = run_filter(str(mixed["src"]), _options(mixed, pixel_backbone))
    floor = float(np.median(plain.rows.subject[plain.kept_rows]))
    floored = run_filter(str(mixed["src"]), _options(mixed, pixel_backbone, min_subject=floor))
    small = [plain.names[i] for i, share in zip(plain.rows.indices, plain.rows.subject, strict=True) if share < floor]
    assert _kept(floored) == _kept(plain) - set(small)
    assert floored.counts()["small subject"] == len(_kept(plain) & set(small)) > 0


def test_unreadable_files_are_skipped_and_left_out(tmp_path, mixed, pixel_backbone):
    src = tmp_path / "src"
    src.mkdir()
    for name in mixed["wanted"][:5]:
        (src / name).write_bytes((mixed["src"] / name).read_bytes())
    (src / "broken.png").write_bytes(b"not a png")
    with pytest.warns(UserWarning, match="skipping .*broken.png"):
        result = run_filter(str(src), _options(mixed, pixel_backbone))
    assert "broken.png" not in keep_list(result) and len(result.rows.indices) == 5
    assert "of 6 images" in keep_list(result)


def test_too_few_examples_and_unknown_marks(mixed, pixel_backbone, tmp_path):
    few = tmp_path / "few"
    few.mkdir()
    for i in range(3):
        Image.new("RGB", (16, 16), (i * 50, 0, 0)).save(few / f"{i}.png")
    with pytest.raises(UserError, match=r"--like .*few: 3 readable images and 0 marked; at least 5"):
        run_filter(str(mixed["src"]), FilterOptions(like=str(few), features=pixel_backbone, progress=False))
    marks = tmp_path / "marks.txt"
    marks.write_text("like nowhere.png\n")
    with pytest.raises(UserError, match="--marks: 'nowhere.png' is not an image of"):
        run_filter(str(mixed["src"]), _options(mixed, pixel_backbone, marks=(str(marks),)))
