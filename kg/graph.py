"""Merge per-document results into one typed `nx.MultiDiGraph`.

The builder keeps counts per entity and per edge, and per document a compact record of what it
contributed (the names it mentions with packed offsets, the edges it supports, the sentences
they cite), so that

- the merge is order-independent (counts and per-document maps, sorted when the graph is made):
  a parallel, cached or incremental build gives byte-identical output to a serial one;
- one document's contribution can be taken out again (`remove`), which is what lets a rebuild
  after editing one document start from the previous build's state (kg.pipeline) instead of
  merging every cached result again;
- memory grows with the graph: a cited sentence's text is held once, however many nodes and
  edges cite it.

Node evidence is the first mention in each document; `node_evidence` caps how many documents'
first mentions a node lists (the first by document id; `docs` always lists them all). Edge
evidence is never capped: every supporting sentence is there.

`write_node_link` writes graph.json straight from the builder (kg.graphjson), byte for byte what
kg.export.nodelink.write makes of `graph()`, without the graph: its evidence sentences are
spilled to a temporary file in document order and read back in graph order, so a build that
writes only graph.json never holds its evidence in memory (see docs/scale.md).
"""

from __future__ import annotations

import os
import zlib
from array import array
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from .ids import node_id
from .ids import prepare as prepare_pinyin
from .model import ENTITY_TYPES, NODE_EVIDENCE, SYMMETRIC_PREDICATES, DocResult, EntityInfo

if TYPE_CHECKING:  # imported by graph() only: a build that streams graph.json never needs networkx
    import networkx as nx

_TYPE_RANK = {t: i for i, t in enumerate(ENTITY_TYPES)}
# not part of a saved state
_TRANSIENT = ("_touched", "_taken_out", "_old_ids", "_base_token", "index_path", "_ids_now", "_unnamed")
_BITS = 32  # a span's two character offsets are packed into one 64-bit int: documents up to 4G characters


def _pack(start: int, end: int) -> int:
    return (start << _BITS) | end


_LOW = (1 << _BITS) - 1


def _unpack(value: int) -> tuple[int, int]:
    return value >> _BITS, value & _LOW


def _most(counts: dict[str, int] | None) -> str:
    """The most frequent value, ties to the smallest: the same whatever order documents came in."""
    return min(counts, key=lambda v: (-counts[v], v)) if counts else ""


def _count(counts: dict[str, int] | None, key: str, n: int) -> dict[str, int] | None:
    """counts[key] += n, dropping what reaches zero, so a removal leaves what a fresh build has
    (None is an empty count: most nodes have no aliases or English label)."""
    counts = counts if counts is not None else {}
    left = counts.get(key, 0) + n
    if left > 0:
        counts[key] = left
    else:
        counts.pop(key, None)
    return counts or None


class _Node:
    """What the documents said about one canonical name (which documents: see _Doc)."""

    __slots__ = ("name", "types", "aliases", "label_en", "lexicon_id", "mentions")

    def __init__(self, name: str) -> None:
        self.name = name  # the one copy every document's record refers to
        self.types: dict[str, int] = {}  # type -> mentions typed so
        self.aliases: dict[str, int] | None = None  # alias -> documents using it
        self.label_en: dict[str, int] | None = None
        self.lexicon_id: dict[str, int] | None = None
        self.mentions = 0

    def tally(self, ent: EntityInfo, sign: int) -> None:
        """Count one document's mentions in (sign 1) or out (sign -1). Runs once per entity of
        every document merged (~680k times on 55 MB): types and aliases are counted without a
        _count call each."""
        types, m = self.types, ent.mentions
        left = types.get(ent.type, 0) + sign * (m if m > 1 else 1)
        if left > 0:
            types[ent.type] = left
        else:
            types.pop(ent.type, None)
        if ent.aliases:
            counts = self.aliases if self.aliases is not None else {}
            for alias in ent.aliases:
                left = counts.get(alias, 0) + sign
                if left > 0:
                    counts[alias] = left
                else:
                    counts.pop(alias, None)
            self.aliases = counts or None
        if ent.label_en:
            self.label_en = _count(self.label_en, ent.label_en, sign)
        if ent.lexicon_id:
            self.lexicon_id = _count(self.lexicon_id, ent.lexicon_id, sign)
        self.mentions += sign * m


class _Doc:
    """One document's contribution, in arrays: a few bytes per mention and per relation."""

    __slots__ = ("names", "firsts", "first_sentences", "edges", "starts", "cited")

    def __init__(self, names: tuple[str, ...], firsts: array, first_sentences: array,
                 edges: tuple[tuple[str, str, str], ...], starts: array, cited: _Cited) -> None:
        self.names = names  # entities mentioned; firsts[i]: packed (start, end) of the first mention of names[i]
        self.firsts = firsts
        self.first_sentences = first_sentences  # ... and the start of its sentence
        self.edges = edges  # (s, p, o) of each supporting sentence; starts[i]: that sentence's start
        self.starts = starts
        self.cited = cited


