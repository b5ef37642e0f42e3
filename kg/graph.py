"""Merge per-document results into one typed `nx.MultiDiGraph`.

The merge is order-independent (everything is sorted when the graph is made), so a parallel
or cached build gives byte-identical output to a serial one.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import networkx as nx

from .ids import node_id
from .model import ENTITY_TYPES, SYMMETRIC_PREDICATES, DocResult

_TYPE_RANK = {t: i for i, t in enumerate(ENTITY_TYPES)}


class GraphBuilder:
    """Accumulates DocResults one at a time; memory grows with the graph, not the corpus."""

    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}
        self._types: dict[str, Counter[str]] = defaultdict(Counter)
        self._aliases: dict[str, set[str]] = defaultdict(set)
        self._label_en: dict[str, str] = {}
        self._lexicon_id: dict[str, str] = {}
        self._mentions: Counter[str] = Counter()
        self._node_evidence: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        # (s, p, o) -> {(doc, start): evidence}
        self._edges: dict[tuple[str, str, str], dict[tuple[str, int], dict[str, Any]]] = defaultdict(dict)

    def add(self, result: DocResult) -> None:
        doc = result.doc_id
        info = {k: v for k, v in sorted(result.meta.items()) if v}
        info.update(path=result.path, chars=result.chars)
        self.documents[doc] = info
        for name, ent in result.entities.items():
            self._types[name][ent.type] += max(ent.mentions, 1)
            self._aliases[name] |= ent.aliases
            if ent.label_en:
                self._label_en.setdefault(name, ent.label_en)
            if ent.lexicon_id:
                self._lexicon_id.setdefault(name, ent.lexicon_id)
            self._mentions[name] += ent.mentions
            sent, start, end = ent.first
            self._node_evidence[name][doc] = {
                "doc": doc,
                "sentence": result.sentence_texts[sent] if result.sentence_texts else "",
                "start": start,
                "end": end,
            }
        for rel in result.relations:
            s, o = rel.s, rel.o
            if rel.p in SYMMETRIC_PREDICATES and o < s:
                s, o = o, s
            start, end = result.sentences[rel.sentence]
            self._edges[(s, rel.p, o)][(doc, start)] = {
                "doc": doc,
                "sentence": result.sentence_texts[rel.sentence],
                "start": start,
                "end": end,
            }

    def _type_of(self, name: str) -> str:
        counts = self._types[name]
        return min(counts, key=lambda t: (-counts[t], _TYPE_RANK.get(t, 99)))

    def graph(self) -> nx.MultiDiGraph:
        G = nx.MultiDiGraph()
        G.graph["documents"] = {d: self.documents[d] for d in sorted(self.documents)}
        ids = {name: node_id(name, self._lexicon_id.get(name, "")) for name in self._types}
        for name in sorted(self._types, key=lambda n: ids[n]):
            evidence = [self._node_evidence[name][d] for d in sorted(self._node_evidence[name])]
            attrs: dict[str, Any] = {
                "label": name,
                "type": self._type_of(name),
                "aliases": sorted(self._aliases[name] - {name}),
                "mentions": self._mentions[name],
                "docs": [e["doc"] for e in evidence],
                "evidence": evidence,
            }
            if name in self._label_en:
                attrs["label_en"] = self._label_en[name]
            G.add_node(ids[name], **attrs)
        for s, p, o in sorted(self._edges, key=lambda k: (ids[k[0]], ids[k[2]], k[1])):
            if s not in ids or o not in ids:
                continue
            ev = [self._edges[(s, p, o)][k] for k in sorted(self._edges[(s, p, o)])]
            G.add_edge(ids[s], ids[o], key=p, predicate=p, weight=len(ev), evidence=ev)
        return G
