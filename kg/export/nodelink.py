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
    data = to_data(G)  # shallow: new dicts per node and edge, the attribute values are shared
    with atomic_open(path, "w") as fh:
        for i, (key, value) in enumerate(data.items()):
            fh.write(("{" if i == 0 else ", ") + encode(key) + ": ")
            if isinstance(value, list):
                fh.write("[")
                for j, item in enumerate(value):
                    fh.write((", " if j else "") + encode(item))
                fh.write("]")
            else:
                fh.write(encode(value))
        fh.write("}\n")


def read(path: str | Path) -> nx.MultiDiGraph:
    """Load a graph.json written by `write` (the inverse used by query, view and tests)."""
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    return nx.node_link_graph(data, directed=True, multigraph=True, edges="edges")
