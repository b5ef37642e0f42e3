"""`kg query` and the example queries in queries/: the answers users get."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from test_rdf_support import QUERIES, export_build, make_query_graph, real_build

from kg.cli import main
from kg.export.nodelink import read
from kg.query import STORE_DIR, build_prefixes, fallback_store_root, open_store, run_query

EXAMPLES = sorted(QUERIES.glob("*.rq"))


@pytest.fixture(scope="module")
def qbuild(tmp_path_factory) -> Path:
    return export_build(make_query_graph(), tmp_path_factory.mktemp("qbuild"))


def select(build: Path, query: str) -> list[dict[str, str]]:
    """Rows of a SELECT as {variable: lexical value}."""
    store = open_store(build)
    result = run_query(store, query, build_prefixes(store))
    names = [v.value for v in result.variables]
    return [{n: (row[n].value if row[n] is not None else None) for n in names} for row in result]


def example(name: str) -> str:
    return (QUERIES / f"{name}.rq").read_text(encoding="utf-8")


def test_there_are_at_least_eight_commented_examples():
    assert len(EXAMPLES) >= 8
    for path in EXAMPLES:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# ") and len(first) > 20, path.name


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_runs_on_the_real_build(path, capsys):
    assert main(["query", str(path), "--build", str(real_build()), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    if "CONSTRUCT" in path.read_text(encoding="utf-8"):
        assert isinstance(data, list)  # JSON-LD
    else:
        assert "results" in data or "boolean" in data


def test_which_programmes_target_new_forms_of_employment_workers(qbuild):
    rows = select(qbuild, example("programmes-for-group"))
    assert [(r["programme"], set(r["runBy"].split("、")), r["sentences"]) for r in rows] == [
        ("新就业形态劳动者入会集中行动", {"全国总工会", "人力资源社会保障部"}, "1")]


def test_whom_the_acftu_acts_jointly_with_and_where(qbuild):
    rows = select(qbuild, example("acftu-partners"))
    got = [(r["partner"], r["document"], int(r["start"]), r["sentence"]) for r in rows]
    assert got == [
        ("中央组织部", "doc_2015", 18, "全国总工会与中央组织部联合开展送温暖工程，帮扶困难职工。"),
        ("中央组织部", "doc_2015", 46, "全国总工会与中央组织部再次联合开展送温暖工程。"),
        ("人力资源社会保障部", "doc_2019", 25, "全国总工会会同人力资源社会保障部开展新就业形态劳动者入会集中行动。"),
        ("国家机关", "工会法文本", 0, "中华全国总工会会同有关国家机关制定具体办法。"),
    ]


def test_every_policy_issued_by_a_party_body_since_2018(qbuild):
    # excluded: the 2015 policy, the State Council's, and the one in an undated document
    rows = select(qbuild, example("party-policies-since-2018"))
    assert rows == [{"policy": "关于加强新就业形态劳动者权益保障的意见", "issuedBy": "党中央",
                     "date": "2019-05-01", "document": "doc_2019"}]


def test_counting_examples_agree_with_graph_json():
    build = real_build()
    G = read(build / "graph.json")
    types = select(build, example("entity-types"))
    assert len(types) == 10
    assert sum(int(r["entities"]) for r in types) == G.number_of_nodes()
    relations = select(build, example("relation-types"))
    assert len(relations) == 13
    assert sum(int(r["relations"]) for r in relations) == G.number_of_edges()
    assert sum(int(r["sentences"]) for r in relations) == sum(d["weight"] for *_, d in G.edges(data=True))
    docs = select(build, example("documents"))
    assert [r["document"] for r in docs] == sorted(G.graph["documents"])


def test_well_attested_and_aliases(qbuild):
    rows = select(qbuild, example("well-attested"))
    assert [(r["relation"], r["sentences"], r["documents"]) for r in rows] == [("collaboratesWith", "2", "1")]
    aliases = {r["name"]: r["aliases"] for r in select(qbuild, example("aliases"))}
    assert aliases == {"全国总工会": "ACFTU / 中华全国总工会"}


def test_output_formats(qbuild, capsys):
    q = "SELECT ?name WHERE { id:acftu rdfs:label ?name } ORDER BY ?name"
    assert main(["query", q, "-b", str(qbuild)]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].split("|")[1].strip() == "name" and set(lines[1]) <= set("|-")
    assert [line.split("|")[1].strip() for line in lines[2:]] == ["All-China Federation of Trade Unions", "全国总工会"]
    assert "2 rows" in err
    assert main(["query", q, "-b", str(qbuild), "--format", "csv"]) == 0
    assert list(csv.reader(io.StringIO(capsys.readouterr().out))) == [
        ["name"], ["All-China Federation of Trade Unions"], ["全国总工会"]]
    assert main(["query", q, "-b", str(qbuild), "--format", "tsv"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == ['"All-China Federation of Trade Unions"@en', '"全国总工会"@zh']
    assert main(["query", q, "-b", str(qbuild), "--format", "json"]) == 0
    bindings = json.loads(capsys.readouterr().out)["results"]["bindings"]
    assert bindings[1]["name"] == {"type": "literal", "value": "全国总工会", "xml:lang": "zh"}
    assert main(["query", "ASK { id:acftu a kg:Union }", "-b", str(qbuild)]) == 0
    assert capsys.readouterr().out == "true\n"
    assert main(["query", "acftu-neighbourhood", "-b", str(qbuild)]) == 0  # an example by name; CONSTRUCT
    triples = list(ox.parse(capsys.readouterr().out.encode(), format=ox.RdfFormat.TURTLE))
    assert any(t.predicate.value.endswith("#collaboratesWith") for t in triples)


@pytest.mark.parametrize("query, expected", [
    ("SELECT ?x WHERE { ?x a kg:Union ", "line 1, column"),
    ("SELECT ?x WHERE {\n  ?x a foo:Bar }", "unknown prefix foo:"),
    ("SELEKT ?x WHERE { ?x ?p ?o }", "line 1, column 1"),
])
def test_syntax_errors_are_one_line_with_position(qbuild, capsys, query, expected):
    assert main(["query", query, "-b", str(qbuild)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("kg: error: query syntax error at ") and expected in err
    assert "Traceback" not in err


def test_user_errors(qbuild, tmp_path, capsys):
    assert main(["query", "missing.rq", "-b", str(qbuild)]) == 2
    assert main(["query", "SELECT * WHERE { ?s ?p ?o }", "-b", str(tmp_path / "nope")]) == 2
    assert main(["query", "SELECT * WHERE { ?s ?p ?o }", "-b", str(tmp_path)]) == 2  # folder without RDF
    assert main(["query", "SELECT * WHERE { ?s ?p ?o }", "-b", str(qbuild), "--format", "nt"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 4 and "Traceback" not in err
    assert "missing.rq: no such file" in err and "no such build folder" in err and "no graph.nt" in err


def test_store_is_cached_and_refreshed_when_the_build_changes(tmp_path, capsys):
    build = export_build(make_query_graph(), tmp_path / "b")
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s a kg:Union }"
    assert main(["query", q, "-b", str(build), "-f", "csv"]) == 0
    first = list((build / STORE_DIR).iterdir())
    assert len(first) == 1
    assert main(["query", q, "-b", str(build), "-f", "csv"]) == 0
    assert list((build / STORE_DIR).iterdir()) == first  # reused
    assert capsys.readouterr().out.splitlines()[1] == "1"
    G = make_query_graph()  # a new build: one more Union
    G.add_node("gejigonghui", label="各级工会", type="Union", aliases=[], mentions=1, docs=["doc_2019"],
               evidence=[{"doc": "doc_2019", "sentence": "x", "start": 0, "end": 2}])
    export_build(G, build)
    assert main(["query", q, "-b", str(build), "-f", "csv"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == "2"
    assert len(list((build / STORE_DIR).iterdir())) == 1 and list((build / STORE_DIR).iterdir()) != first
    assert main(["query", q, "-b", str(build), "-f", "csv", "--no-cache"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == "2"


def test_unwritable_build_folder_falls_back_to_a_temp_store(tmp_path, capsys):
    build = export_build(make_query_graph(), tmp_path / "ro")
    (build / STORE_DIR).write_text("not a folder", encoding="utf-8")  # the store cannot go there
    try:
        assert main(["query", "ASK { id:acftu a kg:Union }", "-b", str(build)]) == 0
        assert capsys.readouterr().out == "true\n"
        assert fallback_store_root(build).is_dir()
    finally:
        shutil.rmtree(fallback_store_root(build), ignore_errors=True)
