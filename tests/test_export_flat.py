"""kg.export.flat: the GEXF and GraphML copies made in one pass read each edge's evidence once."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from kg.export.flat import EdgeDocs, flat_graph, flat_graphs


class CountingEvidence(Sequence[dict[str, Any]]):
    """An evidence list that counts the items read (as kg.graphjson.SpilledEvidence decodes each from disk)."""

    reads = 0

    def __init__(self, items: list[dict[str, Any]]) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i):  # type: ignore[no-untyped-def]
        CountingEvidence.reads += 1
        return self.items[i]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for item in self.items:
            CountingEvidence.reads += 1
            yield item


def test_flat_graphs_are_each_flat_graph_and_read_evidence_once(sample_graph):
    expected = [flat_graph(sample_graph, viz=True), flat_graph(sample_graph, viz=False)]
    items = 0
    for _, _, d in sample_graph.edges(data=True):
        d["evidence"] = CountingEvidence(list(d["evidence"]))
        items += len(d["evidence"])
    CountingEvidence.reads = 0
    copies = flat_graphs(sample_graph, (True, False))
    assert CountingEvidence.reads == items
    for H, E in zip(copies, expected, strict=True):
        assert H.graph == E.graph
        assert list(H.nodes(data=True)) == list(E.nodes(data=True))
        assert list(H.edges(keys=True, data=True)) == list(E.edges(keys=True, data=True))
        for (_, a), (_, b) in zip(H.nodes(data=True), E.nodes(data=True), strict=True):
            assert list(a) == list(b)  # attribute order is the files' column order
    assert copies[0].nodes["acftu"]["viz"] is not copies[1].nodes["acftu"].get("viz")
    assert "viz" in copies[0].nodes["acftu"] and "color" in copies[1].nodes["acftu"]


def test_rdf_pass_gives_the_flat_copies_each_edges_documents(sample_graph, tmp_path):
    from kg.export import export_from, rdf
    from kg.export.flat import edge_docs

    found = EdgeDocs()
    rdf.write_many(sample_graph, {"nt": tmp_path / "graph.nt"}, edge_docs=found)
    edges = list(sample_graph.edges(keys=True, data=True))
    assert [found.get(i, (u, v, k)) for i, (u, v, k, _) in enumerate(edges)] == [edge_docs(d) for *_, d in edges]
    assert found.get(0, ("not", "the", "edge")) is None and found.get(len(edges), edges[0][:3]) is None
    expected = [flat_graph(sample_graph, viz=True), flat_graph(sample_graph, viz=False)]
    for _, _, d in sample_graph.edges(data=True):
        d["evidence"] = CountingEvidence(list(d["evidence"]))
    CountingEvidence.reads = 0
    copies = flat_graphs(sample_graph, (True, False), found)
    assert CountingEvidence.reads == 0
    for H, E in zip(copies, expected, strict=True):
        assert list(H.edges(keys=True, data=True)) == list(E.edges(keys=True, data=True))
    # a document id that is not a string sorts differently as one: left to flat_graphs
    sample_graph.add_edge("acftu", "acftu", key="leads", predicate="leads",
                          evidence=[{"doc": 10, "sentence": "x", "start": 0, "end": 1},
                                    {"doc": 2, "sentence": "y", "start": 0, "end": 1}])
    found = EdgeDocs()
    rdf.write_many(sample_graph, {"nt": tmp_path / "graph.nt"}, edge_docs=found)
    edges = list(sample_graph.edges(keys=True, data=True))
    docs = [found.get(i, (u, v, k)) for i, (u, v, k, _) in enumerate(edges)]
    unknown = [(u, v, k) for (u, v, k, _), ds in zip(edges, docs, strict=True) if ds is None]
    assert unknown == [("acftu", "acftu", "leads")]
    assert [ds for ds in docs if ds is not None] == [edge_docs(d) for u, v, k, d in edges if u != v]
    assert flat_graph(sample_graph, viz=False).edges["acftu", "acftu", "acftu~leads~acftu"]["docs"] == "2;10"
    # and export_from passes them along: its files are those of each writer alone
    from kg.export import EXPORTERS, gexf, graphml

    gexf.write(sample_graph, tmp_path / "alone.gexf")
    graphml.write(sample_graph, tmp_path / "alone.graphml")
    written, _, _ = export_from(lambda: sample_graph, tmp_path / "from", [f for f in EXPORTERS if f != "json"])
    assert {p.name for p in written} >= {"graph.gexf", "graph.graphml", "graph.nt"}
    for fmt in ("gexf", "graphml"):
        assert (tmp_path / "from" / f"graph.{fmt}").read_bytes() == (tmp_path / f"alone.{fmt}").read_bytes()
