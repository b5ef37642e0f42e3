"""The build: load corpus -> extract each document -> merge into a graph, one batch at a time.

Documents stream from `kg.corpus.iter_documents`: each is looked up in the cache, misses are
grouped into batches of about `batch_chars` characters for the engine (kg.engines), and results
are merged into the GraphBuilder as soon as they are ready. Only a bounded window of documents is
ever held (a few batches per worker), so memory grows with the graph, not with the corpus. The
builder's merge is order-independent, so the output does not depend on the engine, the number of
workers or which results came from the cache.

Incremental builds: with a cache, a build also saves its merged state (the builder and the cache
key of every document in it). The next build of the same inputs starts from that state: a document
whose key is unchanged costs only its reading and hashing; an edited one has its old result taken
out of the state (read back from the cache) and its new one added; a vanished one is taken out.
If an old result cannot be read back, the build starts over without the state.
"""

from __future__ import annotations

import gc
import os
import pickle
import sys
from collections import deque
from collections.abc import Iterable
from concurrent.futures import BrokenExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .cache import DocCache, prune_snapshots, snapshot_folder, store
from .corpus import Source, Unchanged, scan_documents
from .engines import Engine, EngineError, make_engine
from .graph import GraphBuilder
from .model import NODE_EVIDENCE, DocResult, Document, LoadError
from .rules import Rules, load_rules

if TYPE_CHECKING:  # only run_build's graph needs it; `kg build` writing graph.json alone does not
    import networkx as nx

# About a second of extraction: a round trip costs ~1 ms, and the last batches finish close together.
BATCH_CHARS = 50_000
BATCH_DOCS = 64


@dataclass
class BuildResult:
    graph: nx.MultiDiGraph | None  # None when run_build(make_graph=False): then `builder` has it
    errors: list[LoadError] = field(default_factory=list)  # unreadable files and failed extractions
    documents: int = 0  # documents in the graph
    extracted: int = 0  # of which extracted by this build (the rest came from the cache)
    cached: int = 0
    engine: str = "in-process"
    builder: GraphBuilder | None = None  # the merge, when run_build(make_graph=False)
    outputs_path: str | None = None  # with a cache: the record of output files (kg.export.export_build)


class _Batch:
    """Cache misses sent to the engine together; `results` is filled when first needed."""

    __slots__ = ("docs", "paths", "chars", "future", "results")

    def __init__(self) -> None:
        self.docs: list[Document] = []
        self.paths: list[str] = []
        self.chars = 0
        self.future: Any = None
        self.results: list[Any] | None = None


class _Progress:
    """Documents and characters done, on stderr (tqdm); a no-op when hidden."""

    def __init__(self, enabled: bool) -> None:
        self.bar = None
        self.docs = 0
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(desc="kg build: 0 docs", unit="char", unit_scale=True, file=sys.stderr,
                            mininterval=0.5, bar_format="{desc}, {n_fmt} chars [{elapsed}, {rate_fmt}]")

    def update(self, chars: int) -> None:
        self.docs += 1
        if self.bar is not None:
            self.bar.set_description_str(f"kg build: {self.docs:,} docs", refresh=False)
            self.bar.update(chars)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run_build(
    inputs: Iterable[str],
    *,
    rules: Rules | None = None,
    progress: bool = False,
    jobs: int | None = 1,
    engine: str = "local",
    scheduler: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    batch_chars: int = BATCH_CHARS,
    node_evidence: int = NODE_EVIDENCE,
    make_graph: bool = True,
) -> BuildResult:
    """Build the graph of `inputs`.

    jobs: worker processes; 1 (the default) extracts in this process, None means one per core.
      A script that asks for more must guard its entry point (`if __name__ == "__main__":`), as
      with any multiprocessing code: workers start from a fresh interpreter ("forkserver").
    engine: "local" (processes) or "dask" (a dask.distributed cluster at `scheduler`, or a LocalCluster).
    cache_dir: per-document cache folder (kg.cache), which also keeps the merged state for the
      next build of the same inputs; None builds without a cache.
    node_evidence: documents whose first mention a node's evidence lists (0: all; see kg.graph).
    make_graph: False leaves `graph` None and returns the merge as `builder` instead, whose
      `write_node_link` writes graph.json without the graph in memory (what `kg build` does), or
      whose `graph(node_evidence, consume=True)` makes it later.
    """
    rules = rules or load_rules()
    inputs = list(inputs)
    cache = DocCache(cache_dir, rules.version) if cache_dir is not None else None
    snapshots = snapshot_folder(cache.dir) if cache is not None else None
    eng = make_engine(engine, rules, jobs, scheduler, snapshots)
    if cache is not None and cache.state_path(inputs).is_file():
        eng.warm()  # a rebuild: a worker loads the extractor while the state and the corpus are read
    try:
        state = _usable(cache.load_state(inputs)) if cache is not None else None
        while True:
            bar = _Progress(progress)
            try:
                build = _Build(rules, eng, cache, bar, batch_chars, state)
                if cache is not None:
                    build.builder.index_path = cache.index_path(inputs)
                build.run(scan_documents(inputs, rules=rules, known=build.known if cache is not None else None))
                break
            except _StateLost:
                state = None  # an old result is gone from the cache: merge everything afresh
            finally:
                bar.close()
    finally:
        eng.close()
        gc.unfreeze()
    result = build.result
    if cache is not None:
        result.outputs_path = cache.outputs_path(inputs)
        if build.changed():
            build.builder.ids()  # saved with the state: pinyin for 40k names takes seconds
            if build.merged:  # the graph changed: outputs written from the old one are stale
                build.builder.new_token()
            cache.save_state(inputs, (build.builder, build.keys, build.files))
        cache.prune()
        if snapshots is not None and build.sent:  # workers (or this process) used the snapshot
            from .segment import snapshot_path

            prune_snapshots(snapshots, snapshot_path(rules, snapshots))
    if not make_graph:
        result.builder = build.builder
        return result
    result.graph = build.builder.graph(node_evidence, consume=True)
    result.graph.graph["rules_version"] = rules.version
    return result


