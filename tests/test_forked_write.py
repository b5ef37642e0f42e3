"""graph.json written in two processes (kg.graphjson: a forked child writes the last edges, kg.forked):
the same bytes as one process writes, also when the child fails, and an index a patched rebuild
can use. The split is normally only for large graphs; here it is forced on small ones."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_rebuild import append, build, fresh
from test_scale import write_corpus

import kg.graphjson
import kg.patch
from kg import forked
from kg.pipeline import run_build

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(not forked.available(), reason="forking is used on Linux only")


@pytest.fixture
def split(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every graph is split; the list gets the child's pid each time one is forked."""
    pids: list[int] = []
    real = forked.Forked.__init__

    def spy(self, *args, **kwargs):
        real(self, *args, **kwargs)
        pids.append(self.pid)

    monkeypatch.setattr(forked.Forked, "__init__", spy)
    monkeypatch.setattr(kg.graphjson, "FORK_ITEMS", 0)
    return pids


def _write(tmp_path: Path, name: str, node_evidence: int = 20) -> tuple[bytes, tuple[int, int]]:
    builder = run_build([str(ROOT / "corpus")], jobs=1, make_graph=False).builder
    assert builder is not None
    counts = builder.write_node_link(tmp_path / name / "graph.json", node_evidence, {"rules_version": "v"},
                                     consume=True)
    return (tmp_path / name / "graph.json").read_bytes(), counts


@pytest.mark.parametrize("node_evidence", [20, 0])
def test_split_writes_the_same_bytes(tmp_path, monkeypatch, node_evidence):
    monkeypatch.setattr(forked, "available", lambda: False)
    alone = _write(tmp_path, "alone", node_evidence)
    monkeypatch.undo()
    pids: list[int] = []
    monkeypatch.setattr(kg.graphjson, "FORK_ITEMS", 0)
    real = forked.Forked.__init__
    monkeypatch.setattr(forked.Forked, "__init__", lambda self, *a: real(self, *a) or pids.append(self.pid))
    assert _write(tmp_path, "split", node_evidence) == alone
    assert len(pids) == 1 and pids[0] != os.getpid()
    assert sorted(p.name for p in (tmp_path / "split").iterdir()) == ["graph.json"]  # no part or spill left


def test_a_failing_child_leaves_the_work_to_the_parent(tmp_path, monkeypatch, split):
    alone = _write(tmp_path, "alone")
    monkeypatch.setattr(kg.graphjson, "_write_edges", lambda *args: 1 / 0)  # raises in the child
    assert _write(tmp_path, "failed") == alone
    assert len(split) == 2
    assert sorted(p.name for p in (tmp_path / "failed").iterdir()) == ["graph.json"]


def test_a_split_file_is_patched_like_any_other(tmp_path, monkeypatch, split):
    write_corpus(tmp_path / "corpus", docs=5, per_doc=6)
    folder, cache, out = tmp_path / "corpus", tmp_path / "cache", tmp_path / "out"
    build(folder, cache, out)
    assert split  # written in two processes, with its index
    copied: list[tuple[int, int]] = []
    real = kg.patch.Previous.read
    monkeypatch.setattr(kg.patch.Previous, "read", lambda self, span: copied.append(span) or real(self, span))
    append(folder / "d02.txt", "中华全国总工会印发《关于加强新就业形态劳动者权益保障的意见》。\n")
    build(folder, cache, out)
    data = (out / "graph.json").read_bytes()
    assert data == fresh(folder, tmp_path)
    assert len(data) / 2 < sum(length for _, length in copied) < len(data)
