"""Merge per-document results into one typed `nx.MultiDiGraph`.

The builder keeps, per entity and per edge, what each document contributed, in a compact form
(packed integers, no per-mention dicts), so that

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
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import networkx as nx

from .ids import node_id
from .model import ENTITY_TYPES, NODE_EVIDENCE, SYMMETRIC_PREDICATES, DocResult

_TYPE_RANK = {t: i for i, t in enumerate(ENTITY_TYPES)}
_BITS = 32  # character offsets are packed three to an int: documents up to 4G characters


def _pack(sentence: int, start: int, end: int) -> int:
    return (sentence << (2 * _BITS)) | (start << _BITS) | end


def _unpack(value: int) -> tuple[int, int, int]:
    mask = (1 << _BITS) - 1
    return value >> (2 * _BITS), (value >> _BITS) & mask, value & mask


def _most(counts: Counter[str]) -> str:
    """The most frequent value, ties to the smallest: the same whatever order documents came in."""
    return min(counts, key=lambda v: (-counts[v], v)) if counts else ""


class _Node:
    """What the documents said about one canonical name."""

    __slots__ = ("types", "aliases", "label_en", "lexicon_id", "mentions", "first")

    def __init__(self) -> None:
        self.types: Counter[str] = Counter()
        self.aliases: Counter[str] = Counter()  # alias -> documents using it
        self.label_en: Counter[str] = Counter()
        self.lexicon_id: Counter[str] = Counter()
        self.mentions = 0
        self.first: dict[str, int] = {}  # doc -> packed (sentence start, start, end) of its first mention


class GraphBuilder:
    """Accumulates DocResults (`add`), can take one out again (`remove`), and makes the graph."""

    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}
        self._nodes: dict[str, _Node] = {}
        # (s, p, o) -> doc -> sentence starts (a tuple: usually one)
        self._edges: dict[tuple[str, str, str], dict[str, tuple[int, ...]]] = {}
        # doc -> sentence start -> (end, text), for the sentences some node or edge cites
        self._sentences: dict[str, dict[int, tuple[int, str]]] = {}
        self._ids: dict[str, str] = {}  # canonical name -> node id (pinyin is slow: computed once)

    def __contains__(self, doc_id: str) -> bool:
        return doc_id in self.documents

    def add(self, result: DocResult) -> None:
        doc = result.doc_id
        if doc in self.documents:
            raise ValueError(f"document {doc!r} is already in the graph")
        info = {k: v for k, v in sorted(result.meta.items()) if v}
        info.update(path=result.path, chars=result.chars)
        self.documents[doc] = info
        cited: dict[int, tuple[int, str]] = {}

        def cite(sentence: int) -> int:
            if not 0 <= sentence < len(result.sentences):  # a speaker named only in the metadata
                cited.setdefault(0, (0, ""))
                return 0
            start, end = result.sentences[sentence]
            if start not in cited:
                text = result.sentence_texts[sentence] if result.sentence_texts else ""
                cited[start] = (end, text)
            return start

        for name, ent in result.entities.items():
            node = self._nodes.get(name)
            if node is None:
                node = self._nodes[name] = _Node()
            node.types[ent.type] += max(ent.mentions, 1)
            node.aliases.update(ent.aliases)
            if ent.label_en:
                node.label_en[ent.label_en] += 1
            if ent.lexicon_id:
                node.lexicon_id[ent.lexicon_id] += 1
            node.mentions += ent.mentions
            sent, start, end = ent.first
            node.first[doc] = _pack(cite(sent), start, end)
        for s, p, o, sentence in self._relations(result):
            per_doc = self._edges.setdefault((s, p, o), {})
            start = cite(sentence)
            old = per_doc.get(doc, ())
            if start not in old:
                per_doc[doc] = old + (start,)
        self._sentences[doc] = cited

    def remove(self, result: DocResult) -> None:
        """Take out what `add(result)` put in (the result must be the one that was added)."""
        doc = result.doc_id
        if self.documents.pop(doc, None) is None:
            raise KeyError(doc)
        for name, ent in result.entities.items():
            node = self._nodes[name]
            node.types.subtract({ent.type: max(ent.mentions, 1)})
            node.aliases.subtract(ent.aliases)
            if ent.label_en:
                node.label_en.subtract((ent.label_en,))
            if ent.lexicon_id:
                node.lexicon_id.subtract((ent.lexicon_id,))
            node.mentions -= ent.mentions
            node.first.pop(doc, None)
            for counts in (node.types, node.aliases, node.label_en, node.lexicon_id):
                for key in [k for k, v in counts.items() if v <= 0]:
                    del counts[key]
            if not node.types:
                del self._nodes[name]
        for s, p, o, _ in self._relations(result):
            per_doc = self._edges.get((s, p, o))
            if per_doc is not None:
                per_doc.pop(doc, None)
                if not per_doc:
                    del self._edges[(s, p, o)]
        del self._sentences[doc]

    @staticmethod
    def _relations(result: DocResult) -> list[tuple[str, str, str, int]]:
        out = []
        for rel in result.relations:
            s, o = rel.s, rel.o
            if rel.p in SYMMETRIC_PREDICATES and o < s:
                s, o = o, s
            out.append((s, rel.p, o, rel.sentence))
        return out

    def _id(self, name: str) -> str:
        node = self._nodes[name]
        lexicon_id = _most(node.lexicon_id)
        key = f"{name}\0{lexicon_id}"
        ident = self._ids.get(key)
        if ident is None:
            ident = self._ids[key] = node_id(name, lexicon_id)
        return ident

    def _evidence(self, doc: str, sentence: int, start: int, end: int) -> dict[str, Any]:
        _, text = self._sentences[doc][sentence]
        return {"doc": doc, "sentence": text, "start": start, "end": end}

    def graph(self, node_evidence: int = NODE_EVIDENCE) -> nx.MultiDiGraph:
        """The graph as it stands (the builder is unchanged and can go on)."""
        G = nx.MultiDiGraph()
        G.graph["documents"] = {d: self.documents[d] for d in sorted(self.documents)}
        ids = {name: self._id(name) for name in self._nodes}
        for name in sorted(self._nodes, key=lambda n: ids[n]):
            node = self._nodes[name]
            docs = sorted(node.first)
            shown = docs[:node_evidence] if node_evidence > 0 else docs
            evidence = []
            for d in shown:
                sentence, start, end = _unpack(node.first[d])
                evidence.append(self._evidence(d, sentence, start, end))
            types = node.types
            attrs: dict[str, Any] = {
                "label": name,
                "type": min(types, key=lambda t: (-types[t], _TYPE_RANK.get(t, 99), t)),
                "aliases": sorted(set(node.aliases) - {name}),
                "mentions": node.mentions,
                "docs": docs,
                "evidence": evidence,
            }
            if node.label_en:
                attrs["label_en"] = _most(node.label_en)
            G.add_node(ids[name], **attrs)
        for s, p, o in sorted(self._edges, key=lambda k: (ids.get(k[0], ""), ids.get(k[2], ""), k[1])):
            if s not in ids or o not in ids:
                continue
            per_doc = self._edges[(s, p, o)]
            ev = []
            for d in sorted(per_doc):
                sentences = self._sentences[d]
                for start in sorted(per_doc[d]):
                    ev.append(self._evidence(d, start, start, sentences[start][0]))
            G.add_edge(ids[s], ids[o], key=p, predicate=p, weight=len(ev), evidence=ev)
        return G
