"""RDF exports and the ontology: what users of graph.ttl / .nt / .jsonld rely on."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS, SKOS
from test_rdf_support import ROOT, export_build, make_query_graph, real_build

from kg.cli import UserError
from kg.export import rdf
from kg.model import ENTITY_TYPES, PREDICATES
from kg.vocab import DEFAULT_BASE_IRI, KG, ONTOLOGY_FILE, DataIRIs

FILES = {"graph.ttl": ("turtle", ox.RdfFormat.TURTLE), "graph.nt": ("nt", ox.RdfFormat.N_TRIPLES),
         "graph.jsonld": ("json-ld", ox.RdfFormat.JSON_LD)}
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
ID = rdflib.Namespace(DEFAULT_BASE_IRI + "id/")


def parse_all(folder: Path) -> dict[str, rdflib.Graph]:
    """Every export parsed by rdflib, after checking pyoxigraph parses it to the same size."""
    graphs = {}
    for name, (rdflib_fmt, ox_fmt) in FILES.items():
        g = rdflib.Graph()
        g.parse(folder / name, format=rdflib_fmt)
        assert len(list(ox.parse(path=str(folder / name), format=ox_fmt))) == len(g), name
        graphs[name] = g
    return graphs


def same_graph(a: rdflib.Graph, b: rdflib.Graph) -> bool:
    """Equal ground triples and as many blank-node triples (only the ontology's class unions have
    blank nodes); a cheap stand-in for rdflib's isomorphic(), which is slow on these."""
    def split(g: rdflib.Graph) -> tuple[set, int]:
        ground = {t for t in g if not any(isinstance(x, rdflib.BNode) for x in t)}
        return ground, len(g) - len(ground)

    return split(a) == split(b)


@pytest.fixture
def sample_build(sample_graph, tmp_path):
    return export_build(sample_graph, tmp_path / "out")


def test_every_export_parses_with_rdflib_and_pyoxigraph_to_the_same_graph(sample_build):
    graphs = parse_all(sample_build)
    ttl = graphs["graph.ttl"]
    assert len(ttl) > 500
    assert isomorphic(ttl, graphs["graph.nt"])
    assert same_graph(ttl, graphs["graph.jsonld"])


def test_real_build_exports_parse_and_agree():
    graphs = parse_all(real_build())
    assert same_graph(graphs["graph.ttl"], graphs["graph.nt"])
    assert same_graph(graphs["graph.ttl"], graphs["graph.jsonld"])


def test_exports_are_byte_identical_across_runs_and_processes(tmp_path):
    a = export_build(make_query_graph(), tmp_path / "a")
    b = export_build(make_query_graph(), tmp_path / "b")
    code = ("import sys; sys.path.insert(0, 'tests');"
            "from test_rdf_support import export_build, make_query_graph;"
            f"export_build(make_query_graph(), {str(tmp_path / 'c')!r})")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
    for name in FILES:
        data = (a / name).read_bytes()
        assert data == (b / name).read_bytes() == (tmp_path / "c" / name).read_bytes(), name


def test_turtle_has_readable_sorted_prefixes(sample_build):
    text = (sample_build / "graph.ttl").read_text(encoding="utf-8")
    header = [line for line in text.splitlines() if line.startswith("@prefix")]
    names = [line.split()[1] for line in header]
    assert names == sorted(names)
    assert {"kg:", "id:", "doc:", "stmt:", "rdfs:", "skos:", "prov:", "dcterms:"} <= set(names)
    assert not re.search(r"\bns\d+:", text)
    assert "id:acftu a kg:Union" in text


