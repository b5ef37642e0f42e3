"""graph.gexf and graph.graphml: types, Chinese labels and colours survive graphology-gexf (Gephi
Lite's importer), networkx and igraph; the files are byte-for-byte deterministic."""

from __future__ import annotations

import networkx as nx
import pytest
from nodejs import run_node

from kg.export import gexf, graphml
from kg.export.palette import node_size, predicate_style, rgb, type_style


@pytest.fixture
def files(sample_graph, tmp_path):
    gexf.write(sample_graph, tmp_path / "graph.gexf")
    graphml.write(sample_graph, tmp_path / "graph.graphml")
    return tmp_path / "graph.gexf", tmp_path / "graph.graphml"


def test_gexf_graphology(sample_graph, files):
    g = run_node("read_gexf.mjs", files[0])
    assert g["type"] == "directed" and g["multi"] is True
    nodes = {n["key"]: n for n in g["nodes"]}
    assert set(nodes) == set(sample_graph.nodes)
    for n, d in sample_graph.nodes(data=True):
        got = nodes[n]
        assert got["label"] == d["label"] and got["type"] == d["type"]
        assert got["color"] == "rgba({},{},{},1.0)".format(*rgb(type_style(d["type"]).color))
        assert got["size"] == node_size(d["mentions"]) and got["mentions"] == d["mentions"]
        assert got["docs"] == ";".join(d["docs"]) and got["aliases"] == ";".join(d["aliases"])
        assert got.get("label_en") == d.get("label_en")
    assert nodes["acftu"]["label"] == "全国总工会"
    edges = {(e["source"], e["label"], e["target"]): e for e in g["edges"]}
    assert len(edges) == sample_graph.number_of_edges()
    for u, v, k, d in sample_graph.edges(keys=True, data=True):
        assert edges[(u, k, v)]["weight"] == d["weight"]
        assert edges[(u, k, v)]["color"] == "rgba({},{},{},1.0)".format(*rgb(predicate_style(k).color))


def test_gexf_networkx(sample_graph, files):
    H = nx.read_gexf(files[0])
    assert H.is_directed() and H.is_multigraph()
    for n, d in sample_graph.nodes(data=True):
        got = H.nodes[n]
        assert got["label"] == d["label"] and got["type"] == d["type"] and got["mentions"] == d["mentions"]
        r, g, b = rgb(type_style(d["type"]).color)
        assert (got["viz"]["color"]["r"], got["viz"]["color"]["g"], got["viz"]["color"]["b"]) == (r, g, b)
    assert H.nodes["acftu"]["type_zh"] == "工会组织"
    assert H.nodes["acftu"]["aliases"].split(";") == ["ACFTU", "中华全国总工会"]
    preds = sorted((u, d["label"], v, d["weight"]) for u, v, d in H.edges(data=True))
    assert preds == sorted((u, k, v, d["weight"]) for u, v, k, d in sample_graph.edges(keys=True, data=True))


def test_graphml_networkx(sample_graph, files):
    H = nx.read_graphml(files[1])
    assert H.is_directed() and H.is_multigraph()
    assert H.graph["rules_version"] == "test"
    for n, d in sample_graph.nodes(data=True):
        got = H.nodes[n]
        assert got["label"] == d["label"] and got["type"] == d["type"]
        assert got["color"] == type_style(d["type"]).color and got["mentions"] == d["mentions"]
    edges = {k: d for _, _, k, d in H.edges(keys=True, data=True)}
    assert edges["acftu~establishes~tuijinchanyegongrenduiwujianshegaigexiet-f05e4d"]["predicate"] == "establishes"
    assert {d["docs"] for d in edges.values()} == {"doc_a", "doc_b"}


def test_graphml_igraph(sample_graph, files):
    ig = pytest.importorskip("igraph")
    g = ig.Graph.Read_GraphML(str(files[1]))
    assert g.is_directed() and g.vcount() == sample_graph.number_of_nodes()
    assert g.ecount() == sample_graph.number_of_edges()
    by_id = {v["id"]: v for v in g.vs}
    for n, d in sample_graph.nodes(data=True):
        v = by_id[n]
        assert v["label"] == d["label"] and v["type"] == d["type"] and v["color"] == type_style(d["type"]).color
        assert int(v["mentions"]) == d["mentions"]  # igraph reads GraphML integers as floats
    assert sorted(g.es["predicate"]) == sorted(k for _, _, k in sample_graph.edges(keys=True))


def test_deterministic(sample_graph, files, tmp_path):
    gexf.write(nx.MultiDiGraph(sample_graph), tmp_path / "again.gexf")
    graphml.write(nx.MultiDiGraph(sample_graph), tmp_path / "again.graphml")
    assert (tmp_path / "again.gexf").read_bytes() == files[0].read_bytes()
    assert (tmp_path / "again.graphml").read_bytes() == files[1].read_bytes()
    assert b"lastmodifieddate" not in files[0].read_bytes()
    assert b"networkx_key" not in files[0].read_bytes()