class _Cited:
    """One document's cited sentences: offsets in arrays, texts as one zlib-compressed UTF-8 string
    (a sentence's text is text[start:end] of the document, so the offsets also split the texts)."""

    __slots__ = ("starts", "ends", "blob")

    def __init__(self, sentences: dict[int, tuple[int, str]]) -> None:
        order = sorted(sentences)
        self.starts = array("L", order)
        self.ends = array("L", (sentences[s][0] for s in order))
        joined = "".join(sentences[s][1] for s in order)
        self.blob = zlib.compress(joined.encode("utf-8", "surrogatepass"), 1)

    def table(self) -> dict[int, tuple[int, str]]:
        """sentence start -> (end, text)."""
        joined = zlib.decompress(self.blob).decode("utf-8", "surrogatepass")
        table, at = {}, 0
        for s, e in zip(self.starts, self.ends, strict=True):
            table[s] = (e, joined[at : at + e - s])
            at += e - s
        return table


# What one document contributes: per node name, its EntityInfo, first mention and cited sentence;
# per edge, its supporting sentences. Equal contributions make equal JSON.
_Contribution = tuple[dict[str, Any], dict[tuple[str, str, str], Any]]


def _contribution(result: DocResult, record: _Doc, table: dict[int, tuple[int, str]]) -> _Contribution:
    names = {name: (result.entities[name], packed, sentence, table[sentence])
             for name, packed, sentence in zip(record.names, record.firsts, record.first_sentences, strict=True)}
    edges: dict[tuple[str, str, str], list[Any]] = {}
    for key, start in zip(record.edges, record.starts, strict=True):
        edges.setdefault(key, []).append((start, table[start]))
    return names, edges


