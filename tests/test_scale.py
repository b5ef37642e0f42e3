"""Whole archives: parallel and Dask builds give the serial build's bytes, the cache re-extracts
only what changed, and the build streams (issue 5).

Comparisons of outputs run each build in its own process (the CLI), as users do; the cache's
bookkeeping is checked in-process, by counts, never by timing.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import weakref
from pathlib import Path

import pytest

import kg.cache
import kg.engines
import kg.export
import kg.extract
import kg.pipeline
from kg.export.nodelink import dumps
from kg.model import DocResult, Document
from kg.pipeline import run_build
from kg.rules import load_rules

ROOT = Path(__file__).resolve().parent.parent

CLI = [sys.executable, "-c", "import sys; from kg.cli import main; sys.exit(main())"]


def kg_build(*args: str | Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([*CLI, "build", *map(str, args)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc


def sentences() -> list[str]:
    text = "".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus").glob("*.txt")))
    return [s + "。" for s in text.replace("\n", "。").split("。") if len(s) > 6]


def write_corpus(folder: Path, docs: int, per_doc: int) -> list[Path]:
    """`docs` different documents of `per_doc` consecutive sentences of the real texts."""
    sents = sentences()
    paths = []
    for i in range(docs):
        start = (i * per_doc) % len(sents)
        body = "".join(sents[(start + k) % len(sents)] for k in range(per_doc))
        path = folder / f"d{i:02d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"第{i}号文件\n{body}\n", encoding="utf-8")
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    """A corpus of several default batches (so --jobs 2 really uses the pool) and its serial graph."""
    folder = tmp_path_factory.mktemp("scale")
    write_corpus(folder / "corpus", docs=24, per_doc=40)  # ~110k characters
    kg_build(folder / "corpus", "--out", folder / "serial", "--formats", "json", "--jobs", "1", "--no-cache", "-q")
    return folder / "corpus", (folder / "serial" / "graph.json").read_bytes()


def test_jobs_2_gives_the_serial_bytes_and_quiet_hides_progress(corpus, tmp_path):
    folder, serial = corpus
    proc = kg_build(folder, "--out", tmp_path, "--formats", "json", "--jobs", "2")
    assert (tmp_path / "graph.json").read_bytes() == serial
    assert "2 processes" in proc.stderr and "24 extracted" in proc.stderr
    assert "kg build: 24 docs" in proc.stderr  # the progress bar: documents and characters
    assert proc.stdout == ""
    quiet = kg_build(folder, "--out", tmp_path, "--formats", "json", "--jobs", "2", "--quiet")
    assert quiet.stderr == ""
    assert (tmp_path / "graph.json").read_bytes() == serial


def test_dask_local_cluster_gives_the_serial_bytes(corpus, tmp_path):
    pytest.importorskip("distributed")
    folder, serial = corpus
    proc = kg_build(folder, "--out", tmp_path, "--formats", "json", "--engine", "dask", "--jobs", "2")
    assert (tmp_path / "graph.json").read_bytes() == serial
    assert "dask (local cluster, 2 workers)" in proc.stderr
    # The pipeline, not the (possibly remote) workers, wrote the cache: a rebuild extracts nothing.
    again = kg_build(folder, "--out", tmp_path, "--formats", "json", "--jobs", "1")
    assert "0 extracted, 24 from cache" in again.stderr
    assert (tmp_path / "graph.json").read_bytes() == serial


def test_scheduler_needs_dask_engine(corpus, tmp_path):
    folder, _ = corpus
    proc = subprocess.run([*CLI, "build", str(folder), "--out", str(tmp_path), "--scheduler", "tcp://x:1"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "--scheduler needs --engine dask" in proc.stderr


# In-process builds (jobs=1): the cache's bookkeeping, counted, not timed.


@pytest.fixture
def small(tmp_path: Path) -> tuple[Path, Path]:
    write_corpus(tmp_path / "corpus", docs=5, per_doc=6)
    return tmp_path / "corpus", tmp_path / "cache"


def graph_bytes(result: kg.pipeline.BuildResult) -> bytes:
    return dumps(result.graph).encode()


def test_rebuild_reextracts_only_the_edited_document(small):
    folder, cache = small
    first = run_build([str(folder)], jobs=1, cache_dir=cache)
    assert (first.extracted, first.cached) == (5, 0)
    again = run_build([str(folder)], jobs=1, cache_dir=cache)
    assert (again.extracted, again.cached) == (0, 5)
    assert graph_bytes(again) == graph_bytes(first)

    edited = folder / "d02.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "全国总工会召开第十八次全国代表大会。\n", encoding="utf-8")
    third = run_build([str(folder)], jobs=1, cache_dir=cache)
    assert (third.extracted, third.cached) == (1, 4)
    assert graph_bytes(third) == graph_bytes(run_build([str(folder)], jobs=1))  # == without a cache

    # Moving the corpus keeps its entries (the key ignores the path); the graph shows the new path.
    moved = folder.parent / "moved"
    shutil.move(folder, moved)
    fourth = run_build([str(moved)], jobs=1, cache_dir=cache)
    assert (fourth.extracted, fourth.cached) == (0, 5)
    assert fourth.graph.graph["documents"]["d02"]["path"] == str(moved / "d02.txt")


def test_a_rule_file_change_reextracts_everything(small, tmp_path):
    folder, cache = small
    rules_dir = tmp_path / "rules"
    shutil.copytree(load_rules().root, rules_dir)
    assert (run_build([str(folder)], rules=load_rules(rules_dir), jobs=1, cache_dir=cache).extracted) == 5
    lexicon = sorted((rules_dir / "lexicon").glob("*.tsv"))[0]
    # Any change to a rule file, even a comment, is a new rules version: everything is re-extracted.
    lexicon.write_text(lexicon.read_text(encoding="utf-8") + "# reviewed\n", encoding="utf-8")
    result = run_build([str(folder)], rules=load_rules(rules_dir), jobs=1, cache_dir=cache)
    assert (result.extracted, result.cached) == (5, 0)
    assert len([d for d in cache.iterdir() if d.is_dir()]) == 1  # the stale generation was pruned


def test_no_cache_reads_and_writes_nothing(small):
    folder, cache = small
    run_build([str(folder)], jobs=1, cache_dir=cache)
    assert run_build([str(folder)], jobs=1).extracted == 5  # cache_dir=None is --no-cache
    proc = kg_build(folder, "--out", cache.parent / "out", "--formats", "json", "--jobs", "1", "--no-cache")
    assert "5 extracted, 0 from cache" in proc.stderr
    assert not (cache.parent / "out" / ".kgcache").exists()


def test_a_corrupt_entry_is_rebuilt(small):
    folder, cache = small
    run_build([str(folder)], jobs=1, cache_dir=cache)
    entries = sorted(cache.rglob("*.pkl"))
    assert len(entries) == 5
    entries[0].write_bytes(b"\x80\x05not a pickle")
    entries[1].write_bytes(b"")
    for state in cache.rglob("*.state"):  # without the merged state, every entry is read
        state.write_bytes(b"garbage")
    result = run_build([str(folder)], jobs=1, cache_dir=cache)
    assert (result.extracted, result.cached) == (2, 3)
    assert run_build([str(folder)], jobs=1, cache_dir=cache).cached == 5


def test_incremental_builds_equal_fresh_ones(small):
    """Adding, editing and deleting documents between builds gives the graph a fresh build gives."""
    folder, cache = small
    run_build([str(folder)], jobs=1, cache_dir=cache)
    (folder / "d01.txt").unlink()
    added = "中华全国总工会印发《关于加强新就业形态劳动者权益保障的意见》。\n"
    (folder / "d09.txt").write_text(added, encoding="utf-8")
    edited = folder / "d03.txt"
    edited.write_text(edited.read_text(encoding="utf-8").replace("工会", "职工", 1), encoding="utf-8")
    result = run_build([str(folder)], jobs=1, cache_dir=cache)
    assert (result.extracted, result.cached, result.documents) == (2, 3, 5)
    assert graph_bytes(result) == graph_bytes(run_build([str(folder)], jobs=1))
    assert "d01" not in result.graph.graph["documents"]


def test_a_parallel_rebuild_sends_the_edits_to_the_warmed_worker(small):
    """With a saved state a worker starts loading the extractor while the corpus is read; the
    edited document is extracted there (not in the kg process) and the graph is a fresh build's."""
    folder, cache = small
    first = run_build([str(folder)], jobs=2, cache_dir=cache)
    assert first.engine == "in-process: one small batch"  # no state yet: one batch, no pool
    edited = folder / "d04.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "全国总工会召开第十八次全国代表大会。\n", encoding="utf-8")
    again = run_build([str(folder)], jobs=2, cache_dir=cache)
    assert (again.extracted, again.cached, again.engine) == (1, 4, "2 processes")
    assert graph_bytes(again) == graph_bytes(run_build([str(folder)], jobs=1))


