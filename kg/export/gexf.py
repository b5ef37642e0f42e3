"""GEXF (`graph.gexf`) for Gephi and Gephi Lite: typed, labelled and coloured as in graph.html.

Nodes carry label (Chinese), type, type_zh, label_en, aliases, mentions, docs and a viz colour
and size from kg.export.palette; edges carry label = predicate, weight = supporting sentences,
docs, and the predicate's colour.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx
from networkx.readwrite.gexf import GEXFWriter

from ..atomic import atomic_open
from .flat import flat_graph


class _Writer(GEXFWriter):
    """networkx's writer minus what breaks byte-identical output or adds noise: the
    `lastmodifieddate` (today's date) and the `networkx_key` column (the edge id already says it)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        meta = self.xml.find("meta")
        if meta is not None:
            meta.attrib.pop("lastmodifieddate", None)

    def add_attributes(self, node_or_edge: str, xml_obj: Any, data: dict, default: dict) -> dict:
        data.pop("key", None)
        return super().add_attributes(node_or_edge, xml_obj, data, default)


def write(G: nx.MultiDiGraph, path: str | Path, **_: Any) -> None:
    write_flat(flat_graph(G, viz=True), path)


def write_flat(H: nx.MultiDiGraph, path: str | Path) -> None:
    """Write `flat_graph(G, viz=True)` (kg.export.export_from makes it, then drops G, then writes)."""
    for _, _, key, d in H.edges(keys=True, data=True):
        d["id"] = key  # GEXF's edge id; networkx reads it back as the multigraph key
    writer = _Writer(encoding="utf-8", prettyprint=True, version="1.2draft")
    writer.add_graph(H)
    with atomic_open(path, "wb") as fh:
        writer.write(fh)