def test_iris_are_ascii_and_depend_only_on_ids(tmp_path):
    G = make_query_graph()
    g = parse_all(export_build(G, tmp_path))["graph.nt"]
    iris = {str(t) for triple in g for t in triple if isinstance(t, rdflib.URIRef)}
    assert all(i.isascii() for i in iris)
    assert str(ID["acftu"]) in iris
    for n in G.nodes:
        assert str(ID[n]) in iris
    # a Chinese file stem becomes an ASCII document IRI; the id itself stays as dcterms:identifier
    docs = {str(o): s for s, o in g.subject_objects(DCT.identifier)}
    assert docs["工会法文本"].isascii() and "/doc/" in docs["工会法文本"]


def test_labels_aliases_and_language_tags(tmp_path):
    g = parse_all(export_build(make_query_graph(), tmp_path))["graph.nt"]
    acftu = ID["acftu"]
    labels = {(str(o), o.language) for o in g.objects(acftu, RDFS.label)}
    assert labels == {("全国总工会", "zh"), ("All-China Federation of Trade Unions", "en")}
    aliases = {(str(o), o.language) for o in g.objects(acftu, SKOS.altLabel)}
    assert aliases == {("ACFTU", "en"), ("中华全国总工会", "zh")}
    text = (tmp_path / "graph.nt").read_text(encoding="utf-8")
    tags = set(re.findall(r'"@([A-Za-z-]+) \.$', text, re.M))
    assert tags == {"zh", "en"}  # lower case only
    for s in g.subjects(RDF.type, KG.Program):
        assert len([o for o in g.objects(s, RDFS.label) if o.language == "zh"]) == 1


def test_relations_are_plain_triples_with_reachable_evidence(tmp_path):
    """The issue's model: `:s :p :o` plus statement -> sentence -> document, with offsets."""
    G = make_query_graph()
    store = ox.Store()
    store.bulk_load(path=str(export_build(G, tmp_path) / "graph.nt"), format=ox.RdfFormat.N_TRIPLES)
    prefixes = {"kg": str(KG), "id": str(ID), "rdf": str(RDF), "prov": str(PROV), "dcterms": str(DCT)}
    partners = {r["o"].value for r in store.query("SELECT ?o WHERE { id:acftu kg:collaboratesWith ?o }",
                                                  prefixes=prefixes)}
    assert len(partners) == 3
    # symmetric relation: the reverse triple is there too
    for p in partners:
        assert store.query(f"ASK {{ <{p}> kg:collaboratesWith id:acftu }}", prefixes=prefixes)
    rows = list(store.query("""
        SELECT ?n ?doc ?sentence ?start ?end ?span WHERE {
          ?st rdf:predicate kg:collaboratesWith ; kg:supportCount ?n ; prov:wasDerivedFrom ?span .
          { ?st rdf:subject id:acftu ; rdf:object ?x } UNION { ?st rdf:subject ?x ; rdf:object id:acftu }
          ?x <http://www.w3.org/2000/01/rdf-schema#label> "中央组织部"@zh .
          ?span prov:wasQuotedFrom/dcterms:identifier ?doc ; kg:sentence ?sentence ;
                kg:startOffset ?start ; kg:endOffset ?end .
        } ORDER BY ?start""", prefixes=prefixes))
    edge = next(d for u, v, k, d in G.edges(keys=True, data=True) if k == "collaboratesWith"
                and "acftu" in (u, v) and G.nodes[u if v == "acftu" else v]["label"] == "中央组织部")
    assert [(int(r["n"].value), r["doc"].value, r["sentence"].value, int(r["start"].value), int(r["end"].value))
            for r in rows] == [(edge["weight"], e["doc"], e["sentence"], e["start"], e["end"])
                               for e in edge["evidence"]]
    assert edge["weight"] == 2
    # a sentence is the RFC 5147 fragment of its document: doc/D#char=start,end
    assert rows[0]["span"].value == DataIRIs().span("doc_2015", 18, 46) == DEFAULT_BASE_IRI + "doc/doc_2015#char=18,46"


