"""Where an audit goes: the HTML page, the JSON findings and the keep list, each written atomically."""

from __future__ import annotations

import json
from pathlib import Path

from ganforge.atomic import atomic_write_bytes
from ganforge.audit.audit import AuditResult
from ganforge.errors import UserError


def keep_list(result: AuditResult) -> str:
    """One relative path per line (what `data.include=FILE` reads), after a `#` header."""
    ctx = result.context
    kept = result.kept()
    header = (f"# ganforge keep list: {len(kept)} of {result.images} images of {ctx.scan.source.spec}\n"
              f"# left out: {', '.join(ctx.options.drop) or 'nothing'}; use with data.include=THIS_FILE\n")
    return header + "".join(f"{ctx.name(i)}\n" for i in kept)


def _inside(path: Path, folder: str) -> bool:
    root = Path(folder)
    return root.is_dir() and path.resolve().is_relative_to(root.resolve())


def check_outputs(sources: list[str], out: Path | None = None, json_out: str | None = None,
                  keep_out: Path | None = None) -> None:
    """Refuse, before any work, outputs inside an audited folder and a keep list of a built-in set."""
    for target in (out, keep_out, Path(json_out) if json_out and json_out != "-" else None):
        if target is not None and any(_inside(target, s) for s in sources):
            raise UserError(f"{target}: inside the audited folder; write audit outputs elsewhere "
                            "(the audit never changes the data)")
    if keep_out is not None and sources[0].startswith("builtin:"):
        raise UserError("--write-keep: a built-in source has no files to list; audit a folder or a .zip")


def write_outputs(result: AuditResult, out: Path | None = None, json_out: str | None = None,
                  keep_out: Path | None = None) -> None:
    from ganforge.audit.page import audit_page

    ctx = result.context
    sources = [ctx.scan.source.spec] + ([ctx.against.source.spec] if ctx.against else [])
    check_outputs(sources, out, json_out, keep_out)
    if keep_out is not None:
        atomic_write_bytes(keep_out, keep_list(result).encode("utf-8"))
    if out is not None:
        atomic_write_bytes(out, audit_page(result).encode("utf-8"))
    if json_out is not None:
        payload = json.dumps(result.to_json(), indent=1, default=str)
        if json_out == "-":
            print(payload)
        else:
            atomic_write_bytes(Path(json_out), payload.encode("utf-8"))
