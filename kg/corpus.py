"""Load the corpus: files and folders in, Documents (or LoadErrors) out.

PLACEHOLDER: a minimal UTF-8 loader; the full loader (encodings, front matter, bylines,
.jsonl archives, SOURCES.jsonl sidecar, clear errors) replaces it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from .model import Document, LoadError

TEXT_SUFFIXES = {".txt", ".md"}


def iter_paths(inputs: Iterable[str]) -> Iterator[Path]:
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            yield from sorted(q for q in p.rglob("*") if q.is_file() and q.suffix.lower() in TEXT_SUFFIXES)
        else:
            yield p


def iter_documents(inputs: Iterable[str]) -> Iterator[Document | LoadError]:
    for path in iter_paths(inputs):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            yield LoadError(str(path), str(exc))
            continue
        yield Document(id=path.stem, path=str(path), text=text)
