"""NetworkX node-link JSON (`graph.json`): the build's primary output, read by `kg eval`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx

from ..atomic import atomic_write_text


def to_data(G: nx.MultiDiGraph) -> dict[str, Any]:
    return nx.node_link_data(G, edges="edges")


def dumps(G: nx.MultiDiGraph) -> str:
    return json.dumps(to_data(G), ensure_ascii=False, indent=1, sort_keys=False) + "\n"


def write(G: nx.MultiDiGraph, path: str | Path, **_: Any) -> None:
    atomic_write_text(path, dumps(G))


def read(path: str | Path) -> nx.MultiDiGraph:
    """Load a graph.json written by `write` (the inverse used by query, view and tests)."""
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    return nx.node_link_graph(data, directed=True, multigraph=True, edges="edges")
