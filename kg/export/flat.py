"""The graph with flat attributes, as GEXF and GraphML need it.

Both formats take only scalar attribute values (networkx's GEXF writer reads a list as dynamic
data, its GraphML writer raises), so lists become `;`-joined strings and evidence becomes the
list of supporting documents. Edge keys become unique ids (`source~predicate~target`): GraphML
and GEXF both want an edge id unique in the file, and the predicate key alone repeats.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import networkx as nx

from .palette import node_size, predicate_style, rgb, type_style

SEP = ";"


def _join(values: Any) -> str:
    return SEP.join(str(v) for v in values or ())


def edge_docs(data: dict[str, Any]) -> list[str]:
    """Documents that support an edge, sorted, each once."""
    return sorted({ev["doc"] for ev in data.get("evidence", ())})


def flat_graph(G: nx.MultiDiGraph, *, viz: bool) -> nx.MultiDiGraph:
    """A copy of `G` with scalar attributes only; `viz` adds GEXF's viz dict, otherwise colour and
    size are plain `color` ("#rrggbb") and `size` attributes that Cytoscape or yEd can map."""
    return flat_graphs(G, (viz,))[0]


def flat_graphs(G: nx.MultiDiGraph, vizes: Sequence[bool]) -> list[nx.MultiDiGraph]:
    """`flat_graph(G, viz=v)` for each v of `vizes`, made in one pass over `G`.

    Why: an edge's documents come from its evidence, which in a build's graph is decoded from disk
    item by item (kg.graph.SpilledEvidence): the copies for GEXF and GraphML made one after the
    other read it twice, and that was most of their time."""
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
    for u, v, key, d in G.edges(keys=True, data=True):
        predicate = d.get("predicate", key)
        style = predicate_style(predicate)
        base = {
            "label": predicate,
            "predicate": predicate,
            "predicate_zh": style.zh,
            "weight": int(d.get("weight", 1)),
            "docs": _join(edge_docs(d)),
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
