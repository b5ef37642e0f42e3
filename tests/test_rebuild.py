"""Rebuilds: unchanged files are not read again, and graph.json is patched, not re-encoded
(issue 5). What users rely on: the output is a fresh build's, byte for byte, whatever changed
between builds (files, metadata, options, the output itself); the counts show the work skipped."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_scale import kg_build, write_corpus

import kg.corpus
import kg.patch
from kg.pipeline import BuildResult, run_build

SENTENCE = "全国总工会召开第十八次全国代表大会。\n"


@pytest.fixture
def small(tmp_path: Path) -> tuple[Path, Path]:
    write_corpus(tmp_path / "corpus", docs=5, per_doc=6)
    return tmp_path / "corpus", tmp_path / "cache"


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files count as settled as soon as written (the 2 s guard is against edits racing a build)."""
    monkeypatch.setattr(kg.corpus, "SETTLE_NS", 0)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the documents' files read, in order."""
    seen: list[str] = []
    real = kg.corpus._read_text

    def spy(path: Path, *args: object) -> tuple[str, str]:
        if path.suffix == ".txt":
            seen.append(path.name)
        return real(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(kg.corpus, "_read_text", spy)
    return seen


def build(folder: Path, cache: Path | None, out: Path, node_evidence: int = 20) -> BuildResult:
    """What `kg build --formats json --jobs 1` does, in this process."""
    result = run_build([str(folder)], jobs=1, cache_dir=cache, make_graph=False, node_evidence=node_evidence)
    assert result.builder is not None
    result.builder.write_node_link(out / "graph.json", node_evidence, {"rules_version": "v"}, consume=True)
    return result


def fresh(folder: Path, tmp: Path, node_evidence: int = 20) -> bytes:
    build(folder, None, tmp / "fresh", node_evidence)
    return (tmp / "fresh" / "graph.json").read_bytes()


def append(path: Path, text: str = SENTENCE) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_unchanged_files_are_not_read_again(small, settled, reads, tmp_path):
    folder, cache = small
    out = tmp_path / "out"
    build(folder, cache, out)
    assert len(reads) == 5
    reads.clear()
    again = build(folder, cache, out)
    assert (reads, again.cached, again.documents) == ([], 5, 5)

    append(folder / "d02.txt")
    reads.clear()
    edited = build(folder, cache, out)
    assert (reads, edited.extracted, edited.cached) == (["d02.txt"], 1, 4)
    assert (out / "graph.json").read_bytes() == fresh(folder, tmp_path)


def test_an_edit_that_keeps_size_and_mtime_is_seen(small, settled, reads, tmp_path):
    """Tools that restore the modification time (cp -p, rsync -t, tar) still change the ctime."""
    folder, cache = small
    out = tmp_path / "out"
    build(folder, cache, out)
    path = folder / "d03.txt"
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("工会", "职工", 1), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    reads.clear()
    result = build(folder, cache, out)
    assert (reads, result.extracted) == (["d03.txt"], 1)
    assert (out / "graph.json").read_bytes() == fresh(folder, tmp_path)


def test_files_changed_in_the_last_seconds_are_read_again(small, reads, tmp_path):
    folder, cache = small
    build(folder, cache, tmp_path / "out")
    reads.clear()
    result = build(folder, cache, tmp_path / "out")
    assert (sorted(reads), result.extracted) == ([f"d{i:02d}.txt" for i in range(5)], 0)


def test_a_sidecar_change_rereads_the_files_it_describes(small, settled, reads, tmp_path):
    folder, cache = small
    sidecar = folder / "SOURCES.jsonl"
    sidecar.write_text('{"file": "d01.txt", "title": "甲"}\n', encoding="utf-8")
    build(folder, cache, tmp_path / "out")
    sidecar.write_text('{"file": "d01.txt", "title": "乙"}\n', encoding="utf-8")
    reads.clear()
    build(folder, cache, tmp_path / "out")
    assert reads == ["d01.txt"]
    assert '"title": "乙"' in (tmp_path / "out" / "graph.json").read_text(encoding="utf-8")
    assert (tmp_path / "out" / "graph.json").read_bytes() == fresh(folder, tmp_path)


def test_a_new_file_taking_an_unchanged_file_s_id_is_reported(tmp_path, settled):
    """Ids are file stems: a new a/x.txt sorts before b/x.txt, which becomes the duplicate."""
    folder, cache = tmp_path / "corpus", tmp_path / "cache"
    write_corpus(folder / "b", docs=2, per_doc=4)
    build(folder, cache, tmp_path / "out")
    (folder / "a").mkdir()
    (folder / "a" / "d01.txt").write_text(SENTENCE, encoding="utf-8")
    result = build(folder, cache, tmp_path / "out")
    [err] = result.errors
    assert err.path == str(folder / "b" / "d01.txt") and "duplicate document id 'd01'" in err.reason
    assert (tmp_path / "out" / "graph.json").read_bytes() == fresh(folder, tmp_path)


@pytest.mark.parametrize("node_evidence", [20, 1])
def test_graph_json_is_patched_where_documents_changed(small, tmp_path, monkeypatch, node_evidence):
    """Edits, an added and a deleted document: nodes and edges no document touched are copied
    from the last graph.json, the rest encoded, and the bytes are a fresh build's."""
    folder, cache = small
    out = tmp_path / "out"
    build(folder, cache, out, node_evidence)
    copied = []
    real = kg.patch.Previous.read
    monkeypatch.setattr(kg.patch.Previous, "read", lambda self, span: copied.append(span) or real(self, span))
    append(folder / "d02.txt", "中华全国总工会印发《关于加强新就业形态劳动者权益保障的意见》。\n")
    build(folder, cache, out, node_evidence)
    data = (out / "graph.json").read_bytes()
    assert data == fresh(folder, tmp_path, node_evidence)
    total = sum(length for _, length in copied)
    assert len(data) / 2 < total < len(data)  # most of the graph was copied, what changed was not

    (folder / "d01.txt").unlink()
    (folder / "d09.txt").write_text("江苏省总工会开展职工技能竞赛。\n", encoding="utf-8")
    build(folder, cache, out, node_evidence)
    assert (out / "graph.json").read_bytes() == fresh(folder, tmp_path, node_evidence)
    assert sum(length for _, length in copied) > total


def test_a_graph_json_changed_since_or_elsewhere_is_written_whole(small, tmp_path, monkeypatch):
    """The copy is only taken from the file the saved state wrote, untouched, with the same options."""
    folder, cache = small
    out = tmp_path / "out"
    build(folder, cache, out)
    copied = []
    real = kg.patch.Previous.read
    monkeypatch.setattr(kg.patch.Previous, "read", lambda self, span: copied.append(span) or real(self, span))
    path = out / "graph.json"
    data = path.read_bytes()
    path.write_bytes(data.replace(b'"weight": 1', b'"weight": 7', 1))  # same size, other bytes
    build(folder, cache, out)
    assert path.read_bytes() == data and copied == []
    build(folder, cache, tmp_path / "elsewhere")  # the same cache, another output folder
    assert (tmp_path / "elsewhere" / "graph.json").read_bytes() == data and copied == []
    build(folder, cache, out, node_evidence=1)
    assert path.read_bytes() == fresh(folder, tmp_path, node_evidence=1) and copied == []


def test_cli_rebuild_patches_graph_json_like_a_fresh_build(small, tmp_path):
    folder, _ = small
    out = tmp_path / "out"
    kg_build(folder, "--out", out, "--formats", "json", "--jobs", "1", "-q")
    assert list((out / ".kgcache").rglob("*.index"))
    append(folder / "d04.txt")
    kg_build(folder, "--out", out, "--formats", "ttl", "--jobs", "1", "-q")  # graph.json not rewritten
    (folder / "d00.txt").unlink()
    kg_build(folder, "--out", out, "--formats", "json", "--jobs", "1", "-q")
    kg_build(folder, "--out", tmp_path / "fresh", "--formats", "json", "--jobs", "1", "-q", "--no-cache")
    assert (out / "graph.json").read_bytes() == (tmp_path / "fresh" / "graph.json").read_bytes()


def test_outputs_the_merge_already_wrote_are_kept(small, tmp_path):
    """A rebuild that changes nothing in the graph keeps every output file as it is (no minute
    of RDF, HTML and GEXF writing for nothing); a file changed since, other options or another
    graph write it again, and the outputs are always a fresh build's."""
    folder, _ = small
    out, ref = tmp_path / "out", tmp_path / "ref"

    def same_as_fresh(*options: str) -> None:
        kg_build(folder, "--out", ref, "--jobs", "1", "-q", "--no-cache", *options)
        for path in sorted(ref.glob("graph.*")):
            assert (out / path.name).read_bytes() == path.read_bytes(), path.name

    kg_build(folder, "--out", out, "--jobs", "1")
    stamps = {p.name: p.stat().st_mtime_ns for p in out.glob("graph.*")}
    assert len(stamps) == 7
    again = kg_build(folder, "--out", out, "--jobs", "1").stderr
    assert again.count("(up to date)") == 7 and "wrote" not in again
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("graph.*")} == stamps
    same_as_fresh()

    (out / "graph.ttl").write_text("# edited by hand\n", encoding="utf-8")
    (out / "graph.gexf").unlink()
    third = kg_build(folder, "--out", out, "--jobs", "1").stderr
    assert "wrote" in third and "graph.graphml (up to date)" in third and "graph.nt (up to date)" in third
    same_as_fresh()

    fourth = kg_build(folder, "--out", out, "--jobs", "1", "--base-iri", "http://example.org/kg/").stderr
    assert "graph.nt (up to date)" not in fourth  # options are in every format's digest
    same_as_fresh("--base-iri", "http://example.org/kg/")

    append(folder / "d01.txt")
    assert "up to date" not in kg_build(folder, "--out", out, "--jobs", "1").stderr
    same_as_fresh()
