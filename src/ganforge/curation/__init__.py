"""Curation: keep the images of a scraped set that are relevant to the problem.

    result = run_filter("scraped/", FilterOptions(like="examples/good", min_subject=0.15))
    write_outputs(result, keep_out=Path("keep.txt"), page_out=Path("keep.html"))

A frozen backbone (`backbones.py`, a registry; the FID Inception by default) embeds every
image once (`embed.py`, cached); each image is scored by its similarity to the --like
examples (`scoring.py`), its subject size estimated from the backbone's saliency
(`subject.py`), and marks from an earlier pass (`marks.py`) override both. The source is
only read: nothing in it is written, moved or deleted.
"""

from ganforge.curation.filter import FilterOptions, FilterResult, run_filter
from ganforge.curation.outputs import check_outputs, keep_list, write_outputs

__all__ = ["FilterOptions", "FilterResult", "check_outputs", "keep_list", "run_filter", "write_outputs"]
