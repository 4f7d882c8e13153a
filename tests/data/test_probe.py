"""`data.resolution=auto`: the smallest model size that holds the images, capped by `data.max_resolution`."""

from ganforge.data.probe import auto_resolution

PROJECTED = (32, 64, 128, 256, 512)


def test_small_images_train_at_the_smallest_size_that_holds_them():
    assert auto_resolution(28, PROJECTED) == 32
    assert auto_resolution(28, PROJECTED, 64) == 32
    assert auto_resolution(100, PROJECTED) == 128


def test_a_cap_keeps_large_images_at_the_presets_size():
    assert auto_resolution(300, PROJECTED, 64) == 64
    assert auto_resolution(300, PROJECTED, 256) == 256
    assert auto_resolution(300, PROJECTED) == 512
    assert auto_resolution(300, None, 64) == 64  # a model of any size
    assert auto_resolution(300, PROJECTED, 16) == 32  # below every size: the smallest
