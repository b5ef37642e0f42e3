"""NetworkX node-link JSON (`graph.json`): the build's primary output, read by `kg eval`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx

from ..atomic import atomic_open


def to_data(G: nx.MultiDiGraph) -> dict[str, Any]:
    return nx.node_link_data(G, edges="edges")


def dumps(G: nx.MultiDiGraph) -> str:
    """The exact text `write` puts in graph.json (one line: the C encoder, 3x faster than indented)."""
    return json.dumps(to_data(G), ensure_ascii=False) + "\n"


def write(G: nx.MultiDiGraph, path: str | Path, **_: Any) -> None:
    """Write exactly `dumps(G)`, one node or edge at a time: a whole-archive graph never exists as
    one string in memory, and each piece goes through the C encoder (`json.dump` would use the
    pure-Python one, 10x slower)."""
    encode = json.JSONEncoder(ensure_ascii=False).encode
    with atomic_open(path, "w") as fh:
        fh.write(f'{{"directed": {encode(G.is_directed())}, "multigraph": {encode(G.is_multigraph())}, '
                 f'"graph": {encode(G.graph)}, "nodes": [')
        sep = ""
        for n, d in G.nodes(data=True):
            fh.write(sep + encode({**d, "id": n}))
            sep = ", "
        fh.write('], "edges": [')
        sep = ""
        for u, v, k, d in G.edges(keys=True, data=True):
            fh.write(sep + encode({**d, "source": u, "target": v, "key": k}))
            sep = ", "
        fh.write("]}\n")


def read(path: str | Path) -> nx.MultiDiGraph:
    """Load a graph.json written by `write` (the inverse used by query, view and tests)."""
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    return nx.node_link_graph(data, directed=True, multigraph=True, edges="edges")