_State = tuple[GraphBuilder, dict[str, str], dict[str, Source]]


def _usable(state: Any) -> _State | None:
    """A saved state this code can start from (the builder, each document's cache key, each
    file's Source), else None."""
    if not (isinstance(state, tuple) and len(state) == 3 and isinstance(state[0], GraphBuilder)
            and isinstance(state[1], dict) and isinstance(state[2], dict)
            and all(isinstance(src, Source) for src in state[2].values())):
        return None
    return state


class _StateLost(Exception):
    """A previous result the saved state needs to take out is no longer in the cache."""


class _Build:
    """One streaming build: a window of documents in input order, some waiting on the engine."""

    def __init__(self, rules: Rules, engine: Engine, cache: DocCache | None, bar: _Progress,
                 batch_chars: int, state: _State | None = None) -> None:
        self.rules = rules
        self.engine = engine
        self.cache = cache
        self.bar = bar
        self.batch_chars = batch_chars
        # the previous build's merged state and the cache key of each document in it
        self.builder, self.old_keys, self.old_files = state if state is not None else (GraphBuilder(), {}, {})
        # files the last build read whose documents are all in its state: not read again if unchanged
        self.known = {path: src for path, src in self.old_files.items()
                      if all(d in self.old_keys for d, _ in src.docs)}
        self.keys: dict[str, str] = {}  # this build's documents (cache builds only)
        self.files: dict[str, Source] = {}  # this build's sources (cache builds only)
        self.merged = False  # whether the builder changed (a document taken out or added, or moved)
        if state is not None:
            self.builder.track()  # graph.json is then rewritten only where documents changed
        self.result = BuildResult(None)
        # (item, batch, index, chars): item is a LoadError or DocResult ready to merge, or a
        # Document whose outcome is batch.results[index].
        self.window: deque[tuple[Any, _Batch | None, int, int]] = deque()
        self.window_chars = 0
        self.open = _Batch()
        self.in_flight = 0
        self.sent = 0  # batches sent to the engine
        # Bound on what is held: the batches in flight plus two more batches' worth.
        self.max_docs = (engine.slots + 2) * BATCH_DOCS
        self.max_chars = (engine.slots + 2) * batch_chars

    def run(self, items: Iterable[Document | LoadError | Source | Unchanged]) -> BuildResult:
        for item in items:
            self._add(item)
            self._drain()
            while (self.in_flight > self.engine.slots or len(self.window) > self.max_docs
                   or self.window_chars > self.max_chars):
                self._merge_head()
        self._dispatch(last=True)
        while self.window:
            self._merge_head()
        for doc_id in sorted(self.old_keys):  # documents gone since the last build
            self._take_out(doc_id)
        self.engine.close(wait=False)  # the workers' memory is freed while the graph is made
        self.result.engine = self.engine.name if self.sent else "nothing to extract"
        return self.result

    def _take_out(self, doc_id: str) -> None:
        """Remove the previous build's result for `doc_id` from the state."""
        key = self.old_keys.pop(doc_id)
        assert self.cache is not None
        old = self.cache.entry(key, doc_id)
        if old is None:
            raise _StateLost(doc_id)
        self.builder.remove(old)
        self.merged = True

    def changed(self) -> bool:
        """Whether the state differs from the one the build started from (else it need not be saved)."""
        return self.merged or self.files != self.old_files

    def _add(self, item: Document | LoadError | Source | Unchanged) -> None:
        if isinstance(item, LoadError):
            self.window.append((item, None, 0, 0))
            return
        if isinstance(item, Source):
            self.files[item.path] = item
            return
        if isinstance(item, Unchanged):  # the last build read it and it has not changed since
            self.files[item.path] = self.known[item.path]
            for doc_id, chars in item.docs:
                self.keys[doc_id] = self.old_keys.pop(doc_id)
                self.result.cached += 1
                self.result.documents += 1
                self.bar.update(chars)
            return
        chars = len(item.text)
        if self.cache is not None:
            key = self.cache.key(item)
            self.keys[item.id] = key
            if self.old_keys.get(item.id) == key:  # unchanged since the last build: already merged
                del self.old_keys[item.id]
                info = self.builder.documents[item.id]
                if info["path"] != item.path:
                    info["path"] = item.path
                    self.merged = True
                self.result.cached += 1
                self.result.documents += 1
                self.bar.update(chars)
                return
            if item.id in self.old_keys:
                self._take_out(item.id)
            hit = self.cache.load(item, key)
            if hit is not None:
                self.result.cached += 1
                self.window_chars += chars
                self.window.append((hit, None, 0, chars))
                return
            self.open.paths.append(self.cache.path(key))
        self.window_chars += chars
        batch = self.open
        self.window.append((item, batch, len(batch.docs), chars))
        batch.docs.append(item)
        batch.chars += chars
        if batch.chars >= self.batch_chars or len(batch.docs) >= BATCH_DOCS:
            self._dispatch()

    def _dispatch(self, last: bool = False) -> None:
        """Send the open batch to the engine, saying when it is the build's only one."""
        batch = self.open
        if not batch.docs:
            return
        paths = batch.paths if self.cache is not None and self.engine.writes_cache else None
        try:
            batch.future = self.engine.submit(batch.docs, paths, only=last and self.sent == 0)
        except BrokenExecutor as exc:  # a worker died before this batch (e.g. while warming up)
            raise EngineError(f"a worker process died before extracting a batch from {batch.docs[0].path} on "
                              "(out of memory, or a crash in a native library)") from exc
        self.sent += 1
        batch.docs = []  # the window still holds each document until it is merged
        self.in_flight += 1
        self.open = _Batch()

    def _drain(self) -> None:
        """Merge what is ready at the head of the window, without waiting."""
        while self.window:
            batch = self.window[0][1]
            if batch is not None and batch.results is None and (batch.future is None or not batch.future.done()):
                return
            self._merge_head()

    def _merge_head(self) -> None:
        """Merge the oldest document, waiting for its batch if need be."""
        item, batch, i, chars = self.window.popleft()
        self.window_chars -= chars
        if batch is not None:
            if batch.future is None:  # its batch is still filling: send it now
                self._dispatch()
            if batch.results is None:
                self.builder.prepare_ids(batch.future.done)  # node ids (pinyin) rather than waiting
                try:
                    batch.results = batch.future.result()
                except BrokenExecutor as exc:
                    raise EngineError(f"a worker process died while extracting a batch from {item.path} on "
                                      "(out of memory, or a crash in a native library)") from exc
                batch.future = None
                self.in_flight -= 1
            item = self._outcome(item, batch, i)
        if isinstance(item, LoadError):
            self.result.errors.append(item)
            return
        self.builder.add(item)
        self.merged = True
        self.result.documents += 1
        self.bar.update(chars)
        if self.result.documents % BATCH_DOCS == 0:
            # What is merged lives to the end: keep the cyclic GC from re-scanning the growing graph
            # on each full collection (unpickling and merging allocate millions of objects).
            gc.freeze()

    def _outcome(self, doc: Document, batch: _Batch, i: int) -> DocResult | LoadError:
        out = batch.results[i]
        batch.results[i] = None  # release it as soon as it is merged
        if isinstance(out, str):
            self.keys.pop(doc.id, None)  # not in the graph: the next build tries it again
            return LoadError(doc.path, f"document {doc.id!r}: {out}")
        self.result.extracted += 1
        if isinstance(out, bytes):
            if self.cache is not None and not self.engine.writes_cache:
                store(batch.paths[i], out)
            return pickle.loads(out)
        return out
