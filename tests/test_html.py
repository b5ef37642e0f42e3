"""graph.html: self-contained, escaped, deterministic; and in headless Chromium with the network
cut off it draws, settles, searches and shows tooltips without a request or a console error."""

from __future__ import annotations

import json
import re
from pathlib import Path

import networkx as nx
import pytest
from nodejs import require_chromium, run_node

from kg.export import export_all
from kg.export import html as html_export

OUTPUT = Path(__file__).resolve().parent.parent / "output"
XSS_ID = "img-src-x-onerror-alert-1-gonghui-97638f"


def node_id(G: nx.MultiDiGraph, label: str) -> str:
    return next(n for n, d in G.nodes(data=True) if d["label"] == label)


def embedded_data(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', page, re.S)
    assert m
    return json.loads(m.group(1))


# ---- the file itself


def test_self_contained(sample_graph, tmp_path):
    path = tmp_path / "graph.html"
    html_export.write(sample_graph, path)
    page = path.read_bytes().decode("utf-8")  # UTF-8 whatever the locale
    assert "全国总工会" in page  # Chinese stays readable, not \u-escaped
    # nothing to fetch: no external script, stylesheet, image, font or frame
    assert not re.search(r"<(script|link|img|iframe)[^>]*\b(src|href)=", page, re.I)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", page, re.I)
    assert "sourceMappingURL" not in page
    assert "bootstrap" not in page.lower()
    assert "default-src 'none'" in page  # and the page forbids requests anyway


def test_text_is_escaped(sample_graph):
    page = html_export.render(sample_graph).replace(html_export._vis_network_js(), "")  # core-js says "<script>"
    assert page.count("<script") == 3  # data, vis-network, our script: none from the text
    assert "<img" not in page and "<script>alert" not in page
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in page
    data = embedded_data(page)  # and the JSON still says exactly what the graph says
    labels = {n["l"] for n in data["nodes"]}
    assert "<img src=x onerror=alert(1)>工会" in labels
    assert any("<script>alert(1)</script>" in s for _, s in data["sentences"])


def test_deterministic(sample_graph, tmp_path):
    html_export.write(sample_graph, tmp_path / "a.html")
    html_export.write(nx.MultiDiGraph(sample_graph), tmp_path / "b.html")
    html_export.write(sample_graph, tmp_path / "c.html", physics_max_nodes=0)
    html_export.write(sample_graph, tmp_path / "d.html", physics_max_nodes=0)
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()
    assert (tmp_path / "c.html").read_bytes() == (tmp_path / "d.html").read_bytes()


def test_payload(sample_graph):
    data = html_export.payload(sample_graph, physics=True)
    assert len(data["nodes"]) == sample_graph.number_of_nodes()
    assert len(data["edges"]) == sample_graph.number_of_edges()
    assert all("x" not in n for n in data["nodes"])
    acftu = next(n for n in data["nodes"] if n["id"] == "acftu")
    assert acftu["en"] == "All-China Federation of Trade Unions" and acftu["al"] == ["ACFTU", "中华全国总工会"]
    assert acftu["d"] == ["doc_a", "doc_b"] and data["types"][acftu["t"]]["name"] == "Union"
    assert data["docs"]["doc_a"] == {"title": "示例一", "date": "2021-12-24", "source": "学习时报"}
    edge = next(e for e in data["edges"] if data["predicates"][e["p"]]["name"] == "establishes")
    assert data["sentences"][edge["ev"][0]][1].startswith("全国总工会会同中央组织部")
    static = html_export.payload(sample_graph, physics=False)
    assert all(isinstance(n["x"], int) and isinstance(n["y"], int) for n in static["nodes"])


def test_empty_graph_and_exporters(tmp_path):
    html_export.write(nx.MultiDiGraph(), tmp_path / "empty.html")
    assert embedded_data((tmp_path / "empty.html").read_text(encoding="utf-8"))["nodes"] == []
    G = nx.MultiDiGraph()
    G.add_node("x", label="某机构", type="NotAType", aliases=[], mentions=1, docs=[], evidence=[])
    written = export_all(G, tmp_path, formats=["html", "gexf", "graphml"])
    assert [p.name for p in written] == ["graph.html", "graph.gexf", "graph.graphml"]


# ---- in the browser


def _check_in_chromium(html: Path, shot: Path, **options: object) -> dict:
    require_chromium()
    result = run_node("check_html.mjs", html, shot, json.dumps(options))
    assert "failure" not in result, result.get("failure")
    assert result["requests"] == [], "the page tried to load something"
    assert result["errors"] == [], "console errors"
    assert result["dialogs"] == [], "text from the corpus ran as script"
    return result


def test_chromium_physics_layout(sample_graph, tmp_path):
    """Small graph: physics lays it out, then stops; tooltips and search work; nothing runs."""
    OUTPUT.mkdir(exist_ok=True)
    path = tmp_path / "graph.html"
    html_export.write(sample_graph, path)
    policy = node_id(sample_graph, "中华人民共和国工会法")
    program = node_id(sample_graph, "农民工入会集中行动")
    r = _check_in_chromium(path, OUTPUT / "test_html.png", query="工会法", hoverNode=XSS_ID,
                           hoverEdge=["acftu", program], hideType="Union")
    assert r["painted"] > 5000  # the canvas has drawn nodes
    assert r["drawnNodes"] == sample_graph.number_of_nodes()  # all of them inside the view
    assert r["physicsEnabled"] is False  # settled and stopped
    assert r["results"] and r["results"][0].startswith("中华人民共和国工会法")
    assert r["selected"] == [policy]
    assert "Trade Union Law of the PRC" in r["details"]
    # tooltips show hostile text as text
    assert r["nodeTooltip"] is not None and r["nodeTooltip"].startswith("<img src=x onerror=alert(1)>工会")
    assert "类型：工会组织（Union）" in r["nodeTooltip"] and "doc_a《示例一》" in r["nodeTooltip"]
    assert r["edgeTooltip"] is not None and "开展（launches）" in r["edgeTooltip"]
    assert "<script>alert(1)</script>" in r["edgeTooltip"]
    # the type filter hides the two unions
    assert r["visibleBefore"] - r["visibleAfterHide"] == 2
    assert r["imgElements"] == 0 and r["scriptElements"] == 3
    assert (OUTPUT / "test_html.png").stat().st_size > 10_000


def test_chromium_precomputed_layout(sample_graph, tmp_path):
    """The big-graph path (positions from Python, physics off), searched in English."""
    path = tmp_path / "graph.html"
    html_export.write(sample_graph, path, physics_max_nodes=0)
    xi = node_id(sample_graph, "习近平")
    r = _check_in_chromium(path, OUTPUT / "test_html_static.png", query="Xi Jinping")
    assert r["painted"] > 5000 and r["drawnNodes"] == sample_graph.number_of_nodes()
    assert r["physicsEnabled"] is False
    assert r["selected"] == [xi]


@pytest.mark.parametrize("query", ["总书记", "acftu"])
def test_search_aliases_and_ids(sample_graph, tmp_path, query):
    """Aliases and ids are searchable too (checked in the page's own search function)."""
    path = tmp_path / "graph.html"
    html_export.write(sample_graph, path)
    expect = node_id(sample_graph, "习近平" if query == "总书记" else "全国总工会")
    r = _check_in_chromium(path, tmp_path / "shot.png", query=query)
    assert r["selected"] == [expect]


def test_page_is_written_in_pieces_with_the_same_text(sample_graph, tmp_path):
    """write() streams the page (data a node or edge at a time): the bytes of render()."""
    data = html_export.payload(sample_graph, physics=True)
    assert "".join(html_export.script_json_pieces(data)) == html_export.script_json(data)
    html_export.write(sample_graph, tmp_path / "graph.html")
    assert (tmp_path / "graph.html").read_text(encoding="utf-8") == html_export.render(sample_graph)
