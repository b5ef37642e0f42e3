"""The graph with flat attributes, as GEXF and GraphML need it.

Both formats take only scalar attribute values (networkx's GEXF writer reads a list as dynamic
data, its GraphML writer raises), so lists become `;`-joined strings and evidence becomes the
list of supporting documents. Edge keys become unique ids (`source~predicate~target`): GraphML
and GEXF both want an edge id unique in the file, and the predicate key alone repeats.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from typing import Any

import networkx as nx

from .palette import node_size, predicate_style, rgb, type_style

SEP = ";"


def _join(values: Any) -> str:
    return SEP.join(str(v) for v in values or ())


def edge_docs(data: dict[str, Any]) -> list[str]:
    """Documents that support an edge, sorted, each once."""
    return sorted({ev["doc"] for ev in data.get("evidence", ())})


class EdgeDocs:
    """Each edge's documents (edge_docs), recorded in `G.edges` order by a writer that reads every
    edge's evidence anyway (kg.export.rdf), for flat_graphs to use instead of reading it again.

    Kept in flat arrays: small objects made during that pass and kept after it would hold on to
    the memory of everything freed around them (tens of MB on a whole archive)."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self._ids: dict[str, int] = {}
        self._hashes = array("q")  # hash of (u, v, key), to check it is the same edge
        self._ends = array("q")  # where each edge's document numbers end in _docs
        self._known = array("b")  # 0: not recorded (flat_graphs reads them)
        self._docs = array("q")

    def add(self, edge: tuple[Any, Any, Any], docs: Iterable[str] | None) -> None:
        """The next edge's documents, sorted (None: unknown, flat_graphs reads them)."""
        self._hashes.append(hash(edge))
        self._known.append(docs is not None)
        for d in docs or ():
            k = self._ids.get(d)
            if k is None:
                k = self._ids[d] = len(self.names)
                self.names.append(d)
            self._docs.append(k)
        self._ends.append(len(self._docs))

    def get(self, i: int, edge: tuple[Any, Any, Any]) -> list[str] | None:
        """The documents of the `i`-th edge, if recorded for that edge."""
        if i >= len(self._hashes) or self._hashes[i] != hash(edge) or not self._known[i]:
            return None
        names = self.names
        return [names[k] for k in self._docs[self._ends[i - 1] if i else 0:self._ends[i]]]


def flat_graph(G: nx.MultiDiGraph, *, viz: bool) -> nx.MultiDiGraph:
    """A copy of `G` with scalar attributes only; `viz` adds GEXF's viz dict, otherwise colour and
    size are plain `color` ("#rrggbb") and `size` attributes that Cytoscape or yEd can map."""
    return flat_graphs(G, (viz,))[0]


def flat_graphs(G: nx.MultiDiGraph, vizes: Sequence[bool], known_docs: EdgeDocs | None = None) -> list[nx.MultiDiGraph]:
    """`flat_graph(G, viz=v)` for each v of `vizes`, made in one pass over `G`; `known_docs`: the
    edges' documents as the RDF writer found them.

    Why: an edge's documents come from its evidence, which in a build's graph is decoded from disk
    item by item (kg.graphjson.SpilledEvidence): the copies for GEXF and GraphML made one after the
    other read it twice, and that was most of their time; after the RDF pass, not at all."""
    copies = [nx.MultiDiGraph() for _ in vizes]
    for H in copies:
        if G.graph.get("rules_version"):
            H.graph["rules_version"] = str(G.graph["rules_version"])
    for n, d in G.nodes(data=True):
        style = type_style(d.get("type", ""))
        size = node_size(d.get("mentions", 0))
        base: dict[str, Any] = {
            "label": d.get("label", n),
            "type": d.get("type", ""),
            "type_zh": style.zh,
        }
        if d.get("label_en"):
            base["label_en"] = d["label_en"]
        base.update(
            aliases=_join(d.get("aliases")),
            mentions=int(d.get("mentions", 0)),
            docs=_join(d.get("docs")),
        )
        for H, viz in zip(copies, vizes, strict=True):
            attrs = dict(base)
            if viz:
                r, g, b = rgb(style.color)
                attrs["viz"] = {"color": {"r": r, "g": g, "b": b, "a": 1.0}, "size": size}
            else:
                attrs.update(color=style.color, size=size)
            H.add_node(n, **attrs)
    for i, (u, v, key, d) in enumerate(G.edges(keys=True, data=True)):
        predicate = d.get("predicate", key)
        style = predicate_style(predicate)
        base = {
            "label": predicate,
            "predicate": predicate,
            "predicate_zh": style.zh,
            "weight": int(d.get("weight", 1)),
            "docs": _join(docs if known_docs is not None and (docs := known_docs.get(i, (u, v, key))) is not None
                          else edge_docs(d)),
        }
        for H, viz in zip(copies, vizes, strict=True):
            attrs = dict(base)
            if viz:
                r, g, b = rgb(style.color)
                attrs["viz"] = {"color": {"r": r, "g": g, "b": b, "a": 1.0}}
            else:
                attrs["color"] = style.color
            H.add_edge(u, v, key=f"{u}~{predicate}~{v}", **attrs)
    return copies
