"""`kg validate`: SHACL shapes that every export satisfies and that catch broken ones."""

from __future__ import annotations

import rdflib
from rdflib.namespace import RDF, RDFS
from test_rdf_support import export_build, make_query_graph, real_build

from kg.cli import main
from kg.validate import load_data, validate_graph
from kg.vocab import DEFAULT_BASE_IRI, KG

ID = rdflib.Namespace(DEFAULT_BASE_IRI + "id/")


def test_sample_exports_conform_in_every_format(sample_graph, tmp_path, capsys):
    build = export_build(sample_graph, tmp_path)
    for name in ("graph.ttl", "graph.nt", "graph.jsonld"):
        report = validate_graph(load_data(build / name))
        assert report.conforms and not report.violations, name
    assert main(["validate", "--build", str(build)]) == 0
    assert "conforms to shapes.ttl" in capsys.readouterr().out


def test_real_build_has_no_violations(capsys):
    status = main(["validate", "--build", str(real_build())])
    out = capsys.readouterr().out
    assert status == 0, out  # warnings (atypical subject/object types) are allowed
    assert " 0 violations" in out


def test_broken_export_fails_with_a_readable_report(tmp_path, capsys):
    g = load_data(export_build(make_query_graph(), tmp_path / "b") / "graph.nt")
    stmts = list(g.subjects(RDF.predicate, KG.launches))
    for st in stmts:  # drop the evidence of every `launches` relation
        g.remove((st, None, None))
    g.add((ID.acftu, KG.partOf, ID.ghost))  # untyped, unlabelled, no evidence
    g.add((ID.acftu, RDFS.label, rdflib.Literal("全总", lang="zh")))  # a second Chinese label
    bad = tmp_path / "bad.ttl"
    g.serialize(bad, format="turtle")
    assert main(["validate", "--data", str(bad)]) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith(f"{bad}: does not conform to shapes.ttl")
    assert "an entity is typed with exactly one of the 10 entity classes" in out
    assert "an entity has exactly one Chinese label" in out
    assert "relation id:acftu kg:launches" in out and "has no evidence" in out
    assert "id:ghost" in out
    assert "Traceback" not in out and len(lines) < 40


def test_typical_types_are_warnings_only(tmp_path, capsys):
    G = make_query_graph()
    G.add_edge("acftu", next(n for n, d in G.nodes(data=True) if d["label"] == "困难职工"), key="leads",
               predicate="leads", weight=1,
               evidence=[{"doc": "doc_2015", "sentence": "全国总工会领导困难职工。", "start": 0, "end": 9}])
    build = export_build(G, tmp_path)
    assert main(["validate", "-b", str(build)]) == 0
    out = capsys.readouterr().out
    assert "0 violations, 2 warnings" in out
    assert ": a kg:Union is not a typical subject of kg:leads" in out
    assert ": a kg:WorkerGroup is not a typical object of kg:leads" in out


def test_unreadable_input_is_a_one_line_error(tmp_path, capsys):
    bad = tmp_path / "x.ttl"
    bad.write_text("this is not turtle\n", encoding="utf-8")
    assert main(["validate", "--data", str(bad)]) == 2
    assert main(["validate", "--build", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 2 and "cannot parse" in err and "Traceback" not in err
