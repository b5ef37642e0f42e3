"""Where per-document extraction runs: in this process, in a process pool, or on a Dask cluster.

Every engine takes a batch of Documents and returns, per document, either the `DocResult`
(pickled when it crossed a process boundary) or a one-line error string, so a document whose
extraction raises is reported and skipped instead of ending the build. The pipeline merges the
results in input order, which is why the engine never changes the output.

Workers do not receive `Rules` objects: they get a small `RulesSpec` (folder, version) and load
the rules once per process (`worker_rules`), then call `kg.extract.warm_up(rules)` if the
extractor provides it, so segmenter start-up happens once per worker, not per task.
"""

from __future__ import annotations

import copyreg
import dataclasses
import io
import multiprocessing
import os
import pickle
import tempfile
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import Any, Protocol

from .cache import PROTOCOL, code_fingerprint, store
from .model import DocResult, Document, EntityInfo, Relation
from .rules import Rules, RulesError, load_rules

# One batch item: the result itself (same process), its pickle (another process), or an error line.
Outcome = DocResult | bytes | str


class EngineError(RuntimeError):
    """The engine cannot run (Dask missing, scheduler unreachable): a message for the user."""


@dataclass(frozen=True)
class RulesSpec:
    """Enough for a worker to load the same rules as the main process, and to check it did."""

    root: str
    version: str
    # Set only for Dask: the rule files' bytes and the code fingerprint, for workers on other machines.
    files: tuple[tuple[str, bytes], ...] = ()
    code: str = ""
    # Where the extractor keeps its start-up snapshot (kg.cache.snapshot_folder; none: no snapshot).
    cache_dir: str = ""

    @classmethod
    def of(cls, rules: Rules, ship: bool = False, cache_dir: str | os.PathLike[str] | None = None) -> RulesSpec:
        where = os.fspath(cache_dir) if cache_dir is not None else ""
        if not ship:
            return cls(str(rules.root), rules.version, cache_dir=where)
        files = tuple((p.relative_to(rules.root).as_posix(), p.read_bytes()) for p in rules.files)
        return cls(str(rules.root), rules.version, files, code_fingerprint(), where)


_RULES: dict[str, Rules] = {}
_RULES_LOCK = threading.Lock()


def worker_rules(spec: RulesSpec) -> Rules:
    """This process's copy of the rules `spec` names: loaded and warmed up once, then reused."""
    with _RULES_LOCK:
        rules = _RULES.get(spec.version)
        if rules is None:
            rules = _load(spec)
            if spec.cache_dir:
                warm_up(rules, spec.cache_dir)
            else:
                warm_up(rules)
            _RULES[spec.version] = rules
        return rules


def _load(spec: RulesSpec) -> Rules:
    if spec.code and spec.code != code_fingerprint():
        raise EngineError(f"worker runs different kg code ({code_fingerprint()}, expected {spec.code}); "
                          "install the same kg version on every worker")
    if Path(spec.root).is_dir():
        rules = load_rules(spec.root)
        if rules.version == spec.version:
            return rules
    if spec.files:  # a worker on another machine: rebuild the rules folder from the shipped bytes
        root = Path(tempfile.mkdtemp(prefix=f"kg-rules-{spec.version}-"))
        for rel, data in spec.files:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(data)
        rules = load_rules(root)
        if rules.version == spec.version:
            return rules
    raise RulesError(f"{spec.root}: rules changed during the build (expected version {spec.version}); build again")


# A short text that takes the extractor down its usual paths, so their lazy start-up (tagger
# tables, compiled patterns) is paid in warm-up rather than by the first batch.
_WARM_UP_TEXT = ("某省总工会会同省人力资源和社会保障厅印发《关于加强职工技能培训的意见》。\n"
                 "会议强调，要组织职工开展劳动竞赛。")


def warm_up(rules: Rules, cache_dir: str | os.PathLike[str] | None = None) -> None:
    """Do the extractor's one-off start-up before the first batch arrives: its `warm_up(rules)` hook
    if it has one (segmenter, dictionaries; from its snapshot in `cache_dir` when given), then one
    short extraction."""
    from . import extract as extract_module

    hook = getattr(extract_module, "warm_up", None)
    if callable(hook) and cache_dir is not None:
        hook(rules, cache_dir)
    elif callable(hook):
        hook(rules)
    extract_module.extract(Document(id="kg-warm-up", path="", text=_WARM_UP_TEXT), rules)