def test_documents_carry_their_metadata(tmp_path):
    g = parse_all(export_build(make_query_graph(), tmp_path))["graph.nt"]
    doc = next(g.subjects(DCT.identifier, rdflib.Literal("doc_2019")))
    assert g.value(doc, DCT.title) == rdflib.Literal("二〇一九年示例", lang="zh")
    assert g.value(doc, DCT.date) == rdflib.Literal("2019-05-01", datatype=rdflib.XSD.date)
    assert g.value(doc, DCT.source) == rdflib.Literal("人民日报", lang="zh")
    doc15 = next(g.subjects(DCT.identifier, rdflib.Literal("doc_2015")))
    assert g.value(doc15, DCT.date) == rdflib.Literal("2015-03", datatype=rdflib.XSD.gYearMonth)
    assert g.value(doc15, DCT.creator) == rdflib.Literal("某作者", lang="zh")
    assert int(g.value(doc, KG.charCount)) == make_query_graph().graph["documents"]["doc_2019"]["chars"]


def test_ontology_declares_exactly_the_schema():
    g = rdflib.Graph()
    g.parse(ONTOLOGY_FILE, format="turtle")
    classes = {s for s in g.subjects(RDF.type, OWL.Class) if isinstance(s, rdflib.URIRef)}
    props = set(g.subjects(RDF.type, OWL.ObjectProperty))
    assert classes == {KG[t] for t in ENTITY_TYPES}
    assert props == {KG[p] for p in PREDICATES}
    for term in classes | props:
        langs = {o.language for o in g.objects(term, RDFS.label)}
        assert langs == {"zh", "en"}, term
        assert any(True for _ in g.objects(term, RDFS.comment)), term
    for p in props:
        assert g.value(p, RDFS.domain) is not None and g.value(p, RDFS.range) is not None, p
    assert (KG.collaboratesWith, RDF.type, OWL.SymmetricProperty) in g
    assert g.value(KG.issues, RDFS.range) == KG.Policy


def test_ontology_travels_with_every_export(sample_build):
    for name, g in parse_all(sample_build).items():
        assert (KG.Union, RDF.type, OWL.Class) in g, name
        assert (KG.collaboratesWith, RDF.type, OWL.SymmetricProperty) in g, name
        assert len(list(g.subjects(RDF.type, OWL.Ontology))) == 1, name  # one header: the export's


def test_an_owl_reasoner_uses_the_embedded_ontology(sample_build):
    import owlrl

    g = rdflib.Graph()
    g.parse(sample_build / "graph.ttl", format="turtle")
    partner = next(o for o in g.objects(ID.acftu, KG.collaboratesWith))
    g.remove((partner, KG.collaboratesWith, ID.acftu))  # drop the materialised reverse direction
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(g)
    assert (partner, KG.collaboratesWith, ID.acftu) in g  # owl:SymmetricProperty
    assert (ID.acftu, RDF.type, KG.Union) in g


def test_hostile_text_round_trips_and_jsonld_is_script_safe(sample_build, sample_graph):
    raw = (sample_build / "graph.jsonld").read_text(encoding="utf-8")
    assert "<" not in raw and ">" not in raw  # safe to inline in <script type="application/ld+json">
    data = json.loads(raw)
    assert "@context" in data and data["@context"]["kg"] == str(KG)
    hostile = {d["label"] for _, d in sample_graph.nodes(data=True) if "<" in d["label"]}
    sentences = {e["sentence"] for *_, d in sample_graph.edges(data=True) for e in d["evidence"]}
    for name, g in parse_all(sample_build).items():
        labels = {str(o) for o in g.objects(None, RDFS.label)}
        assert hostile <= labels, name
        assert sentences <= {str(o) for o in g.objects(None, KG.sentence)}, name


