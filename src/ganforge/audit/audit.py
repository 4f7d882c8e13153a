"""Run every check on a source (and --against), collect findings, recommendations and the keep list."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ganforge import __version__
from ganforge.audit.base import AuditContext, AuditOptions, Finding
from ganforge.audit.captions import find_captions
from ganforge.audit.checks import CHECKS
from ganforge.audit.scan import scan


@dataclass
class AuditResult:
    context: AuditContext
    findings: dict[str, Finding]  # check name -> finding, page order
    seconds: float
    created: str = field(default_factory=lambda: time.strftime("%Y-%m-%d %H:%M:%S"))

    @property
    def recommendations(self) -> list[str]:
        return [r for finding in self.findings.values() for r in finding.recommendations]

    @property
    def images(self) -> int:
        return len(self.context.scan.facts)

    def kept(self) -> list[int]:
        """Indices of the images that pass the chosen drop filters (readable ones only)."""
        dropped = {i for f in self.findings.values() for name, indices in f.flagged.items()
                   if name in self.context.options.drop for i in indices}
        return [i for i in self.context.readable if i not in dropped]

    def rate(self) -> float:
        return self.images / self.seconds if self.seconds > 0 else float("inf")

    def to_json(self) -> dict[str, Any]:
        ctx = self.context
        return {
            "ganforge_version": __version__,
            "source": ctx.scan.source.spec,
            "against": ctx.against.source.spec if ctx.against else None,
            "images": self.images,
            "seconds": self.seconds,
            "images_per_second": self.rate(),
            "findings": {name: {"summary": f.summary, "problem": f.problem, **f.data}
                         for name, f in self.findings.items()},
            "recommendations": self.recommendations,
            "keep": {"drop": list(ctx.options.drop), "kept": len(self.kept())},
        }

    def summary_text(self) -> str:
        ctx = self.context
        lines = [f"audit of {ctx.scan.source.spec}: {self.images:,} image files in {self.seconds:.1f} s "
                 f"({self.rate():,.0f} images/s)"]
        width = max(len(name) for name in self.findings)
        lines += [f"  {name:<{width}}  {f.summary}" for name, f in self.findings.items()]
        recommendations = self.recommendations
        lines.append("recommendations:" if recommendations else "recommendations: none; the set looks clean")
        lines += [f"  - {r}" for r in recommendations]
        return "\n".join(lines)


def run_audit(spec: str, against: str | None = None, options: AuditOptions | None = None) -> AuditResult:
    """Audit the images of `spec` (read-only), comparing with `against` when given."""
    options = options or AuditOptions()
    started = time.perf_counter()
    main = scan(spec, options.workers, options.progress, what="auditing")
    other = scan(against, options.workers, options.progress, what="reading --against") if against else None
    ctx = AuditContext(scan=main, options=options, against=other,
                       captions=find_captions(main.source, main.names))
    findings = {}
    for name, check in CHECKS.items():
        finding = check.compute(ctx)
        if finding is not None:
            findings[name] = finding
    return AuditResult(ctx, findings, time.perf_counter() - started)
