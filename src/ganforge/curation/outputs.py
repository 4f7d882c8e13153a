"""Where a filter goes: the keep list, the page and the JSON scores, each checked before any work and written atomically."""

from __future__ import annotations

import json
from pathlib import Path

from ganforge.atomic import atomic_write_bytes
from ganforge.curation.filter import FilterResult
from ganforge.errors import UserError
from ganforge.outputs import check_output_file
from ganforge.report.marking import marks_header


def keep_list(result: FilterResult) -> str:
    """One relative path per line (what `data.include=FILE` reads), after a `#` header."""
    kept = result.kept_names()
    o = result.options
    header = (f"# ganforge keep list: {len(kept)} of {result.candidates} images of {result.source.spec}\n"
              f"# data filter --like {o.like}" + (f" --unlike {o.unlike}" if o.unlike else "")
              + "".join(f" --marks {m}" for m in o.marks) + (f" --from-keep {o.from_keep}" if o.from_keep else "")
              + f" --recall {o.recall:g} --min-subject {o.min_subject:g}; use with data.include=THIS_FILE\n")
    return header + "".join(f"{name}\n" for name in kept)


def check_outputs(outputs: dict[str, Path], inputs: list[str]) -> None:
    """Refuse, before any work, an output that cannot be written, lands on or among the inputs
    (SRC, the example folders, a keep list or marks file read), or is another output's file."""
    seen: dict[Path, str] = {}
    for flag, path in outputs.items():
        check_output_file(path, flag, inputs=inputs)
        if path.resolve() in seen:
            raise UserError(f"{flag} {path}: same file as {seen[path.resolve()]}; choose another name")
        seen[path.resolve()] = flag


def write_outputs(result: FilterResult, keep_out: Path, page_out: Path | None = None,
                  json_out: str | None = None) -> None:
    from ganforge.curation.page import filter_page

    atomic_write_bytes(keep_out, keep_list(result).encode("utf-8"))
    if page_out is not None:
        atomic_write_bytes(page_out, filter_page(result, marks_header(result.source.spec)).encode("utf-8"))
    if json_out is not None:
        payload = json.dumps(result.to_json(), indent=1)
        if json_out == "-":
            print(payload)
        else:
            atomic_write_bytes(Path(json_out), payload.encode("utf-8"))
