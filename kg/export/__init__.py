"""Exporters, one module per format (like networkx.readwrite): `write(G, path, **options)`.

Every writer is deterministic (same graph, same bytes) and atomic (see kg.atomic).
`kg build` writes every format listed here into the output folder.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # `kg build --formats json` imports this module and never needs networkx (~20 MB)
    import networkx as nx

    from ..graph import GraphBuilder

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


# Formats written from kg.export.flat's copy of the graph (scalar attributes, no evidence sentences),
# last in EXPORTERS: export_from drops the graph before writing them.
FLAT_FORMATS = {"gexf": True, "graphml": False}  # format -> flat_graph's viz


def _wanted(formats: Iterable[str] | None) -> list[str]:
    """The formats asked for (None: all), in EXPORTERS order."""
    return list(EXPORTERS) if formats is None else [f for f in EXPORTERS if f in set(formats)]


def writer(fmt: str) -> Callable[..., None]:
    module, func = EXPORTERS[fmt][1].split(":")
    return getattr(importlib.import_module(module), func)


def export_all(
    G: nx.MultiDiGraph, out_dir: str | Path, formats: Iterable[str] | None = None, **options: Any
) -> list[Path]:
    """Write each format into `out_dir`; returns the paths written, in EXPORTERS order."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    wanted = _wanted(formats)
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


def export_from(
    make_graph: Callable[[], nx.MultiDiGraph], out_dir: str | Path, formats: Iterable[str] | None = None,
    **options: Any,
) -> tuple[list[Path], int, int]:
    """export_all of the graph `make_graph()` returns, which nothing else may hold; returns the paths
    written (EXPORTERS order) and the graph's node and edge counts.

    Why: the graph, with every evidence sentence, is most of a build's memory, and GEXF and GraphML
    need none of it: once the other formats are written, their flat copies are made and the graph
    is cleared before networkx builds their XML trees, so the graph and the trees are never both
    in memory (`kg build`)."""
    from .flat import EdgeDocs, flat_graphs

    wanted = _wanted(formats)
    flat = [f for f in wanted if f in FLAT_FORMATS]
    assert list(EXPORTERS)[-len(FLAT_FORMATS):] == list(FLAT_FORMATS)  # so `written` keeps EXPORTERS order
    G = make_graph()
    # the RDF writer reads every edge's evidence anyway: it keeps the edges' documents for the flat copies
    edge_docs = EdgeDocs()
    written = export_all(G, out_dir, [f for f in wanted if f not in flat], **options,
                         **({"edge_docs": edge_docs} if flat else {}))
    nodes, edges = G.number_of_nodes(), G.number_of_edges()
    copies = dict(zip(flat, flat_graphs(G, [FLAT_FORMATS[f] for f in flat], edge_docs), strict=True))
    del edge_docs
    G.clear()  # frees the evidence now, whatever still refers to G
    del G
    for fmt in flat:
        path = Path(out_dir) / EXPORTERS[fmt][0]
        module = importlib.import_module(EXPORTERS[fmt][1].split(":")[0])
        module.write_flat(copies.pop(fmt), path)
        written.append(path)
    return written, nodes, edges


def export_build(
    builder: GraphBuilder, out_dir: str | Path, formats: Iterable[str] | None, node_evidence: int,
    graph_attrs: dict[str, Any], record: str | None = None, **options: Any,
) -> tuple[list[Path], list[Path], int, int]:
    """Write a build's formats from its merge (what `kg build` does); consumes `builder`. Returns
    the paths written and the paths kept as they were (kg.export.outputs, whose record of the
    files written is at `record`: already what this merge writes), in EXPORTERS order, and the
    graph's node and edge counts.

    Why not `export_all(builder.graph())`: a graph holding every evidence sentence was a build's
    memory peak. graph.json alone is written straight from the merge; with other formats, the
    graph they read keeps its evidence in graph.json's spill file (or, without graph.json, is
    made and handed to export_from, which drops it before GEXF and GraphML)."""
    import gc

    from .outputs import Outputs

    out = Path(out_dir)
    wanted = _wanted(formats)
    paths = {f: out / EXPORTERS[f][0] for f in wanted}
    outputs = None
    if record is not None and not builder.ids_shared():  # else NetworkX merges nodes
        outputs = Outputs(record, builder.token,
                          {"node_evidence": node_evidence, "graph": graph_attrs, "options": options})
    kept = [f for f in wanted if outputs is not None and outputs.fresh(f, paths[f])]
    if kept and any(f not in kept for f in wanted if f != "json"):
        kept = [f for f in kept if f != "json"]  # the other formats read their graph from graph.json's pass
    if len(kept) == len(wanted):
        return [], [paths[f] for f in kept], *builder.counts()
    wanted = [f for f in wanted if f not in kept]
    others = [f for f in wanted if f != "json"]
    json_path = paths.get("json", out / EXPORTERS["json"][0])
    written: list[Path] = []
    if "json" in wanted and not others:
        nodes, edges = builder.write_node_link(json_path, node_evidence, graph_attrs, consume=True)
        written = [json_path]
    else:
        def make_graph() -> nx.MultiDiGraph:
            if "json" in wanted:
                G = builder.write_node_link_and_graph(json_path, node_evidence, graph_attrs)
                written.append(json_path)
            else:
                G = builder.graph(node_evidence, consume=True)
                G.graph.update(graph_attrs)
            gc.freeze()  # the graph lives until its formats are written: the GC need not re-scan it meanwhile
            return G

        rest, nodes, edges = export_from(make_graph, out_dir, others, **options)
        written += rest
    if outputs is not None:
        outputs.wrote({f: paths[f] for f in wanted})
    return written, [paths[f] for f in kept], nodes, edges
