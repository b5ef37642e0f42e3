"""GraphML (`graph.graphml`) for igraph, Cytoscape, yEd and Gephi: the GEXF's attributes without
GEXF's viz block (GraphML has none), with colour and size as plain `color`/`size` attributes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx

from ..atomic import atomic_open
from .flat import flat_graph


def write(G: nx.MultiDiGraph, path: str | Path, **_: Any) -> None:
    write_flat(flat_graph(G, viz=False), path)


def write_flat(H: nx.MultiDiGraph, path: str | Path) -> None:
    """Write `flat_graph(G, viz=False)` (kg.export.export_from makes it, then drops G, then writes)."""
    with atomic_open(path, "wb") as fh:
        # Key ids stay d0, d1...: named ids would repeat (node and edge both have `label`, `docs`).
        nx.write_graphml(H, fh, encoding="utf-8")
