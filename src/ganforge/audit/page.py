"""The audit as one self-contained HTML page: recommendations first, then each check."""

from __future__ import annotations

from ganforge import __version__
from ganforge.audit.audit import AuditResult
from ganforge.audit.checks import CHECKS
from ganforge.report import html


def audit_page(result: AuditResult) -> str:
    ctx = result.context
    recommendations = result.recommendations
    advice = ("<ul class=\"recommendations\">" + "".join(f"<li>{html.escape(r)}</li>" for r in recommendations)
              + "</ul>") if recommendations else "<p>Nothing to act on: the set looks clean.</p>"
    overview = html.table(["check", "finding"], [[CHECKS[n].title, f.summary] for n, f in result.findings.items()],
                          numeric_from=2)
    sections = [("recommendations", "Recommendations", advice), ("overview", "Overview", overview)]
    for name, finding in result.findings.items():
        check = CHECKS[name]
        title = check.title + (" ⚠" if finding.problem else "")
        sections.append((name, title, f"<p><b>{html.escape(finding.summary)}</b></p>" + check.render(finding, ctx)))
    against = f" against {ctx.against.source.spec}" if ctx.against else ""
    subtitle = (f"{result.images:,} image files{against}, read in {result.seconds:.1f} s "
                f"({result.rate():,.0f} images/s) on {result.created} by ganforge {__version__}; "
                "nothing in the source was changed")
    return html.page(f"ganforge data audit: {ctx.scan.source.spec}", subtitle, sections)
