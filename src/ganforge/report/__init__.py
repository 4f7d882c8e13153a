"""Run reports: one self-contained HTML page of a run's curves, metrics and samples, or several runs compared.

    write_report(["runs/a", "runs/b"], "report.html", json_out="report.json")

Sections live in `ganforge.report.sections` (a registry); plots are matplotlib (Agg);
`ganforge.report.html` and `ganforge.report.plots` are shared with the data audit.
"""

from ganforge.report.document import build_report, write_report
from ganforge.report.run import Run, read_run, read_runs

__all__ = ["Run", "build_report", "read_run", "read_runs", "write_report"]