def test_base_iri_is_configurable(tmp_path):
    out = export_build(make_query_graph(), tmp_path, base_iri="http://example.org/labour")
    g = parse_all(out)["graph.ttl"]
    assert (rdflib.URIRef("http://example.org/labour/id/acftu"), RDF.type, KG.Union) in g
    data_ns = tuple(DEFAULT_BASE_IRI + x for x in ("id/", "doc/", "stmt/"))
    assert not any(str(s).startswith(data_ns) for s in g.subjects())
    assert (None, RDF.type, KG.Union) in g  # the vocabulary does not move with the base IRI
    assert "@prefix id: <http://example.org/labour/id/>" in (out / "graph.ttl").read_text(encoding="utf-8")
    with pytest.raises(UserError):
        rdf.write_turtle(make_query_graph(), tmp_path / "bad.ttl", base_iri="not an iri")


def test_kg_build_base_iri_option(tmp_path):
    from kg.cli import main

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "doc.txt").write_text("全国总工会会同中央组织部开展工作。\n", encoding="utf-8")
    assert main(["build", str(corpus), "--out", str(tmp_path / "o"), "--formats", "ttl,nt",
                 "--base-iri", "https://example.org/kg/", "-q"]) == 0
    text = (tmp_path / "o" / "graph.nt").read_text(encoding="utf-8")
    assert "<https://example.org/kg/id/acftu>" in text


def test_writes_are_atomic(tmp_path, sample_graph, monkeypatch):
    target = tmp_path / "graph.nt"
    target.write_text("old\n", encoding="utf-8")

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(rdf, "ntriples", fail)
    with pytest.raises(RuntimeError):
        rdf.write_ntriples(sample_graph, target)
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.nt"]  # no temporary file left behind


def _reference_exports(G) -> dict[str, bytes]:
    """Each format made whole in memory, as the writers did before they shared one streaming pass."""
    return {"graph.ttl": rdf.turtle_bytes(G),
            "graph.nt": ox.serialize(rdf.graph_triples(G), format=ox.RdfFormat.N_TRIPLES),
            "graph.jsonld": "".join(rdf.jsonld_lines(G)).encode()}


def test_one_pass_writes_what_each_format_alone_would(sample_graph, tmp_path):
    """write_many streams the groups once into all three files; each single-format writer too."""
    expected = _reference_exports(sample_graph)
    rdf.write_many(sample_graph, {"ttl": tmp_path / "graph.ttl", "nt": tmp_path / "graph.nt",
                                  "jsonld": tmp_path / "graph.jsonld"})
    alone = tmp_path / "alone"
    rdf.write_turtle(sample_graph, alone / "graph.ttl")
    rdf.write_ntriples(sample_graph, alone / "graph.nt")
    rdf.write_jsonld(sample_graph, alone / "graph.jsonld")
    for name, data in expected.items():
        assert (tmp_path / name).read_bytes() == data, name
        assert (alone / name).read_bytes() == data, name


def test_jsonld_merges_a_subject_that_comes_twice(tmp_path):
    """Two document ids with one IRI (doc slugs turn ':' into '-'): JSON-LD gives them one node."""
    import networkx as nx

    G = nx.MultiDiGraph()
    G.graph["documents"] = {"a-b": {"title": "甲"}, "a:b": {"title": "乙"}}
    G.add_node("x", label="工会", type="Union", mentions=2, docs=["a-b", "a:b"],
               evidence=[{"doc": "a:b", "sentence": "工会。", "start": 0, "end": 3}])
    rdf.write_many(G, {"jsonld": tmp_path / "graph.jsonld", "nt": tmp_path / "graph.nt"})
    expected = _reference_exports(G)
    assert (tmp_path / "graph.jsonld").read_bytes() == expected["graph.jsonld"]
    assert (tmp_path / "graph.nt").read_bytes() == expected["graph.nt"]
    [doc] = [n for n in json.loads(expected["graph.jsonld"])["@graph"] if n["@id"] == "doc:a-b"]
    assert doc["dcterms:title"] == [{"@value": "甲", "@language": "zh"}, {"@value": "乙", "@language": "zh"}]
