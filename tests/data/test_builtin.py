"""Built-in sources name the shipped evaluator of their classes, at its own image size only."""

from ganforge.data.builtin import shipped_evaluator


def test_each_builtin_source_names_its_shipped_evaluator():
    assert shipped_evaluator("builtin:digits") == "digits"
    assert shipped_evaluator("builtin:shapes") == "shapes" == shipped_evaluator("builtin:shapes64", 32)
    assert shipped_evaluator("builtin:shapes64", 64) is None  # the evaluator reads 32-px images
    assert shipped_evaluator("photos/") is None and shipped_evaluator("builtin:other") is None
