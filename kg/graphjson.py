"""graph.json straight from the merge (kg.graph.GraphBuilder), without making the graph.

Byte for byte what kg.export.nodelink.write makes of `GraphBuilder.graph()`. Why not that: the
graph holds every evidence sentence of the corpus as a dict, several times what the builder
holds. Here each evidence item is encoded once, in document order, into a temporary spill file
beside graph.json and read back (os.pread: the page cache, not this process, holds it) when its
node or edge is written; memory holds two offsets per item. A rebuild copies the JSON of nodes
and edges no document touched from the previous file (kg.patch); a whole file of a large graph
is written in two processes (`_split`). With other formats, the graph they read is made from the
same pass, its evidence left in the spill file (SpilledEvidence).
"""

from __future__ import annotations

import json
import os
import pickle
import tempfile
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from . import forked
from .atomic import atomic_open
from .forked import Forked
from .graph import _BITS, _LOW, _most
from .patch import EdgeSpans, Index, Out, Previous, Spans

if TYPE_CHECKING:
    import networkx as nx

    from .graph import GraphBuilder

# One evidence item's JSON: doc and sentence are JSON already (a sentence's once per document).
_ITEM = b'{"doc": %s, "sentence": %s, "start": %d, "end": %d}'

# Writing graph.json in two processes (see _split): only for graphs with at least
# this many evidence items on their edges (smaller ones take well under a second), the child
# taking the last edges holding CHILD_SHARE of them: the parent writes the nodes (on 55 MB of
# news: 0.85 gives both ≈ 2.5 s of CPU, against ≈ 3.7 s for one process writing it all).
FORK_ITEMS = 100_000
CHILD_SHARE = 0.85


def _split(b: GraphBuilder, edge_order: list[tuple[str, str, str]]) -> int | None:
    """Where the edges a forked child writes start, or None to write all here.

    Why: graph.json is written at the very end of a build, when the workers are done and one
    core is idle; it took ≈ 3 s on a 55 MB corpus. A child forked from this process sees the
    merge as it is, encodes the last edges (most evidence items are on edges) into a file of
    its own while this process writes the nodes and the first edges, and its bytes are
    appended: the same file, in about half the time. Without fork, or if the child fails,
    this process writes them itself."""
    if not forked.available():
        return None
    weights = [b._edges[key] for key in edge_order]
    total = sum(weights)
    if total < FORK_ITEMS or len(edge_order) < 2:
        return None
    left = total * CHILD_SHARE
    k = len(edge_order)
    while k > 1 and left > 0:
        k -= 1
        left -= weights[k]
    return k

def _spill(b: GraphBuilder, spill: _Spill, docs_of: dict[str, list[str]], node_ev: dict[str, array],
           edge_ev: dict[tuple[str, str, str], array], cap: int | None, consume: bool, few: bool) -> None:
    """Encode the evidence items of the nodes in `docs_of` (the first `cap` // 2 documents'
    first mentions) and of the edges in `edge_ev` (every supporting sentence) into `spill`,
    in document order, noting each node's documents in `docs_of`. few: only a few nodes and
    edges are wanted (a patched rebuild): find a document's in C, not name by name."""
    encode = json.JSONEncoder(ensure_ascii=False).encode
    put = spill.put
    for d, record in b._records(consume):
        d_json = encode(d).encode()
        table: dict[int, tuple[int, str]] | None = None  # decompressed when first needed
        texts: dict[int, bytes] = {}  # sentence start -> its JSON, once per document
        names: Iterable[tuple[str, int, int]] = zip(record.names, record.firsts, record.first_sentences,
                                                    strict=True)
        edges: Iterable[tuple[tuple[str, str, str], int]] = zip(record.edges, record.starts, strict=True)
        if few:
            names = [(name, record.firsts[i], record.first_sentences[i])
                     for name in docs_of.keys() & record.names for i in (record.names.index(name),)]
            if edge_ev.keys().isdisjoint(record.edges):
                edges = ()
        elif not docs_of:
            names = ()
        for name, packed, sentence in names:
            docs = docs_of.get(name)
            if docs is None:
                continue
            docs.append(d)
            offsets = node_ev[name]
            if cap is None or len(offsets) < cap:
                if sentence not in texts:
                    table = table or record.cited.table()
                    texts[sentence] = encode(table[sentence][1]).encode()
                put(offsets, _ITEM % (d_json, texts[sentence], packed >> _BITS, packed & _LOW))
        for key, start in edges:
            offsets = edge_ev.get(key)
            if offsets is None:
                continue
            table = table or record.cited.table()
            if start not in texts:
                texts[start] = encode(table[start][1]).encode()
            put(offsets, _ITEM % (d_json, texts[start], start, table[start][0]))
    spill.file.flush()