def test_a_rebuild_warms_a_worker_before_reading_anything(small, monkeypatch):
    """With a saved state, one worker starts loading the extractor before the state and the corpus
    are read (it is ready by the first edited document); a first build warms none."""
    folder, cache = small
    warmed: list[int] = []
    loads: list[int] = []
    real_load = kg.cache.DocCache.load_state
    monkeypatch.setattr(kg.cache.DocCache, "load_state",
                        lambda self, inputs: loads.append(1) or real_load(self, inputs))
    monkeypatch.setattr(kg.engines.LocalEngine, "warm", lambda self: warmed.append(len(loads)))
    run_build([str(folder)], jobs=2, cache_dir=cache)
    assert warmed == []
    again = run_build([str(folder)], jobs=2, cache_dir=cache)
    assert (again.extracted, again.cached, warmed) == (0, 5, [1])  # warmed before the second load
    assert again.engine == "nothing to extract"


def test_a_pool_broken_before_a_batch_is_a_clear_error(small, monkeypatch):
    """A worker that dies while warming breaks the pool before the first submit: reported like a
    worker dying mid-batch (an EngineError naming a file), not a BrokenProcessPool traceback."""
    from concurrent.futures.process import BrokenProcessPool

    folder, cache = small
    run_build([str(folder)], jobs=2, cache_dir=cache)
    edited = folder / "d02.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "全国总工会召开第十八次全国代表大会。\n", encoding="utf-8")

    def broken(self, docs, paths, only=False):
        raise BrokenProcessPool("a child process terminated abruptly")

    monkeypatch.setattr(kg.engines.LocalEngine, "submit", broken)
    with pytest.raises(kg.engines.EngineError, match="d02.txt"):
        run_build([str(folder)], jobs=2, cache_dir=cache)


