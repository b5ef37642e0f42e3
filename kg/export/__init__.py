"""Exporters, one module per format (like networkx.readwrite): `write(G, path, **options)`.

Every writer is deterministic (same graph, same bytes) and atomic (see kg.atomic).
`kg build` writes every format listed here into the output folder.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import networkx as nx

# format name -> (file name, "module:function")
EXPORTERS: dict[str, tuple[str, str]] = {
    "json": ("graph.json", "kg.export.nodelink:write"),
    "ttl": ("graph.ttl", "kg.export.rdf:write_turtle"),
    "nt": ("graph.nt", "kg.export.rdf:write_ntriples"),
    "jsonld": ("graph.jsonld", "kg.export.rdf:write_jsonld"),
    "html": ("graph.html", "kg.export.html:write"),
    "gexf": ("graph.gexf", "kg.export.gexf:write"),
    "graphml": ("graph.graphml", "kg.export.graphml:write"),
}


RDF_FORMATS = ("ttl", "nt", "jsonld")  # = kg.export.rdf.RDF_FORMATS (not imported: pyoxigraph loads only if used)


def writer(fmt: str) -> Callable[..., None]:
    module, func = EXPORTERS[fmt][1].split(":")
    return getattr(importlib.import_module(module), func)


def export_all(
    G: nx.MultiDiGraph, out_dir: str | Path, formats: Iterable[str] | None = None, **options: Any
) -> list[Path]:
    """Write each format into `out_dir`; returns the paths written, in EXPORTERS order."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    wanted = list(EXPORTERS) if formats is None else [f for f in EXPORTERS if f in set(formats)]
    together = [f for f in wanted if f in RDF_FORMATS]  # one pass over the RDF groups writes them all
    written = []
    for fmt in wanted:
        path = out / EXPORTERS[fmt][0]
        if fmt not in together:
            writer(fmt)(G, path, **options)
        elif fmt == together[0]:
            from .rdf import write_many

            write_many(G, {f: out / EXPORTERS[f][0] for f in together}, **options)
        written.append(path)
    return written