def _edge_json(key: tuple[str, str, str], ids: dict[str, str], encode: Callable[[Any], str],
               offsets: array, spill: _Spill) -> bytes:
    """One edge of graph.json, its evidence items at `offsets` in `spill`."""
    s, p, o = key
    weight, evidence = len(offsets) // 2, spill.joined(offsets)
    return ((encode({"predicate": p, "weight": weight})[:-1] + ', "evidence": [').encode() + evidence
            + ("], " + encode({"source": ids[s], "target": ids[o], "key": p})[1:]).encode())

def _edges_part(b: GraphBuilder, keys: list[tuple[str, str, str]], ids: dict[str, str], encode: Callable[[Any], str],
                folder: Path, prefix: str, write: Callable[[bytes], None]) -> EdgeSpans:
    """Encode `keys` (edges after the first) with a spill of their own: each written after ", ";
    their spans, counted from the first byte written."""
    edge_ev = {key: array("Q") for key in keys}
    spill = _Spill(folder, prefix)
    try:
        _spill(b, spill, {}, {}, edge_ev, None, consume=False, few=False)
        spans: EdgeSpans = {}
        at = 0
        for key in keys:
            data = _edge_json(key, ids, encode, edge_ev.pop(key), spill)
            write(b", " + data)
            spans[key] = (at + 2, len(data))
            at += 2 + len(data)
        return spans
    finally:
        spill.file.close()

def _write_edges(b: GraphBuilder, keys: list[tuple[str, str, str]], ids: dict[str, str], encode: Callable[[Any], str],
                 path: str) -> None:
    """The forked child's job: `keys`' JSON into `path`, their spans into `path` + ".spans"."""
    folder = Path(path).parent
    with open(path, "wb") as fh:
        spans = _edges_part(b, keys, ids, encode, folder, Path(path).name, fh.write)
    with open(path + ".spans", "wb") as fh:
        pickle.dump(spans, fh, pickle.HIGHEST_PROTOCOL)

def _append_part(b: GraphBuilder, out: Out, child: Forked, keys: list[tuple[str, str, str]], ids: dict[str, str],
                 encode: Callable[[Any], str], spill: _Spill, index: EdgeSpans) -> None:
    """Append the child's edges to `out` (or encode them here if it failed), noting their spans."""
    base = out.at
    spans_path = Path(child.path + ".spans")
    try:
        spans = None
        if child.wait():
            with open(spans_path, "rb") as fh:
                spans = pickle.load(fh)
        if isinstance(spans, dict) and len(spans) == len(keys):
            with open(child.path, "rb") as part:
                while chunk := part.read(1 << 20):
                    out.write(chunk)
        else:  # the child failed: write them here (same bytes)
            spans = _edges_part(b, keys, ids, encode, Path(child.path).parent, Path(child.path).name,
                                     out.write)
    finally:
        spans_path.unlink(missing_ok=True)
    for key, (start, length) in spans.items():
        index[key] = (base + start, length)