def test_a_lost_entry_falls_back_to_a_full_merge(small):
    """When the last build's result for an edited document is gone, the state cannot be used."""
    folder, cache = small
    run_build([str(folder)], jobs=1, cache_dir=cache)
    for entry in cache.rglob("*.pkl"):
        entry.unlink()
    edited = folder / "d02.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "全国总工会召开第十八次全国代表大会。\n", encoding="utf-8")
    result = run_build([str(folder)], jobs=1, cache_dir=cache)
    assert (result.extracted, result.cached) == (5, 0)
    assert graph_bytes(result) == graph_bytes(run_build([str(folder)], jobs=1))


def test_a_failing_document_is_reported_and_the_build_goes_on(small, monkeypatch):
    folder, _ = small
    real = kg.extract.extract

    def flaky(doc: Document, rules):
        if doc.id == "d03":
            raise ValueError("boom")
        return real(doc, rules)

    monkeypatch.setattr(kg.extract, "extract", flaky)
    result = run_build([str(folder)], jobs=1)
    assert result.documents == 4 and "d03" not in result.graph.graph["documents"]
    [err] = result.errors
    assert err.path.endswith("d03.txt") and "ValueError: boom" in err.reason


def test_the_build_streams(monkeypatch):
    """3,000 documents go through, but only a few batches' worth are ever alive at once."""
    live = peak = 0

    def freed() -> None:
        nonlocal live
        live -= 1

    def documents(_inputs, **_options):
        nonlocal live, peak
        for i in range(3000):
            doc = Document(id=f"n{i:04d}", path=f"n{i:04d}.txt", text="工会" * 50)
            weakref.finalize(doc, freed)
            live += 1
            peak = max(peak, live)
            yield doc

    def tiny(doc: Document, rules) -> DocResult:
        return DocResult(doc.id, doc.path, {}, len(doc.text), [], [], {}, [])

    monkeypatch.setattr(kg.pipeline, "scan_documents", documents)
    monkeypatch.setattr(kg.extract, "extract", tiny)
    result = run_build(["-"], jobs=1)
    assert result.documents == 3000
    assert peak <= 2 * kg.pipeline.BATCH_DOCS


