"""`text.pack: 2`: DF-GAN's D reads two images of one caption at once (PacGAN per caption)."""

import pytest
import torch

from crash_hook import assert_same_networks, through_and_resumed
from ganforge.config import load_config
from ganforge.errors import UserError
from ganforge.training.objectives.caption_partners import PartnerField, packed_fakes
from ganforge.training.objectives.text import CaptionField

TINY = {
    "model.g.width": 4, "model.d.width": 4, "model.z_dim": 8, "train.batch_size": 8, "train.log_every": 1,
    "train.sample_every": 1000, "train.sample_grid": 8, "data.max_images": 64, "text.ma_gp_every": 2,
    "text.encoder": "learned",
}


def numbered_images(n: int, side: int = 2) -> torch.Tensor:
    """uint8 [n,1,side,side]: image k is filled with the value k, so a partner names itself."""
    return torch.arange(n, dtype=torch.uint8).view(n, 1, 1, 1).expand(n, 1, side, side).contiguous()


def image_numbers(pixels: torch.Tensor) -> list[int]:
    """The number of each partner image the field handed out, read back from its pixels."""
    return ((pixels[:, 0, 0, 0] + 1) * 127.5).round().long().tolist()


def partner_draws(caption_ids, rows, seed=0, repeats=200):
    """(row's image, its drawn caption, partner) triples over `repeats` batches of images `rows`."""
    captions = CaptionField(caption_ids, seed)
    partners = PartnerField(captions, numbered_images(len(caption_ids)), 2, seed)
    out = []
    for _ in range(repeats):
        indices = torch.tensor(rows)
        drawn = captions.take(indices)
        out += list(zip(rows, drawn.tolist(), image_numbers(partners.take(indices)), strict=True))
    return out


def test_a_partner_carries_the_drawn_caption_and_is_another_image_unless_alone():
    caption_ids = [[0], [1], [0], [2, 1], [0]]  # image 3 has two captions
    triples = partner_draws(caption_ids, [0, 1, 2, 3, 4])
    for image, caption, partner in triples:
        assert caption in caption_ids[partner]
        assert partner != image or caption == 2  # caption 2 has one image only
    assert {p for i, c, p in triples if i == 0} == {2, 4}  # every other image of caption 0
    assert {p for i, c, p in triples if i == 3 and c == 1} == {1}
    assert {p for i, c, p in triples if i == 3 and c == 2} == {3}


def test_partner_draws_resume_where_they_stopped():
    captions = CaptionField([[0]] * 6, 3)
    partners = PartnerField(captions, numbered_images(6, side=4), 2, 3)  # crops draw too
    rows = torch.arange(6)
    captions.take(rows), partners.take(rows)
    state = partners.state_dict(), captions.state_dict()
    ahead = [(captions.take(rows), partners.take(rows)) for _ in range(3)]
    partners.load_state_dict(state[0]), captions.load_state_dict(state[1])
    again = [(captions.take(rows), partners.take(rows)) for _ in range(3)]
    assert all(torch.equal(a[1], b[1]) for a, b in zip(ahead, again, strict=True))


def test_partner_images_come_as_the_batch_images_do():
    captions = CaptionField([[0], [0]], 0)
    partners = PartnerField(captions, numbered_images(2, side=4), 2, 0)
    rows = torch.tensor([0, 1])
    captions.take(rows)
    pixels = partners.take(rows)
    assert pixels.dtype == torch.float32 and pixels.shape == (2, 1, 2, 2)  # cropped to the resolution
    assert torch.allclose(pixels[0], torch.full((1, 2, 2), 1 / 127.5 - 1))  # image 0's partner is image 1
    assert torch.allclose(pixels[1], torch.full((1, 2, 2), -1.0))


def test_fake_packs_stack_the_two_fakes_of_each_caption():
    fakes, e = torch.randn(5, 3, 4, 4), torch.randn(5, 2)
    packs, e_packs = packed_fakes(fakes, e)
    assert packs.shape == (2, 6, 4, 4)
    assert torch.equal(packs[1, :3], fakes[1]) and torch.equal(packs[1, 3:], fakes[4])  # fakes 1 and 1 + 3
    assert torch.equal(e_packs, e[:2])


def test_packed_d_reads_six_channels_trains_and_resumes_exactly(tmp_path):
    config = load_config("dfgan-shapes", {**TINY, "train.steps": 6, "ckpt.every": 2, "text.pack": 2, "data.max_images": 400,
                                          "text.diversity_weight": 0.0})
    first, resumed = through_and_resumed(config, tmp_path, 3)
    assert first["D"]["stem.weight"].shape[1] == 6  # two RGB images stacked
    assert_same_networks(first, resumed)


def test_packing_is_a_df_gan_option_and_packs_two_at_most():
    with pytest.raises(UserError, match="text.pack"):
        load_config("gancls-shapes", {"text.pack": 2, "text.encoder": "learned"})
    with pytest.raises(UserError, match="text.pack"):
        load_config("dfgan-shapes", {"text.pack": 3})


def test_packing_warns_when_no_two_images_share_a_caption(tmp_path, capsys):
    import json

    from PIL import Image

    from ganforge.training.loop import train

    root = tmp_path / "photos"
    root.mkdir()
    for k in range(6):
        Image.new("RGB", (40, 40), (40 * k, 20, 20)).save(root / f"{k}.png")
    lines = [json.dumps({"file": f"{k}.png", "text": f"photo number {k}"}) for k in range(6)]
    (root / "captions.jsonl").write_text("\n".join(lines))
    config = load_config("dfgan-folder-64", {**TINY, "data.path": str(root), "train.steps": 1, "data.max_images": None,
                                             "text.pack": 2})
    train(config, tmp_path / "run", progress=False)
    warned = [line for line in capsys.readouterr().err.splitlines() if "text.pack" in line]
    assert len(warned) == 1 and "only 0% of the captions" in warned[0] and "one image twice" in warned[0]