def _positional(cls: type) -> Any:
    """A pickle reducer for dataclass `cls`: the class and its field values, in __init__ order."""
    values = attrgetter(*(f.name for f in dataclasses.fields(cls)))
    return lambda obj: (cls, values(obj))


# Results cross processes (and go into the cache) with each EntityInfo and Relation pickled as its
# class and field values, so unpickling calls the class instead of filling a fresh instance's
# __dict__ item by item: on generated news, the `kg` process loads results in ~40 % less time and
# they are ~17 % smaller. They are ordinary pickles: any pickle.loads reads them.
_COMPACT = copyreg.dispatch_table.copy()
_COMPACT.update({EntityInfo: _positional(EntityInfo), Relation: _positional(Relation)})


def dump_result(result: DocResult) -> bytes:
    """`result` pickled compactly (see _COMPACT)."""
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, PROTOCOL)
    pickler.dispatch_table = _COMPACT
    pickler.dump(result)
    return buf.getvalue()


def extract_many(rules: Rules, docs: Sequence[Document], cache_paths: Sequence[str] | None,
                 pickled: bool) -> list[Outcome]:
    """Extract each document; write cache entries when given paths; never raise for one document."""
    from .extract import extract

    out: list[Outcome] = []
    for i, doc in enumerate(docs):
        try:
            result = extract(doc, rules)
        except Exception as exc:
            out.append(f"extraction failed ({type(exc).__name__}: {exc})")
            continue
        data = dump_result(result) if pickled or cache_paths else b""
        if cache_paths:
            store(cache_paths[i], data)
        out.append(data if pickled else result)
    return out


def extract_batch(spec: RulesSpec, docs: Sequence[Document], cache_paths: Sequence[str] | None) -> list[Outcome]:
    """The task a worker process runs: results come back pickled (bytes cross processes cheaply)."""
    return extract_many(worker_rules(spec), docs, cache_paths, pickled=True)


def _init_worker(spec: RulesSpec) -> None:
    try:
        worker_rules(spec)
    except Exception:  # the first task raises the same error where the pipeline can report it
        pass


class Done:
    """A finished future, for work done in this process."""

    def __init__(self, value: list[Outcome]) -> None:
        self._value = value

    def done(self) -> bool:
        return True

    def result(self) -> list[Outcome]:
        return self._value


class Engine(Protocol):
    name: str
    slots: int  # batches worth keeping in flight
    writes_cache: bool  # False: the pipeline writes the entries of results it receives

    def submit(self, docs: list[Document], cache_paths: list[str] | None, only: bool = False) -> Any:
        """only: this is the build's only batch (a small corpus, a rebuild after a few edits)."""
    def warm(self) -> None:
        """Start loading the extractor now, if that can overlap with reading the corpus."""
    def close(self, wait: bool = True) -> None: ...


