"""Which output files of a rebuild are already what it would write, so they are kept as they are.

A rebuild that changed nothing in the merge (no document added, taken out or moved: the
builder's `token` is the one it was saved with) would write every format again byte for byte:
with all seven formats that is a minute on a 50 MB corpus. Each file written from a builder is
recorded beside the build state (kg.cache: `state-….outputs`) with that token, a digest of
everything else its bytes depend on (format, options, graph attributes; the kg version, source
and ontology file; the versions of Python and of the libraries that write the formats) and the
file's stamp (size, modification and change times, inode) after writing. A file is kept when
all three match: it is the very file written from this merge with these settings, untouched
since. Anything else, including a missing record, writes it again.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..atomic import file_stamp, keep_pickle, kept_pickle

# Libraries whose code makes output bytes (RDF serialisation, Gephi XML, the HTML page's vis-network).
_LIBRARIES = ("networkx", "pyoxigraph", "pyvis", "rdflib")


@lru_cache(maxsize=1)
def _source_digest() -> str:
    """Hash of what else the bytes depend on: every file of the package (code, HTML templates),
    the ontology file the RDF formats embed, the versions of kg, Python and the libraries that
    write them. Another kg, an edited template or ontology, an upgraded library: other bytes."""
    from importlib.metadata import PackageNotFoundError, version

    from .. import __version__
    from ..vocab import ONTOLOGY_FILE

    package = Path(__file__).resolve().parent.parent
    h = hashlib.sha256(f"{__version__}\0{sys.version}".encode())
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            h.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    h.update(b"\0" + ONTOLOGY_FILE.read_bytes())
    for name in _LIBRARIES:
        try:
            h.update(f"\0{name} {version(name)}".encode())
        except PackageNotFoundError:
            h.update(f"\0{name} -".encode())
    return h.hexdigest()


class Outputs:
    """The record of the files written from one build state's merges (see the module docstring)."""

    def __init__(self, record: str, token: str, settings: dict[str, Any]) -> None:
        self.record = record
        self.token = token
        self.settings = json.dumps(settings, sort_keys=True, ensure_ascii=False, default=repr)
        files = kept_pickle(record)  # absent, unreadable or from other code: nothing is known to be fresh
        self.files: dict[str, tuple[str, str, tuple[int, int, int, int]]] = files if isinstance(files, dict) else {}

    def _digest(self, fmt: str) -> str:
        return hashlib.sha256(f"{fmt}\0{self.settings}\0{_source_digest()}".encode()).hexdigest()

    def fresh(self, fmt: str, path: Path) -> bool:
        """Whether `path` is the file this merge, with these settings, wrote as `fmt`, untouched since."""
        if not self.token:
            return False
        known = self.files.get(os.path.abspath(path))
        return known is not None and known[:2] == (self.token, self._digest(fmt)) and known[2] == file_stamp(path)

    def wrote(self, written: dict[str, Path]) -> None:
        """Record the files just written (format -> path); failing to only costs the next build time."""
        for fmt, path in written.items():
            stamp = file_stamp(path)
            if stamp is not None:
                self.files[os.path.abspath(path)] = (self.token, self._digest(fmt), stamp)
        keep_pickle(self.record, self.files)
