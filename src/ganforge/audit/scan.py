"""Read every file of a source once (in worker processes when there are several CPUs), with a progress bar."""

from __future__ import annotations

import multiprocessing
import os
import sys
import warnings
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import PurePosixPath

from tqdm import tqdm

from ganforge.audit.facts import ImageFacts, inspect_decoded, inspect_image
from ganforge.data import ImageSource, UnreadableImage, open_source
from ganforge.data.thumbnails import relative_names
from ganforge.errors import UserError

CHUNK = 64  # images per task handed to a worker
MAX_WORKERS = 8

_worker_source: ImageSource | None = None


@dataclass
class Scan:
    """A source and the facts of each of its image files (`facts[i]` is file i)."""

    source: ImageSource
    names: list[str]  # relative POSIX paths (member names in a zip, builtin:NAME[i] for built-ins)
    facts: list[ImageFacts]
    skipped_files: list[str]  # the listing's messages about files that are not images

    @property
    def classes(self) -> list[str | None]:
        """The first-level sub-folder of each image, None at the top level."""
        return [parts[0] if len(parts := PurePosixPath(name).parts) >= 2 else None for name in self.names]


def _facts_of(source: ImageSource, index: int) -> ImageFacts:
    try:
        data = source.read_bytes(index)
        if source.kind == "builtin":  # pixels, not a file: nothing to decode
            return inspect_decoded(index, source.image(index), data)
    except (UnreadableImage, OSError) as err:
        return ImageFacts(index=index, n_bytes=0, sha256="", readable=False, error=str(getattr(err, "reason", err)))
    return inspect_image(index, data)


def _init_worker(source: ImageSource) -> None:
    global _worker_source
    _worker_source = source


def _facts_of_chunk(indices: range) -> list[ImageFacts]:
    assert _worker_source is not None
    return [_facts_of(_worker_source, i) for i in indices]


def default_workers() -> int:
    """The CPUs this process may use, at most MAX_WORKERS."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(MAX_WORKERS, usable))


def _facts(source: ImageSource, workers: int) -> Iterator[list[ImageFacts]]:
    chunks = [range(start, min(start + CHUNK, len(source))) for start in range(0, len(source), CHUNK)]
    if workers <= 1 or len(chunks) <= 1:
        for chunk in chunks:
            yield [_facts_of(source, i) for i in chunk]
        return
    # fork: workers inherit the opened source instead of unpickling it
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker, initargs=(source,)) as pool:
        yield from pool.map(_facts_of_chunk, chunks)


def scan(spec: str, workers: int | None = None, progress: bool = True, what: str = "scanning") -> Scan:
    """Open `spec` (folder, .zip or builtin:NAME) and inspect every image file of it, read-only."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        source = open_source(spec)
    skipped = [str(w.message) for w in caught]
    facts: list[ImageFacts] = []
    workers = default_workers() if workers is None else workers
    if workers < 1:
        raise UserError(f"--workers {workers}: expected 1 or more")
    with tqdm(total=len(source), unit="img", desc=what, disable=not progress, file=sys.stderr) as bar:
        for chunk in _facts(source, workers):
            facts.extend(chunk)
            bar.update(len(chunk))
    return Scan(source=source, names=relative_names(source), facts=facts, skipped_files=skipped)