class LocalEngine:
    """In this process for `jobs=1`; otherwise pools of processes: one worker started by `warm`
    (a rebuild) and `jobs` (or `jobs - 1` beside the warm one) with the first batch that needs
    them. A first build whose only batch runs here, or a fully cached one, starts none."""

    writes_cache = True

    def __init__(self, rules: Rules, jobs: int, cache_dir: str | os.PathLike[str] | None = None) -> None:
        """cache_dir: where the extractor keeps its start-up snapshot (kg.cache.snapshot_folder)."""
        self.rules = rules
        self.jobs = max(1, jobs)
        self.slots = 2 * self.jobs
        self.name = "in-process" if self.jobs == 1 else f"{self.jobs} processes"
        self._cache_dir = cache_dir
        self._spec = RulesSpec.of(rules, cache_dir=cache_dir)
        self._warm: ProcessPoolExecutor | None = None  # the one worker `warm` started
        self._warming: threading.Thread | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._turn = 0

    def submit(self, docs: list[Document], cache_paths: list[str] | None, only: bool = False) -> Future | Done:
        """The build's only batch is extracted here when no worker runs yet (starting one would
        cost more than the extraction), or by the warm worker when there is one."""
        self._warmed()
        if self.jobs == 1 or (only and self._pool is None and self._warm is None):
            if self.jobs > 1:
                self.name = "in-process: one small batch"
            if self._cache_dir is not None:
                from .extract import get_context

                get_context(self.rules, self._cache_dir)  # the extractor from its snapshot, if not loaded yet
            return Done(extract_many(self.rules, docs, cache_paths, pickled=False))
        pool = self._warm if self._warm is not None and (only or self._turn % self.jobs == 0) else self._started()
        self._turn += 1
        return pool.submit(extract_batch, self._spec, docs, cache_paths)

    def warm(self) -> None:
        """Start one worker loading the extractor: at the start of a rebuild it loads on the other
        core while this process reads the state and the corpus, and the edits go to it instead of
        loading the extractor here. Its own pool of one, so that the batch sent
        to it does not make a pool start a second worker because the first is still busy warming."""
        if self.jobs > 1 and self._warm is None and self._pool is None and self._warming is None:
            # from a thread: starting the forkserver takes ~0.15 s this process can spend reading
            self._warming = threading.Thread(target=self._start_warm, name="kg-warm", daemon=True)
            self._warming.start()

    def _start_warm(self) -> None:
        try:
            pool = self._new_pool(1)
            pool.submit(int)  # a no-op: makes the pool spawn its worker now
        except Exception:  # no warm worker then: batches start the pool as in a first build
            return
        self._warm = pool

    def _warmed(self) -> None:
        if self._warming is not None:
            self._warming.join()
            self._warming = None

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = self._new_pool(self.jobs - 1 if self._warm is not None else self.jobs)
        return self._pool

    def _new_pool(self, workers: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(workers, mp_context=_mp_context(), initializer=_init_worker, initargs=(self._spec,))

    def close(self, wait: bool = True) -> None:
        """wait=False: do not wait for workers still warming up (a worker started on demand for
        the last batch may not have finished its start-up); they exit when it is done."""
        self._warmed()
        for name in ("_warm", "_pool"):
            pool = getattr(self, name)
            if pool is not None:
                pool.shutdown(wait=wait, cancel_futures=True)
                setattr(self, name, None)


def _mp_context() -> multiprocessing.context.BaseContext:
    """forkserver where there is one: workers fork from a clean single-threaded server that has
    already imported the extractor, which is safe with the progress bar's and Dask's threads."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["kg.engines", "kg.extract"])
    return ctx


class DaskEngine:
    """Extraction on a dask.distributed cluster: the one at `scheduler`, or a LocalCluster of
    `jobs` single-threaded worker processes. Workers may be on other machines, so they get the
    rule files' bytes and results come back for the pipeline to cache."""

    writes_cache = False

    def __init__(self, rules: Rules, jobs: int, scheduler: str | None = None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise EngineError("--engine dask needs dask.distributed: pip install 'dask[distributed]'") from exc
        self._cluster = None
        try:
            if scheduler:
                self._client = Client(scheduler, timeout="20s")
            else:
                self._cluster = LocalCluster(n_workers=max(1, jobs), threads_per_worker=1, processes=True,
                                             dashboard_address=None)
                self._client = Client(self._cluster)
        except (OSError, TimeoutError) as exc:
            self.close()
            raise EngineError(f"cannot reach the Dask scheduler {scheduler or '(local)'}: {exc}") from exc
        threads = sum(self._client.nthreads().values()) or 1
        self.slots = 2 * threads
        self.name = f"dask ({scheduler or f'local cluster, {jobs} workers'})"
        self._spec = self._client.scatter(RulesSpec.of(rules, ship=True), broadcast=True)

    def submit(self, docs: list[Document], cache_paths: list[str] | None, only: bool = False) -> Any:
        return self._client.submit(extract_batch, self._spec, docs, None, pure=False)

    def warm(self) -> None:
        """Nothing to do: the cluster's workers are up once the engine is made."""

    def close(self, wait: bool = True) -> None:
        for part in ("_client", "_cluster"):
            obj = getattr(self, part, None)
            if obj is not None:
                obj.close()
                setattr(self, part, None)


def make_engine(kind: str, rules: Rules, jobs: int | None, scheduler: str | None,
                cache_dir: str | os.PathLike[str] | None = None) -> Engine:
    """cache_dir: where local workers keep the extractor's start-up snapshot (kg.cache.snapshot_folder;
    Dask workers may be on other machines: they build their own)."""
    jobs = jobs or os.cpu_count() or 1
    if kind == "local":
        if scheduler:
            raise EngineError("--scheduler needs --engine dask")
        return LocalEngine(rules, jobs, cache_dir)
    if kind == "dask":
        return DaskEngine(rules, jobs, scheduler)
    raise EngineError(f"unknown engine {kind!r}; choose local or dask")