def test_workers_load_the_rules_once_or_from_shipped_files(tmp_path, monkeypatch):
    from dataclasses import replace

    from kg import engines
    from kg.rules import RulesError

    rules = load_rules()
    monkeypatch.setattr(engines, "warm_up", lambda rules: None)
    monkeypatch.setattr(engines, "_RULES", {})
    spec = engines.RulesSpec.of(rules, ship=True)
    remote = engines.worker_rules(replace(spec, root=str(tmp_path / "not-on-this-worker")))
    assert remote.version == rules.version and remote.root != rules.root
    assert engines.worker_rules(spec) is remote  # once per process and rules version
    with pytest.raises(RulesError, match="rules changed during the build"):
        engines.worker_rules(engines.RulesSpec(str(rules.root), "0" * 16))
    with pytest.raises(engines.EngineError, match="different kg code"):
        engines.worker_rules(replace(spec, version="1" * 16, code="not this code"))


def test_node_evidence_is_capped_but_docs_are_complete(small, tmp_path):
    folder, _ = small
    G = run_build([str(folder)], jobs=1, node_evidence=2).graph
    busiest = max(G.nodes, key=lambda n: len(G.nodes[n]["docs"]))
    data = G.nodes[busiest]
    assert len(data["docs"]) > 2
    assert [ev["doc"] for ev in data["evidence"]] == data["docs"][:2]  # the first documents by id
    full = run_build([str(folder)], jobs=1, node_evidence=0).graph
    assert [ev["doc"] for ev in full.nodes[busiest]["evidence"]] == data["docs"]
    # graph.json is written piece by piece, byte for byte what one json.dumps of it gives
    from kg.export.nodelink import write

    write(full, tmp_path / "graph.json")
    assert (tmp_path / "graph.json").read_text(encoding="utf-8") == dumps(full)


@pytest.mark.parametrize("node_evidence", [0, 2, 20])
def test_graph_json_streamed_from_the_merge_is_the_graph_s(small, tmp_path, node_evidence):
    """`kg build` writes graph.json from the builder (GraphBuilder.write_node_link), never making
    the NetworkX graph: the bytes are those of nodelink.write(run_build(...).graph)."""
    from kg.export.nodelink import write

    folder, _ = small
    rules = load_rules()
    G = run_build([str(folder)], jobs=1, node_evidence=node_evidence).graph
    write(G, tmp_path / "nx.json")
    merged = run_build([str(folder)], jobs=1, node_evidence=node_evidence, make_graph=False)
    assert merged.graph is None
    builder = merged.builder
    counts = builder.write_node_link(tmp_path / "kept.json", node_evidence, {"rules_version": rules.version})
    assert counts == (G.number_of_nodes(), G.number_of_edges())
    assert builder.write_node_link(tmp_path / "consumed.json", node_evidence, {"rules_version": rules.version},
                                   consume=True) == counts
    assert not builder.documents and not list(tmp_path.glob(".*"))  # no spill or temporary file left
    expected = (tmp_path / "nx.json").read_bytes()
    assert (tmp_path / "kept.json").read_bytes() == expected
    assert (tmp_path / "consumed.json").read_bytes() == expected


def test_graph_json_streamed_from_an_empty_merge(tmp_path):
    import networkx as nx

    from kg.export.nodelink import write
    from kg.graph import GraphBuilder

    assert GraphBuilder().write_node_link(tmp_path / "graph.json") == (0, 0)
    G = nx.MultiDiGraph()
    G.graph["documents"] = {}
    write(G, tmp_path / "nx.json")
    assert (tmp_path / "graph.json").read_bytes() == (tmp_path / "nx.json").read_bytes()


