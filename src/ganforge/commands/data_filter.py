"""`ganforge data filter SRC --like GOOD --out keep.txt`: keep the images of SRC that look like the examples.

Every image of SRC is embedded once by a frozen network (the FID Inception's pool3 by default)
and scored by its mean cosine similarity to its 3 nearest --like examples (minus the same
towards the --unlike examples when given). The threshold keeps at least --recall of the --like
examples when each is scored against the others. --min-subject also drops images whose
subject covers less of the frame than asked; the subject is the part of the Inception map
after maxpool2 (35x35 cells, the channels' L2 norm) above 1.2 x the median of its border,
holes filled. The keep list is for data.include=FILE; the page (next to it unless --page)
shows kept, dropped and borderline images and the histograms, and lets you mark images and
save the marks for the next pass (--marks). SRC is only read: nothing there is changed.

examples:
  ganforge data filter scraped/ --like good/ --out keep.txt
  ganforge data filter scraped/ --like good/ --unlike bad/ --min-subject 0.2 --out keep.txt
  ganforge train dcgan-folder-64 data.path=scraped data.include=keep.txt train.steps=500
  ganforge data filter scraped/ --like good/ --marks marks.txt --from-keep keep.txt --out keep2.txt
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from ganforge.errors import UserError

MAX_SEED = 2**63 - 1


def add_parser(actions: argparse._SubParsersAction) -> None:
    _, _, details = (__doc__ or "").strip().partition("\n")
    description, _, examples = details.partition("examples:")
    parser = actions.add_parser(
        "filter",
        help="keep the images of SRC that look like --like examples",
        description=description.strip(),
        epilog="examples:" + examples,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("source", metavar="SRC", help="image folder (recursive) or .zip to filter (only read)")
    parser.add_argument("--like", required=True, metavar="GOOD",
                        help="examples of what to keep: a folder, .zip or builtin:NAME (at least 5; a few dozen work best)")
    parser.add_argument("--unlike", metavar="BAD", help="examples of what to drop (optional)")
    parser.add_argument("--out", required=True, type=Path, metavar="KEEP",
                        help="write the kept images here, one relative path a line (for data.include=KEEP)")
    parser.add_argument("--page", type=Path, metavar="HTML",
                        help="write the filter page here (default: KEEP with the suffix .html)")
    parser.add_argument("--json", metavar="OUT", help="write every image's score and decision as JSON ('-': print)")
    parser.add_argument("--marks", action="append", default=[], metavar="FILE",
                        help="marks saved from a filter page ('like NAME' / 'unlike NAME' lines): marked images join "
                             "the examples and are kept or dropped whatever their score; repeat for several files")
    parser.add_argument("--from-keep", metavar="KEEP",
                        help="filter only the images of a previous pass's keep list (and the marked ones)")
    parser.add_argument("--recall", type=float, default=0.9,
                        help="share of the --like examples the threshold keeps, each scored against the others "
                             "(default 0.9; higher keeps more)")
    parser.add_argument("--min-subject", type=float, default=0.0, metavar="SHARE",
                        help="drop images whose salient subject covers less than this share of the frame, 0..1 "
                             "(default 0: off); the subject is the Inception map after maxpool2 above 1.2 x its "
                             "border median, holes filled; the page's histogram shows every image's share")
    parser.add_argument("--features", default="inception", help="feature network (default inception)")
    parser.add_argument("--weights", metavar="PATH", help="FID Inception weights file (as for ganforge eval)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or auto (default cpu)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the page's samples of kept and dropped images")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write cached features")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")


def _check_numbers(args: argparse.Namespace) -> None:
    if not (math.isfinite(args.recall) and 0 < args.recall <= 1):
        raise UserError(f"--recall {args.recall}: expected a share above 0 and at most 1")
    if not (math.isfinite(args.min_subject) and 0 <= args.min_subject < 1):
        raise UserError(f"--min-subject {args.min_subject}: expected a share from 0 up to (not including) 1")
    if not 0 <= args.seed <= MAX_SEED:
        raise UserError(f"--seed {args.seed}: expected 0 to {MAX_SEED}")


def page_path(args: argparse.Namespace) -> Path:
    if args.page is not None:
        return args.page
    return args.out.with_name(args.out.name + ".html") if args.out.suffix == ".html" else args.out.with_suffix(".html")


def run(args: argparse.Namespace) -> int:
    from ganforge.curation import FilterOptions, check_outputs, run_filter, write_outputs
    from ganforge.metrics.protocol import resolve_device

    _check_numbers(args)
    page = page_path(args)
    outputs = {"--out": args.out, "--page": page}
    if args.json and args.json != "-":
        outputs["--json"] = Path(args.json)
    inputs = [spec for spec in (args.source, args.like, args.unlike, args.from_keep, *args.marks) if spec]
    check_outputs(outputs, inputs)
    options = FilterOptions(
        like=args.like, unlike=args.unlike, marks=tuple(args.marks), from_keep=args.from_keep,
        recall=args.recall, min_subject=args.min_subject, features=args.features, weights=args.weights,
        device=resolve_device(args.device), seed=args.seed, cache=not args.no_cache, progress=not args.no_progress,
    )
    result = run_filter(args.source, options)
    write_outputs(result, keep_out=args.out, page_out=page, json_out=args.json)
    if args.json != "-":
        print(result.summary_text())
        print(f"keep list: {args.out}\npage: {page}")
    return 0