class GraphBuilder:
    """Accumulates DocResults (`add`), can take one out again (`remove`), and makes the graph."""

    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}
        self._nodes: dict[str, _Node] = {}
        self._edges: dict[tuple[str, str, str], int] = {}  # (s, p, o) -> supporting sentences
        self._keys: dict[tuple[str, str, str], tuple[str, str, str]] = {}  # the shared copy of each key
        self._docs: dict[str, _Doc] = {}
        self._ids: dict[tuple[str, str], str] = {}  # (name, lexicon id) -> node id, see ids()
        # Names the graph as merged: renewed (new_token) whenever a build changes it, so a
        # graph.json index or an output record (kg.export.outputs) from another graph never matches.
        self.token = ""
        self._untrack()
        self.index_path: str | None = None  # where write_node_link keeps graph.json's index (not pickled)

    def _untrack(self) -> None:
        """Set the attributes that are not part of a saved state (_TRANSIENT)."""
        self._touched: tuple[set[str], set[tuple[str, str, str]]] | None = None  # names, edges
        self._taken_out: dict[str, _Contribution] = {}  # documents removed and not added again (yet)
        self._old_ids: dict[str, str] = {}
        self._base_token = ""
        self._ids_now: dict[str, str] | None = None  # ids() until the next add or remove
        self._unnamed: list[str] = []  # names added whose node id prepare_ids has not made yet

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        for name in _TRANSIENT:
            state.pop(name, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._untrack()
        self.index_path = None

    def track(self) -> None:
        """Note from now on which nodes and edges add/remove change, so that write_node_link
        re-encodes only those and copies the rest from the graph.json this state last wrote."""
        self._touched = (set(), set())
        self._old_ids = {name: ident for (name, _), ident in self._ids.items()}
        self._base_token = self.token

    def _touch(self, now: _Contribution, before: _Contribution | None) -> None:
        """Note the nodes and edges whose JSON a document's result changed: all it names, or
        when the document was taken out and added again, those its two results differ on."""
        assert self._touched is not None
        for i, touched in enumerate(self._touched):
            a, b = now[i], before[i] if before is not None else {}
            touched.update(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))  # type: ignore[misc]

    def touched(self) -> tuple[set[str], set[tuple[str, str, str]]]:
        """The nodes and edges documents added or taken out since track() changed."""
        assert self._touched is not None
        for doc in list(self._taken_out):  # taken out for good
            self._touch(({}, {}), self._taken_out.pop(doc))
        return self._touched

    def new_token(self) -> None:
        """Call when a build changed the graph, before saving the state (see `token`)."""
        self.token = os.urandom(8).hex()

    def __contains__(self, doc_id: str) -> bool:
        return doc_id in self.documents

    def add(self, result: DocResult) -> None:
        doc = result.doc_id
        if doc in self.documents:
            raise ValueError(f"document {doc!r} is already in the graph")
        self._ids_now = None
        info = {k: v for k, v in sorted(result.meta.items()) if v}
        info.update(path=result.path, chars=result.chars)
        self.documents[doc] = info
        cited: dict[int, tuple[int, str]] = {}
        spans, texts = result.sentences, result.sentence_texts
        n_sentences = len(spans)

        def cite(sentence: int) -> int:
            if not 0 <= sentence < n_sentences:  # a speaker named only in the metadata
                cited.setdefault(0, (0, ""))
                return 0
            start, end = spans[sentence]
            if start not in cited:
                cited[start] = (end, texts[sentence])
            return start

        nodes = self._nodes
        names, firsts, first_sentences = [], array("Q"), array("Q")
        for name, ent in result.entities.items():
            node = nodes.get(name)
            if node is None:
                node = nodes[name] = _Node(name)
                self._unnamed.append(name)
            node.tally(ent, 1)
            sent, start, end = ent.first
            names.append(node.name)
            firsts.append(_pack(start, end))
            first_sentences.append(cite(sent))
        found = set()
        for rel in result.relations:  # a symmetric relation's two ends in name order: one edge
            s, p, o = rel.s, rel.p, rel.o
            if p in SYMMETRIC_PREDICATES and o < s:
                s, o = o, s
            found.add(((s, p, o), cite(rel.sentence)))
        support = sorted(found)
        edges = []
        for key, _ in support:
            key = self._keys.setdefault(key, key)  # one tuple per edge, however many documents cite it
            self._edges[key] = self._edges.get(key, 0) + 1
            edges.append(key)
        record = self._docs[doc] = _Doc(tuple(names), firsts, first_sentences, tuple(edges),
                                        array("Q", (st for _, st in support)), _Cited(cited))
        if self._touched is not None:
            self._touch(_contribution(result, record, cited), self._taken_out.pop(doc, None))

    def remove(self, result: DocResult) -> None:
        """Take out what `add(result)` put in (the result must be the one that was added)."""
        doc = result.doc_id
        if self.documents.pop(doc, None) is None:
            raise KeyError(doc)
        self._ids_now = None
        record = self._docs.pop(doc)
        if self._touched is not None:  # what it said, to tell what changed if it is added again
            self._taken_out[doc] = _contribution(result, record, record.cited.table())
        for name, ent in result.entities.items():
            node = self._nodes[name]
            node.tally(ent, -1)
            if not node.types:
                del self._nodes[name]
        for key in record.edges:
            left = self._edges[key] - 1
            if left:
                self._edges[key] = left
            else:
                del self._edges[key], self._keys[key]

    def ids(self) -> dict[str, str]:
        """canonical name -> node id. Kept with the builder (names gone are dropped), so a rebuild
        computes pinyin only for new names: for 40k names it takes seconds."""
        if self._ids_now is not None:
            return self._ids_now
        known, self._ids = self._ids, {}
        out = {}
        for name, node in self._nodes.items():
            key = (name, _most(node.lexicon_id))
            ident = known.get(key) or node_id(*key)
            self._ids[key] = out[name] = ident
        self._ids_now = out
        return out

    def ids_shared(self) -> bool:
        """Whether two names have one node id (a lexicon giving two entries one id)."""
        ids = self.ids()
        return len(set(ids.values())) < len(ids)

    def counts(self) -> tuple[int, int]:
        """Nodes and edges of the graph as it stands (two names sharing an id count twice)."""
        ids = self.ids()
        return len(ids), len(self._edge_order(ids))

    def prepare_ids(self, stop: Callable[[], bool]) -> None:
        """Make the node ids of the names added so far, until `stop()` says to, for ids() to find
        ready (kg.ids.node_id keeps them). Why: pinyin for tens of thousands of names takes
        seconds; made at the end of a build they are seconds with one core busy and one idle,
        made while this process waits for its workers they cost about half that. With none to
        make (a rebuild waiting for its edited documents), it imports pypinyin for the new names
        those will bring (~0.3 s)."""
        pending = self._unnamed
        if not pending and not stop():
            prepare_pinyin()
        while pending and not stop():
            for name in pending[-64:]:
                node = self._nodes.get(name)
                if node is not None:
                    node_id(name, _most(node.lexicon_id))
            del pending[-64:]

    def _node_attrs(self, name: str) -> dict[str, Any]:
        """A node's attributes before `docs` and `evidence` (label_en comes after them)."""
        node = self._nodes[name]
        types = node.types
        return {
            "label": name,
            "type": min(types, key=lambda t: (-types[t], _TYPE_RANK.get(t, 99), t)),
            "aliases": sorted(set(node.aliases or ()) - {name}),
            "mentions": node.mentions,
        }

    def _node_item(self, name: str, ids: dict[str, str], docs: list[str], evidence: Any) -> tuple[str, dict[str, Any]]:
        """(id, attributes) of a node of `graph()`: label_en, where known, comes after its evidence."""
        attrs = self._node_attrs(name)
        attrs.update(docs=docs, evidence=evidence)
        label_en = self._nodes[name].label_en
        if label_en:
            attrs["label_en"] = _most(label_en)
        return ids[name], attrs

    def _edge_order(self, ids: dict[str, str]) -> list[tuple[str, str, str]]:
        """The edges between nodes, in graph order: by source id, target id, predicate (NetworkX's
        adjacency order when they are added so)."""
        edges = (k for k in self._edges if k[0] in ids and k[2] in ids)
        return sorted(edges, key=lambda k: (ids[k[0]], ids[k[2]], k[1]))

    def _records(self, consume: bool) -> Iterator[tuple[str, _Doc]]:
        """Each document's record in document order, so every list made from them comes out sorted."""
        for d in sorted(self._docs):
            yield d, (self._docs.pop(d) if consume else self._docs[d])

    def _clear(self) -> None:
        self.documents, self._nodes, self._edges, self._keys, self._ids = {}, {}, {}, {}, {}
        self._ids_now = None

    def graph(self, node_evidence: int = NODE_EVIDENCE, consume: bool = False) -> nx.MultiDiGraph:
        """The graph as it stands. consume=True empties the builder as the graph grows, so the two
        never both hold everything (the pipeline saves its state first); otherwise it can go on."""
        import networkx as nx

        G = nx.MultiDiGraph()
        G.graph["documents"] = {d: self.documents[d] for d in sorted(self.documents)}
        ids = self.ids()
        docs_of: dict[str, list[str]] = {name: [] for name in self._nodes}
        node_ev: dict[str, list[dict[str, Any]]] = {name: [] for name in self._nodes}
        edge_ev: dict[tuple[str, str, str], list[dict[str, Any]]] = {key: [] for key in self._edges}
        cap = node_evidence if node_evidence > 0 else None
        for d, record in self._records(consume):
            table = record.cited.table()
            for name, packed, sentence in zip(record.names, record.firsts, record.first_sentences, strict=True):
                docs_of[name].append(d)
                evidence = node_ev[name]
                if cap is None or len(evidence) < cap:
                    start, end = _unpack(packed)
                    evidence.append({"doc": d, "sentence": table[sentence][1], "start": start, "end": end})
            for key, start in zip(record.edges, record.starts, strict=True):
                end, text = table[start]
                edge_ev[key].append({"doc": d, "sentence": text, "start": start, "end": end})

        def edges() -> Iterator[tuple[str, str, str, dict[str, Any]]]:
            for s, p, o in self._edge_order(ids):
                ev = edge_ev.pop((s, p, o))
                yield ids[s], ids[o], p, {"predicate": p, "weight": len(ev), "evidence": ev}

        G.add_nodes_from(self._node_item(name, ids, docs_of.pop(name), node_ev.pop(name))
                         for name in sorted(self._nodes, key=lambda name: (ids[name], name)))
        G.add_edges_from(edges())
        if consume:
            self._clear()
        return G

    def write_node_link(self, path: str | os.PathLike[str], node_evidence: int = NODE_EVIDENCE,
                        graph_attrs: dict[str, Any] | None = None, consume: bool = False) -> tuple[int, int]:
        """Write graph.json: the bytes kg.export.nodelink.write(G) writes, G being `graph()` with
        `graph_attrs` added to G.graph, without making G. Returns (nodes, edges).

        Why: G holds every evidence sentence of the corpus as a dict, several times what the
        builder holds. Here each evidence item is encoded once, in document order, into a temporary
        file beside `path`, and read back (os.pread: the page cache, not this process, holds it)
        when its node or edge is written; memory holds two offsets per item."""
        from . import graphjson

        out = graphjson.write(self, path, node_evidence, graph_attrs, consume, keep=False)
        assert isinstance(out, tuple)
        return out

    def write_node_link_and_graph(self, path: str | os.PathLike[str], node_evidence: int = NODE_EVIDENCE,
                                  graph_attrs: dict[str, Any] | None = None) -> nx.MultiDiGraph:
        """write_node_link, then the graph (consuming the builder), whose `evidence` values are
        SpilledEvidence: sequences of the same dicts, read back from the spill file when used. For
        `kg build` writing other formats too: its graph then holds no evidence sentence."""
        from . import graphjson

        out = graphjson.write(self, path, node_evidence, graph_attrs, True, keep=True)
        assert not isinstance(out, tuple)
        return out
