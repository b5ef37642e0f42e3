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
    """Stream the JSON into the file: a whole-archive graph never exists as one string in memory."""
    with atomic_open(path, "w") as fh:
        json.dump(to_data(G), fh, ensure_ascii=False)
        fh.write("\n")


def read(path: str | Path) -> nx.MultiDiGraph:
    """Load a graph.json written by `write` (the inverse used by query, view and tests)."""
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    return nx.node_link_graph(data, directed=True, multigraph=True, edges="edges")