def write(b: GraphBuilder, path: str | os.PathLike[str], node_evidence: int, graph_attrs: dict[str, Any] | None,
               consume: bool, keep: bool) -> tuple[int, int] | nx.MultiDiGraph:
    ids = b.ids()
    if b.ids_shared():  # NetworkX merges their nodes: write what it makes of them
        from .export import nodelink

        G = b.graph(node_evidence, consume)
        G.graph.update(graph_attrs or {})
        nodelink.write(G, path)
        return G if keep else (G.number_of_nodes(), G.number_of_edges())
    encode = json.JSONEncoder(ensure_ascii=False).encode
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    before = None
    if not keep and b._touched is not None and b.index_path is not None:
        before = Previous.open(b.index_path, b._base_token, target, node_evidence)
    same_nodes: Spans = {}
    same_edges: EdgeSpans = {}
    if before is not None:
        same_nodes, same_edges = before.unchanged(*b.touched(), b._old_ids, ids)
    cap = 2 * node_evidence if node_evidence > 0 else None  # two offsets per item
    # the nodes and edges to encode (all but those copied from the graph.json before), their
    # documents and the (offset, length) in the spill file of each evidence item's JSON
    docs_of: dict[str, list[str]] = {name: [] for name in b._nodes if name not in same_nodes}
    node_ev: dict[str, array] = {name: array("Q") for name in docs_of}
    edge_ev: dict[tuple[str, str, str], array] = {key: array("Q") for key in b._edges if key not in same_edges}
    graph = {"documents": {d: b.documents[d] for d in sorted(b.documents)}, **(graph_attrs or {})}
    order = sorted(b._nodes, key=lambda name: (ids[name], name))
    edge_order = b._edge_order(ids)
    spill = _Spill(target.parent, f".{target.name}.")
    child: Forked | None = None
    theirs: list[tuple[str, str, str]] = []
    try:
        if before is None and not keep:  # a whole file: a child can write the last edges meanwhile
            k = _split(b, edge_order)
            if k is not None:
                theirs, edge_order = edge_order[k:], edge_order[:k]
                child = Forked(target.parent, f".{target.name}.", partial(_write_edges, b, theirs, ids, encode))
                for key in theirs:
                    del edge_ev[key]
        _spill(b, spill, docs_of, node_ev, edge_ev, cap, consume and child is None, few=before is not None)
        index = Index(b.token, target, node_evidence)
        with atomic_open(target, "wb") as fh:
            out = Out(fh, before)
            out.write(('{"directed": true, "multigraph": true, "graph": ' + encode(graph)
                       + ', "nodes": [').encode())
            for i, name in enumerate(order):
                span = same_nodes.get(name)
                if span is not None:
                    index.nodes[name] = out.copy(span, i > 0)
                else:
                    attrs = b._node_attrs(name)
                    attrs["docs"] = docs_of[name] if keep else docs_of.pop(name)
                    tail = {"id": ids[name]}
                    label_en = b._nodes[name].label_en
                    if label_en:
                        tail = {"label_en": _most(label_en), **tail}
                    index.nodes[name] = out.item((encode(attrs)[:-1] + ', "evidence": [').encode()
                                                 + spill.joined(node_ev[name] if keep else node_ev.pop(name))
                                                 + ("], " + encode(tail)[1:]).encode(), i > 0)
            out.write(b'], "edges": [')
            for i, key in enumerate(edge_order):
                span = same_edges.get(key)
                if span is not None:
                    index.edges[key] = out.copy(span, i > 0)
                else:
                    offsets = edge_ev[key] if keep else edge_ev.pop(key)
                    index.edges[key] = out.item(_edge_json(key, ids, encode, offsets, spill), i > 0)
            if child is not None:
                _append_part(b, out, child, theirs, ids, encode, spill, index.edges)
            out.write(b"]}\n")
        if before is not None:
            before.close()
        if b.index_path is not None:
            index.save(b.index_path)
        if not keep:
            return len(order), len(edge_order) + len(theirs)
        import networkx as nx

        G = nx.MultiDiGraph()
        G.graph.update(graph)
        del graph

        def edge_items() -> Iterator[tuple[str, str, str, dict[str, Any]]]:
            for s, p, o in edge_order:
                evidence = SpilledEvidence(spill, edge_ev.pop((s, p, o)))
                yield ids[s], ids[o], p, {"predicate": p, "weight": len(evidence), "evidence": evidence}

        G.add_nodes_from(b._node_item(name, ids, docs_of.pop(name), SpilledEvidence(spill, node_ev.pop(name)))
                         for name in order)
        G.add_edges_from(edge_items())
        return G
    finally:
        if child is not None:
            child.close()
        if before is not None:
            before.close()
        if not keep:
            spill.file.close()
        if consume:
            b._clear()


class _Spill:
    """Evidence items' JSON in a temporary file (deleted when closed), read back by offset."""

    def __init__(self, folder: Path, prefix: str) -> None:
        self.file = tempfile.TemporaryFile(prefix=prefix, suffix=".spill", dir=folder)
        self.at = 0

    def put(self, offsets: array, data: bytes) -> None:
        self.file.write(data)
        offsets.append(self.at)
        offsets.append(len(data))
        self.at += len(data)

    def __del__(self) -> None:  # the last SpilledEvidence is gone (the graph was cleared)
        file = getattr(self, "file", None)  # None: TemporaryFile failed in __init__
        if file is not None:
            file.close()

    def read(self, offset: int, length: int) -> bytes:
        return os.pread(self.file.fileno(), length, offset)

    def joined(self, offsets: array) -> bytes:
        """The items at `offsets`, as a JSON list's inside."""
        fd = self.file.fileno()
        return b", ".join([os.pread(fd, offsets[i + 1], offsets[i]) for i in range(0, len(offsets), 2)])


class SpilledEvidence(Sequence[dict[str, Any]]):
    """A node's or edge's `evidence` list kept in a spill file (write_node_link_and_graph): the
    same dicts, decoded each time they are read. Iterate or slice it like the list it stands for;
    it is not JSON-serialisable itself (kg.export.nodelink is not given such graphs)."""

    __slots__ = ("_spill", "_offsets")

    def __init__(self, spill: _Spill, offsets: array) -> None:
        self._spill = spill
        self._offsets = offsets

    def __len__(self) -> int:
        return len(self._offsets) // 2

    def _item(self, i: int) -> EvidenceItem:
        item = EvidenceItem(json.loads(self._spill.read(self._offsets[2 * i], self._offsets[2 * i + 1])))
        item.source = (self, i)
        return item

    @overload
    def __getitem__(self, i: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, i: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, i: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(i, slice):
            return [self._item(j) for j in range(*i.indices(len(self)))]
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        return self._item(i % len(self))

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (self._item(i) for i in range(len(self)))


class EvidenceItem(dict):  # type: ignore[type-arg]
    """One evidence dict read from a SpilledEvidence; `source` = (that sequence, index), so a
    consumer that keeps many items' sentences until later (the RDF spans) can keep the source
    instead and read the sentence again when it needs it."""

    __slots__ = ("source",)
