"""Write one self-contained HTML report of one or more runs (curves, metrics, sample grids).

Several runs are compared: their config differences, best and final metrics side by side,
and curves overlaid. A run still training, or without metrics yet, is shown as far as it got.
The page embeds every image and plot: it opens offline and can be sent as one file.

examples:
  ganforge report runs/dcgan-digits --out report.html
  ganforge report runs/a runs/b runs/c --out compare.html --json compare.json
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("runs", nargs="+", type=Path, metavar="RUN", help="run directories")
    parser.add_argument("--out", type=Path, default=Path("report.html"), help="HTML file (default report.html)")
    parser.add_argument("--json", metavar="OUT", help="also write the data behind the report as JSON ('-': print it)")


def run(args: argparse.Namespace) -> int:
    from ganforge.outputs import check_output_file
    from ganforge.report import write_report

    check_output_file(args.out, "--out")
    if args.json not in (None, "-"):
        check_output_file(args.json, "--json")
    out = write_report(args.runs, args.out, json_out=args.json)
    if args.json != "-":
        print(f"report: {out}")
    return 0
