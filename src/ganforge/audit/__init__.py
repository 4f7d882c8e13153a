"""Data-set audit: what is in an image folder before a GAN trains on it.

    result = run_audit("data/train", against="data/test")
    write_outputs(result, out=Path("audit.html"), json_out="audit.json", keep_out=Path("keep.txt"))

Each check (`ganforge.audit.checks`, a registry) reads the facts gathered once per file
(`facts.py`) and returns a finding with recommendations and the images it would leave out.
The source is only read: nothing in it is written, moved or deleted.
"""

from ganforge.audit.audit import AuditResult, run_audit
from ganforge.audit.base import AuditOptions
from ganforge.audit.outputs import check_outputs, keep_list, write_outputs

__all__ = ["AuditOptions", "AuditResult", "check_outputs", "keep_list", "run_audit", "write_outputs"]
