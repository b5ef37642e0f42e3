"""The build: load corpus -> extract each document -> merge into a graph.

The orchestration (parallel processes, streaming batches, cache, Dask) lives here; the
per-document work is `kg.extract.extract`, a pure function of (Document, Rules).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import networkx as nx

from .corpus import iter_documents
from .extract import extract
from .graph import GraphBuilder
from .model import LoadError
from .rules import Rules, load_rules


@dataclass
class BuildResult:
    graph: nx.MultiDiGraph
    errors: list[LoadError] = field(default_factory=list)
    documents: int = 0


def run_build(
    inputs: Iterable[str],
    *,
    rules: Rules | None = None,
    progress: bool = False,
) -> BuildResult:
    rules = rules or load_rules()
    builder = GraphBuilder()
    errors: list[LoadError] = []
    n = 0
    for item in iter_documents(inputs):
        if isinstance(item, LoadError):
            errors.append(item)
            continue
        builder.add(extract(item, rules))
        n += 1
    G = builder.graph()
    G.graph["rules_version"] = rules.version
    return BuildResult(G, errors, n)