def test_graph_json_when_two_names_share_an_id(small, tmp_path, monkeypatch):
    """NetworkX merges two nodes with one id; the streamed writer then lets it, to stay identical."""
    import kg.graph
    from kg.export.nodelink import write

    folder, _ = small
    merged = run_build([str(folder)], jobs=1, make_graph=False).builder
    first, second = sorted(name for name, node in merged._nodes.items() if not node.lexicon_id)[:2]
    real = kg.graph.node_id
    monkeypatch.setattr(kg.graph, "node_id", lambda name, lexicon="": real(first if name == second else name, lexicon))
    G = run_build([str(folder)], jobs=1).graph
    write(G, tmp_path / "nx.json")
    merged = run_build([str(folder)], jobs=1, make_graph=False).builder
    assert G.number_of_nodes() == len(merged._nodes) - 1  # the two became one
    assert merged.write_node_link(tmp_path / "graph.json", graph_attrs={"rules_version": load_rules().version}) == (
        G.number_of_nodes(), G.number_of_edges())
    assert (tmp_path / "graph.json").read_bytes() == (tmp_path / "nx.json").read_bytes()


def test_cli_graph_json_is_the_same_alone_or_with_other_formats(small, tmp_path):
    """--formats json streams it and consumes the merge; with other formats the merge is kept for the graph."""
    folder, _ = small
    kg_build(folder, "--out", tmp_path / "alone", "--formats", "json", "--no-cache", "-q")
    kg_build(folder, "--out", tmp_path / "with", "--formats", "json,gexf", "--no-cache", "-q")
    G = run_build([str(folder)], jobs=1).graph
    assert (tmp_path / "alone" / "graph.json").read_text(encoding="utf-8") == dumps(G)
    assert (tmp_path / "with" / "graph.json").read_bytes() == (tmp_path / "alone" / "graph.json").read_bytes()
    assert (tmp_path / "with" / "graph.gexf").exists()


def test_export_from_drops_the_graph_before_the_flat_formats_and_writes_the_same_bytes(tmp_path):
    """kg build hands its graph to export_from, which clears it once only GEXF and GraphML are left."""
    from conftest import make_sample_graph

    from kg.export import EXPORTERS, export_all, export_from

    expected = export_all(make_sample_graph(), tmp_path / "all")
    made = []

    def make():
        made.append(make_sample_graph())
        return made[-1]

    written, nodes, edges = export_from(make, tmp_path / "from")
    assert [p.name for p in written] == [name for name, _ in EXPORTERS.values()]
    assert (nodes, edges) == (make_sample_graph().number_of_nodes(), make_sample_graph().number_of_edges())
    assert made[0].number_of_nodes() == 0  # cleared
    for path in expected:
        assert (tmp_path / "from" / path.name).read_bytes() == path.read_bytes(), path.name


def test_graph_with_spilled_evidence_exports_like_the_graph(small, tmp_path):
    """kg build's graph when it writes graph.json and other formats: evidence stays in the spill
    file (SpilledEvidence), and every format comes out as from run_build's graph."""
    from kg.export import export_all
    from kg.graphjson import SpilledEvidence

    folder, _ = small
    G = run_build([str(folder)], jobs=1).graph
    expected = export_all(G, tmp_path / "plain")
    builder = run_build([str(folder)], jobs=1, make_graph=False).builder
    lazy = builder.write_node_link_and_graph(tmp_path / "lazy" / "graph.json",
                                             graph_attrs={"rules_version": G.graph["rules_version"]})
    assert not builder.documents
    assert list(lazy.nodes(data="label")) == list(G.nodes(data="label"))
    for u, v, k, data in lazy.edges(keys=True, data=True):
        evidence = data["evidence"]
        assert isinstance(evidence, SpilledEvidence)
        assert list(evidence) == G.edges[u, v, k]["evidence"] and evidence[-1] == list(evidence)[-1]
        assert evidence[:2] == G.edges[u, v, k]["evidence"][:2] and len(evidence) == data["weight"]
    export_all(lazy, tmp_path / "lazy", [f for f in kg.export.EXPORTERS if f != "json"])
    for path in expected:
        assert (tmp_path / "lazy" / path.name).read_bytes() == path.read_bytes(), path.name
