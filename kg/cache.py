"""Per-document cache of extraction results, so a rebuild re-extracts only what changed.

An entry is one pickled `DocResult` under `ROOT/<generation>/<key[:2]>/<key>.pkl`:

- the *generation* hashes what makes every result stale at once: the rules version (a hash of
  every rule file), the package version and the source of the extraction modules (so editing
  the extractor in a checkout does not serve results the new code would not produce);
- the *key* hashes the generation, the document id and everything else the loader put in the
  `Document` except its path, so moving a folder keeps its entries.

Beside the entries, `state-<hash>.state` keeps the merged graph state of the last build of one
set of inputs (kg.pipeline, kg.graph): the next build of those inputs starts from it. Beside it,
`.index` says where each node and edge sits in the graph.json it wrote (kg.patch: a rebuild
copies what did not change) and `.outputs` which output files it wrote (kg.export.outputs). The
segmenter's start-up tables (`segmenter-<key>.snapshot`, kg.segment) are kept per user instead
(`snapshot_folder`), as jieba keeps its dictionary cache: they do not depend on the corpus.

Writes are atomic (temporary file + rename) and reads are distrustful: an entry that does not
unpickle into the right `DocResult` counts as a miss and is overwritten, never an error. Entries
are pickles, so a cache folder is as trusted as the code: do not point `--cache-dir` at files
from someone else. After a successful build the other generations' folders are deleted.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import shutil
from dataclasses import fields
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import __version__
from .atomic import atomic_write_bytes, keep_pickle, kept_pickle
from .model import DocResult, Document

PROTOCOL = pickle.HIGHEST_PROTOCOL
_GENERATION = re.compile(r"[0-9a-f]{16}")
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# kg per-document extraction cache (safe to delete)\n"


# Modules that only orchestrate, merge or write results: editing them leaves every DocResult valid.
# Any other module of the package (the extractor and whatever it imports) is hashed.
# (The loader is left out too: whatever it puts in a Document is part of the entry's key.)
NOT_EXTRACTION = frozenset({"__main__", "atomic", "cache", "cli", "corpus", "engines", "evaluate", "export", "forked",
                            "graph", "graphjson", "ids", "patch", "pipeline", "query", "serve", "validate", "view"})


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Hash of the extraction code (kg/*.py but NOT_EXTRACTION): results of other code are stale."""
    package = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        if Path(path.relative_to(package).parts[0]).stem in NOT_EXTRACTION:
            continue
        h.update(path.relative_to(package).as_posix().encode())
        h.update(b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


@lru_cache(maxsize=1)
def merge_fingerprint() -> str:
    """Hash of the code whose objects a saved build state pickles (kg/graph.py, kg/model.py) or
    whose output it records (kg/corpus.py: which files give which documents)."""
    package = Path(__file__).resolve().parent
    h = hashlib.sha256(__version__.encode())
    for name in ("graph.py", "model.py", "corpus.py"):
        h.update((package / name).read_bytes())
    return h.hexdigest()[:16]


def generation(rules_version: str) -> str:
    """What every entry of one build shares: rules, package version and code."""
    text = f"{rules_version}\0{__version__}\0{code_fingerprint()}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _encode(value: object) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=repr).encode("utf-8", "surrogatepass")


def content_key(doc: Document, gen: str) -> str:
    """sha256 of the generation and every field of `doc` but its path (length-prefixed, unambiguous)."""
    h = hashlib.sha256(gen.encode())
    for f in fields(doc):
        if f.name == "path":
            continue
        data = _encode(getattr(doc, f.name))
        h.update(f"\0{f.name}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


def _tag(folder: Path) -> None:
    """Tag a cache folder: backup tools skip folders tagged like this."""
    tag = folder / "CACHEDIR.TAG"
    if not tag.exists():
        atomic_write_bytes(tag, _TAG.encode())


class CacheError(Exception):
    """The cache folder cannot be created or written: a message for the user."""


class DocCache:
    """The cache folder of one build (one rules version)."""

    def __init__(self, root: str | os.PathLike[str], rules_version: str) -> None:
        self.root = Path(root)
        self.generation = generation(rules_version)
        self.dir = self.root / self.generation
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            _tag(self.root)
        except OSError as exc:
            raise CacheError(f"cannot use the cache folder {self.root}: {exc.strerror or exc}; "
                             "pass --cache-dir DIR or --no-cache") from exc

    def key(self, doc: Document) -> str:
        return content_key(doc, self.generation)

    def path(self, key: str) -> str:
        return os.path.join(self.dir, key[:2], f"{key}.pkl")

    def load(self, doc: Document, key: str) -> DocResult | None:
        """The cached result of `doc`, or None when absent or unusable (then it is re-extracted)."""
        result = self.entry(key, doc.id)
        if result is not None:
            result.path = doc.path  # the key ignores the path: report where the document is now
        return result

    def entry(self, key: str, doc_id: str) -> DocResult | None:
        """The entry `key` if it holds a result for `doc_id`, else None."""
        result = kept_pickle(self.path(key))  # None: absent, truncated, corrupt, other code: (re)build it
        if not isinstance(result, DocResult) or result.doc_id != doc_id:
            return None
        return result

    def state_path(self, inputs: list[str]) -> Path:
        """Where the merged state of a build of `inputs` is kept (see kg.pipeline: incremental builds).

        Keyed by the inputs (as absolute paths) and the merge code, within this generation."""
        h = hashlib.sha256(merge_fingerprint().encode())
        for item in inputs:
            h.update(b"\0" + os.path.abspath(item).encode("utf-8", "surrogatepass"))
        return self.dir / f"state-{h.hexdigest()[:16]}.state"

    def index_path(self, inputs: list[str]) -> str:
        """Where the index of the graph.json written from that state is kept (kg.patch)."""
        return str(self.state_path(inputs).with_suffix(".index"))

    def outputs_path(self, inputs: list[str]) -> str:
        """Where the record of the output files written from that state is kept (kg.export.outputs)."""
        return str(self.state_path(inputs).with_suffix(".outputs"))

    def load_state(self, inputs: list[str]) -> Any | None:
        """The state saved by the last build of `inputs`, or None (absent or unreadable: start afresh)."""
        return kept_pickle(self.state_path(inputs))

    def save_state(self, inputs: list[str], state: Any) -> None:
        """Keep the merged state for the next build; failing to only costs the next build time."""
        keep_pickle(self.state_path(inputs), state)

    def prune(self) -> None:
        """Delete other generations' entries: they are stale for these rules and this code."""
        for entry in self.root.iterdir():
            if entry.name != self.generation and entry.is_dir() and _GENERATION.fullmatch(entry.name):
                shutil.rmtree(entry, ignore_errors=True)


def snapshot_folder(fallback: str | os.PathLike[str]) -> Path:
    """Where workers keep the segmenter's start-up snapshot (kg.segment): the user's cache folder
    (`$KG_CACHE_HOME`, else `$XDG_CACHE_HOME/kg`, else `~/.cache/kg`), `segmenter/` in it, so that
    a first build into a new output folder loads it (~0.3 s) instead of building it from jieba's
    dictionary in every worker (~1.5–2 s each), as jieba keeps its own dictionary cache across
    runs; `fallback` (the build's cache folder) when that folder cannot be made."""
    home = os.environ.get("KG_CACHE_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "kg")
    folder = Path(home) / "segmenter"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _tag(folder.parent)
    except OSError:
        return Path(fallback)
    return folder


def prune_snapshots(folder: str | os.PathLike[str], current: str | os.PathLike[str], keep: int = 3) -> None:
    """Mark `current` as just used and delete all but the `keep` most recently used snapshots
    in `folder` (each rules version and code version has its own, ~27 MB)."""
    try:
        os.utime(current)
    except OSError:
        pass
    try:
        found = [(entry.stat().st_mtime_ns, entry.path) for entry in os.scandir(folder)
                 if entry.name.startswith("segmenter-") and entry.name.endswith(".snapshot")]
    except OSError:
        return
    for _, path in sorted(found, reverse=True)[keep:]:
        try:
            os.unlink(path)
        except OSError:
            pass


def store(path: str, data: bytes) -> None:
    """Write one pickled entry atomically; a cache that cannot be written only costs speed."""
    try:
        atomic_write_bytes(path, data)
    except OSError:
        pass
