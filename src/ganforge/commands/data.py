"""Look through a data set before training: `ganforge data audit SRC`, `ganforge data filter SRC`.

The audit counts formats, sizes, aspect ratios and channels; names unreadable files;
finds exact duplicates (content hash) and near-duplicates (perceptual hash); shows class
balance, captions and outliers; with --against, images shared with another set (leakage);
and ends with recommendations. It only reads SRC: nothing there is changed, moved or deleted.

examples:
  ganforge data audit ~/pictures/cats --out audit.html
  ganforge data audit data/train --against data/test --out audit.html --json audit.json
  ganforge data audit data/train --write-keep keep.txt
  ganforge train dcgan-folder-64 data.path=data/train data.include=keep.txt
  ganforge data filter scraped/ --like good/ --out keep.txt   (see ganforge data filter --help)
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ganforge.commands import data_filter

DROP_CHOICES = ("unreadable", "duplicates", "near-duplicates", "leaked", "grayscale", "outliers", "uncaptioned")
DEFAULT_DROP = "unreadable,duplicates,near-duplicates,leaked"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    _, _, details = (__doc__ or "").strip().partition("\n")
    description, _, examples = details.partition("examples:")
    audit = actions.add_parser(
        "audit",
        help="report on an image folder, .zip or builtin:NAME",
        description=description.strip(),
        epilog="examples:" + examples,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    audit.add_argument("source", metavar="SRC", help="image folder (recursive), .zip or builtin:NAME")
    audit.add_argument("--against", metavar="SRC2", help="another set (e.g. the test split) to check for shared images")
    audit.add_argument("--out", type=Path, help="write the audit page (HTML) here")
    audit.add_argument("--json", metavar="OUT", help="write the findings as JSON ('-': print them)")
    audit.add_argument("--write-keep", type=Path, metavar="FILE",
                       help="write the images that pass --drop, one per line, for data.include=FILE")
    audit.add_argument("--drop", default=DEFAULT_DROP,
                       help=f"what --write-keep leaves out, comma-separated from {','.join(DROP_CHOICES)} "
                            f"(default {DEFAULT_DROP})")
    audit.add_argument("--near-hamming", type=int, default=None,
                       help="pHash bits apart for a near-duplicate candidate (default 12)")
    audit.add_argument("--near-correlation", type=float, default=None,
                       help="thumbnail correlation that confirms a candidate (default 0.99)")
    audit.add_argument("--workers", type=int, default=None, help="decoding processes (default: CPU count, at most 8)")
    audit.add_argument("--no-progress", action="store_true", help="no progress bars")
    data_filter.add_parser(actions)


def _drops(text: str) -> tuple[str, ...]:
    from ganforge.errors import UserError

    chosen = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [part for part in chosen if part not in DROP_CHOICES]
    if unknown:
        raise UserError(f"--drop {unknown[0]!r}: unknown; allowed: {', '.join(DROP_CHOICES)}")
    return chosen


def run(args: argparse.Namespace) -> int:
    if args.action == "filter":
        return data_filter.run(args)
    from ganforge.audit import AuditOptions, check_outputs, run_audit, write_outputs
    from ganforge.outputs import check_output_file

    for flag, path in (("--out", args.out), ("--json", args.json), ("--write-keep", args.write_keep)):
        if path is not None and str(path) != "-":
            check_output_file(path, flag, inputs=(args.source, args.against))
    check_outputs([args.source] + ([args.against] if args.against else []), args.out, args.json, args.write_keep)

    options = AuditOptions(
        drop=_drops(args.drop),
        workers=args.workers,
        progress=not args.no_progress,
        **{key: value for key in ("near_hamming", "near_correlation")
           if (value := getattr(args, key)) is not None},
    )
    result = run_audit(args.source, against=args.against, options=options)
    write_outputs(result, out=args.out, json_out=args.json, keep_out=args.write_keep)
    if args.json != "-":
        print(result.summary_text())
    return 0
