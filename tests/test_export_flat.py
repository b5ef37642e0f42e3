"""kg.export.flat: the GEXF and GraphML copies made in one pass read each edge's evidence once."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from kg.export.flat import flat_graph, flat_graphs


class CountingEvidence(Sequence[dict[str, Any]]):
    """An evidence list that counts the items read (as kg.graph.SpilledEvidence decodes each from disk)."""

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
