"""write_many's text terms (kg.export.rdf._TextTerms) against pyoxigraph: the N-Triples it writes
itself, the Turtle pyoxigraph makes from that text and the JSON-LD made from the terms' values must
be the bytes pyoxigraph (and _jsonld_node) write from pyoxigraph terms (_OxTerms), whatever the text."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
from test_rdf_support import _doc

from kg.export import rdf
from kg.graph import GraphBuilder
from kg.vocab import XSD, DataIRIs, make_compactor

HOSTILE = [
    "", "plain", '"quoted"', "back\\slash", "\\u0041 not an escape", "tab\there", "new\nline", "cr\rlf\r\n",
    "bell\x07 nul\x00 esc\x1b del\x7f", "\b\f\v", "non-BMP 😀 𠀀 𝄞", "\u2028\u2029", "\ufffe\uffff\ufffd",
    "<script>alert('x')</script> & </script>", "中文“引号”\\\"", " leading and trailing ", "\x85\xa0\u200b",
    "\\", '"', "\\\"", "@zh", '"@en', '^^<http://x>',
]


def every_code_point() -> str:
    return "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)


def test_nt_quoted_is_pyoxigraphs_for_every_code_point():
    text = every_code_point()
    assert rdf.nt_quoted(text) == str(ox.Literal(text))
    for c in range(0x10000):  # one at a time too: the fast path (nothing to escape) and each escape
        if not 0xD800 <= c < 0xE000:
            assert rdf.nt_quoted(chr(c)) == str(ox.Literal(chr(c))), hex(c)
    for value in HOSTILE:
        assert rdf.nt_quoted(value) == str(ox.Literal(value)), value


def _jsonld_value(term: ox.NamedNode | ox.BlankNode | ox.Literal, prefixes: dict[str, str]) -> object:
    """What _jsonld_node makes of `term` as an object."""
    node = rdf._jsonld_node(ox.NamedNode("http://s/"), [(ox.NamedNode("http://p/"), term)], make_compactor(prefixes))
    return node["http://p/"]


@pytest.mark.parametrize("base", [None, "http://example.org/labour", "urn:x:"])
def test_text_terms_are_pyoxigraph_terms(base):
    prefixes = DataIRIs(base).prefixes()
    text, oxt = rdf._TextTerms(prefixes), rdf._OxTerms()

    def same(a: tuple[str, object], b: ox.NamedNode | ox.BlankNode | ox.Literal) -> None:
        assert a[0] == str(b)
        line = ox.serialize([ox.Triple(ox.NamedNode("http://s/"), ox.NamedNode("http://p/"), b)],
                            format=ox.RdfFormat.N_TRIPLES)
        assert line == f"<http://s/> <http://p/> {a[0]} .\n".encode()
        value = a[1]
        if isinstance(b, ox.NamedNode | ox.BlankNode):
            value = {"@id": value}
        assert value == _jsonld_value(b, prefixes)

    for value in HOSTILE:
        for lang in ("zh", "en", None):
            same(text.literal(value, lang), oxt.literal(value, lang))
        for dt in (str(XSD.date), str(XSD.gYear), "http://example.org/dt#x", str(XSD.string)):
            same(text.literal(value, datatype=dt), oxt.literal(value, datatype=dt))
    for n in (0, 7, -3, 10**20):
        same(text.integer(n), oxt.integer(n))
    iris = DataIRIs(base)
    for iri in (iris.entity("acftu"), iris.entity("中文 id/x"), iris.statement("a.b", "leads", "c"),
                iris.base, prefixes["kg"], prefixes["kg"] + "Union", "http://example.org/a?b=c&d#e", "urn:isbn:1"):
        same(text.iri(iri), oxt.iri(iri))
    for slug in ("doc_2019", "20140106_001491", "中文", "a-b"):
        doc = iris.document(slug)
        same(text.doc(doc), oxt.doc(doc))
        same(text.span(text.doc(doc), 3, 1200), oxt.span(oxt.doc(doc), 3, 1200))
    integer = ox.NamedNode(str(XSD.integer))
    for term in (ox.BlankNode("o1"), ox.Literal("x", language="zh"), ox.Literal("5", datatype=integer),
                 ox.Literal("+05", datatype=integer), ox.Literal("a\"b\n"),
                 ox.Literal("1.5", datatype=ox.NamedNode(str(XSD.decimal))), ox.NamedNode(prefixes["owl"] + "Class")):
        same(text.from_ox(term), term)
    with pytest.raises(ValueError):
        text.iri("not an iri")
    with pytest.raises(ValueError):
        text.doc("http://example.org/kg#doc/x")  # its spans would have two fragments


def test_span_iris_compact_like_the_compactor_when_a_namespace_shadows_the_documents():
    prefixes = {"doc": "http://x/doc/", "sub": "http://x/doc/a", "z": "http://x/doc/ab#char=1,"}
    text, shorten = rdf._TextTerms(prefixes), make_compactor(prefixes)
    assert not text.spans_follow_docs
    for slug in ("ab", "b", "a"):
        iri = f"http://x/doc/{slug}"
        _, short = text.span(text.doc(iri), 1, 2)
        assert short == shorten(f"{iri}#char=1,2")
    assert rdf._TextTerms(DataIRIs().prefixes()).spans_follow_docs


def hostile_graph() -> nx.MultiDiGraph:
    """Every kind of term the export makes, with text that needs escaping everywhere it can go."""
    G = nx.MultiDiGraph()
    G.graph["rules_version"] = 'v"1\\'
    G.graph["documents"] = {
        "doc\"1": {"title": "标题\n\"引\"", "date": "2021年12月24日", "source": "src\\x", "author": "Auth\x01or",
                   "editor": "编辑😀", "speaker": "\u2028讲话",
                   "url": "http://example.org/a b?c=\"d\"", "path": "p\\a\tth",
                   "chars": 12},
        "文档二": {"date": "2019-13", "url": "not a url", "chars": 0},
        "d3": {"date": "2020/5", "url": "https://example.org/ok#frag"},
        "d4": {"date": "1999"},
    }
    sentences = ["句子\"一\"\\n\n", "😀 sentence\r\ttwo\x00", "<b>&</b>\u2028", "平常的句子。"]

    def ev(doc: str, k: int, start: int) -> dict:
        return {"doc": doc, "sentence": sentences[k % len(sentences)], "start": start, "end": start + 5}

    G.add_node("acftu", label="全国\"总\"工会", label_en="All-China \\ Federation", type="Union", mentions=3,
               aliases=["ACFTU", "中华全国总工会", "a\"b\\c\n", "全国\"总\"工会"], docs=["文档二", "doc\"1"],
               evidence=[ev("文档二", 1, 40), ev("doc\"1", 0, 0), ev("doc\"1", 0, 0)])
    G.add_node("中文 id", label="<b>x</b>", type="Organization", mentions=1, docs=["d3"], evidence=[ev("d3", 2, 7)])
    G.add_node("p", label="😀", type="Person", mentions=0, aliases=[], docs=[], evidence=[])
    G.add_node("bare")
    G.add_edge("acftu", "中文 id", key="collaboratesWith", predicate="collaboratesWith", weight=3,
               evidence=[ev("d3", 3, 7), ev("uncited doc", 2, 1), ev("d3", 1, 2), ev("d3", 0, 7)])
    G.add_edge("p", "acftu", key="leads", predicate="leads", evidence=[ev("d4", 2, 9), ev("d4", 1, 9)])
    G.add_edge("p", "中文 id", key="leads", predicate="leads", weight=1, evidence=[])
    return G


def pyoxigraph_exports(G: nx.MultiDiGraph, base: str | None) -> dict[str, bytes]:
    """Each format written by pyoxigraph from pyoxigraph terms (and _jsonld_node), whole."""
    return {"ttl": rdf.turtle_bytes(G, base),
            "nt": ox.serialize(rdf.graph_triples(G, base), format=ox.RdfFormat.N_TRIPLES),
            "jsonld": "".join(rdf.jsonld_lines(G, base)).encode()}


def spilled_graph(tmp_path: Path) -> nx.MultiDiGraph:
    """A build's graph whose evidence is read from graph.json's spill file (as `kg build` exports it)."""
    d1 = _doc("doc\"a", {"title": "一\"二\""},
              ["全国总工会会同中央组织部开展行动\\。\n", "中央组织部\x01与全国总工会\u2028协同😀。"],
              {"全国总工会": ("Union", {"ACFTU"}, "ACFTU", "acftu"), "中央组织部": ("PartyBody", set(), "", "")},
              [("全国总工会", "collaboratesWith", "中央组织部", 0),
               ("全国总工会", "collaboratesWith", "中央组织部", 1)])
    d2 = _doc("文档b", {}, ["中央组织部\"领导\"全国总工会。"],
              {"全国总工会": ("Union", set(), "", "acftu"), "中央组织部": ("PartyBody", set(), "", "")},
              [("中央组织部", "leads", "全国总工会", 0)])
    builder = GraphBuilder()
    builder.add(d1)
    builder.add(d2)
    return builder.write_node_link_and_graph(tmp_path / "graph.json", 20, {"rules_version": "t"})


@pytest.mark.parametrize("base", [None, "http://example.org/labour#"])
def test_write_many_writes_what_pyoxigraph_writes_from_its_own_terms(tmp_path, base):
    for G in (hostile_graph(), spilled_graph(tmp_path)):
        if base is not None and base.endswith("#"):
            with pytest.raises(ValueError):  # spans would be IRIs with two fragments: both ways refuse them
                rdf.graph_triples(G, base)
            with pytest.raises(ValueError):
                rdf.write_many(G, {"nt": tmp_path / "x.nt"}, base)
            continue
        expected = pyoxigraph_exports(G, base)
        paths = {fmt: tmp_path / f"graph.{fmt}" for fmt in rdf.RDF_FORMATS}
        rdf.write_many(G, paths, base)
        for fmt, data in expected.items():
            assert paths[fmt].read_bytes() == data, fmt
        assert len(list(ox.parse(path=str(paths["nt"]), format=ox.RdfFormat.N_TRIPLES))) > 50
        json.loads(paths["jsonld"].read_text(encoding="utf-8"))


def test_write_many_with_another_base(tmp_path):
    G = hostile_graph()
    expected = pyoxigraph_exports(G, "urn:kg:")
    paths = {fmt: tmp_path / f"graph.{fmt}" for fmt in rdf.RDF_FORMATS}
    rdf.write_many(G, paths, "urn:kg:")
    for fmt, data in expected.items():
        assert paths[fmt].read_bytes() == data, fmt


def test_batches_split_anywhere(tmp_path, monkeypatch):
    """N-Triples written (and parsed for Turtle) a few triples at a time is the same file."""
    G = hostile_graph()
    expected = pyoxigraph_exports(G, None)
    monkeypatch.setattr(rdf, "_NT_BATCH", 1)
    paths = {fmt: tmp_path / f"graph.{fmt}" for fmt in rdf.RDF_FORMATS}
    rdf.write_many(G, paths)
    for fmt, data in expected.items():
        assert paths[fmt].read_bytes() == data, fmt


def test_a_span_gets_the_sentence_of_its_first_writer(tmp_path):
    """Spans are keyed by (document, offsets): the first item to cite one (nodes in id order, then
    statements; within one, evidence in (document, offsets) order, ties in list order) gives its sentence."""
    G = hostile_graph()
    rdf.write_many(G, {"nt": tmp_path / "graph.nt"})
    store = ox.Store()
    store.load(path=str(tmp_path / "graph.nt"), format=ox.RdfFormat.N_TRIPLES)
    iris = DataIRIs()

    def sentence(doc: str, start: int) -> str:
        [row] = store.query(f"SELECT ?s WHERE {{ <{iris.span(rdf.doc_slug(doc), start, start + 5)}> "
                            "<https://w3id.org/kg-labour/ontology#sentence> ?s }")
        return row["s"].value

    assert sentence("d3", 7) == "<b>&</b>\u2028"  # node 中文 id's, before the edge's two items on that span
    assert sentence("d4", 9) == "<b>&</b>\u2028"  # the edge's first of two items with the same key
    assert sentence("uncited doc", 1) == "<b>&</b>\u2028"
