"""`kg eval`: the figures it reports, by hand and against the reference scorer (kgscore.py).

The fixture (tests/fixtures/eval/) is a hand-made graph of two documents, alpha and beta, with
a duplicate node, aliases, quoted and spaced names, a wrong type, a reversed symmetric and a
reversed directed edge, a repeated multigraph edge, an edge that cites only the other document,
and gold files with a repeated entity, a repeated relation and a relation end that is an alias.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kg.cli import main
from kg.evaluate import score_graph
from kg.export.nodelink import write as write_graph

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "eval"
GRAPH = FIXTURES / "graph.json"
GOLD_DIR = FIXTURES / "gold"
GOLD = sorted(GOLD_DIR.glob("*.json"))
KGSCORE = ROOT.parent / "shared" / "tools" / "kgscore.py"
METRICS = ("entities_untyped", "entities_typed", "relations_untyped", "relations_typed")

needs_kgscore = pytest.mark.skipif(not KGSCORE.exists(), reason="../shared/tools/kgscore.py is not beside the repo")


def counts(figures: dict[str, Any]) -> dict[str, tuple[int, int, int]]:
    """metric -> (matched, output, gold)."""
    return {k: (figures[k]["tp"], figures[k]["pred"], figures[k]["gold"]) for k in METRICS}


def kgscore(graph: Path, gold: list[Path], *flags: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, str(KGSCORE), str(graph), *map(str, gold), "--json", *flags],
        capture_output=True, text=True, check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def kg_eval(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["eval", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return score_graph(GRAPH, GOLD)


def per_doc(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {d["doc"]: d for d in result["documents"]}


# --------------------------------------------------------------------------- figures by hand


def test_each_document_is_scored_against_the_part_of_the_graph_that_cites_it(result: dict[str, Any]) -> None:
    docs = per_doc(result)
    assert result["mode"] == "per-document"
    assert list(docs) == ["alpha", "beta"]  # gold `doc` "corpus/beta.md" names document beta
    assert docs["alpha"]["graph"] == {"nodes": 7, "edges": 5}
    assert docs["beta"]["graph"] == {"nodes": 4, "edges": 3}
    # 习近平 and his `leads` edge exist only in beta: alpha's gold misses them
    assert "习近平 [Person]: not found" in docs["alpha"]["misses"]["entities"]
    assert any(row.startswith("习近平 -leads-> 全国总工会") for row in docs["alpha"]["misses"]["relations"])


def test_figures_per_document_and_micro_averaged(result: dict[str, Any]) -> None:
    docs = per_doc(result)
    assert counts(docs["alpha"]) == {
        "entities_untyped": (4, 7, 6),
        "entities_typed": (3, 7, 6),  # 职工 is typed Organization, gold says WorkerGroup
        "relations_untyped": (3, 5, 6),  # the repeated gold relation counts once
        "relations_typed": (2, 5, 6),
    }
    assert counts(docs["beta"]) == {
        "entities_untyped": (4, 4, 4),
        "entities_typed": (4, 4, 4),
        "relations_untyped": (3, 3, 4),  # one `leads` edge cannot match two gold relations
        "relations_typed": (3, 3, 4),
    }
    assert counts(result) == {
        "entities_untyped": (8, 11, 10),
        "entities_typed": (7, 11, 10),
        "relations_untyped": (6, 8, 10),
        "relations_typed": (5, 8, 10),
    }
    assert result["entities_untyped"] == {"p": 0.7273, "r": 0.8, "f1": 0.7619, "tp": 8, "pred": 11, "gold": 10}
    assert result["graph"] == {"nodes": 9, "edges": 7}  # the repeated multigraph edge counts once


def test_duplicate_node_costs_precision(result: dict[str, Any]) -> None:
    alpha = per_doc(result)["alpha"]
    # 中华全国总工会 and 全总 both name gold 全国总工会: one matches, the other is extra
    assert "全总 [Union]" in alpha["misses"]["extra_nodes"]
    assert "全国总工会 [Union]" not in " ".join(alpha["misses"]["entities"])


def test_aliases_quotes_and_spaces_match(result: dict[str, Any]) -> None:
    beta = per_doc(result)["beta"]
    # ACFTU (alias), 《工会法》 vs “工会法”, 劳动 模范 vs 劳动模范
    assert beta["misses"]["entities"] == []
    assert beta["misses"]["extra_nodes"] == []


def test_collaborates_with_matches_either_way_round_but_directed_predicates_do_not(
    result: dict[str, Any],
) -> None:
    missed = per_doc(result)["alpha"]["misses"]["relations"]
    # gold 中央组织部 collaboratesWith 全国总工会; the graph has it the other way round
    assert not any("collaboratesWith" in row for row in missed)
    # gold 全国总工会 targets 职工; the graph has 职工 targets 全国总工会: untyped only
    assert "全国总工会 -targets-> 职工  (edge between them: targets the other way round)" in missed


def test_lenient_accepts_boundary_errors() -> None:
    alpha = per_doc(score_graph(GRAPH, GOLD, lenient=True))["alpha"]
    # 职业伤害保障试点工作 in the graph, 职业伤害保障试点 in the gold
    assert counts(alpha)["entities_untyped"] == (5, 7, 6)
    assert counts(alpha)["relations_typed"] == (3, 5, 6)


def test_pooled_when_nodes_do_not_list_their_documents(tmp_path: Path) -> None:
    data = json.loads(GRAPH.read_text(encoding="utf-8"))
    del data["nodes"][0]["docs"]
    graph = tmp_path / "graph.json"
    graph.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    pooled = score_graph(graph, GOLD)
    assert pooled["mode"] == "pooled" and pooled["documents"] == []
    # gold entities merged by name across files: 7 distinct, scored against all 9 nodes
    assert counts(pooled)["entities_untyped"][1:] == (9, 7)


def test_accepts_a_networkx_graph(sample_graph: Any) -> None:
    from kg.export.nodelink import to_data

    assert score_graph(sample_graph, GOLD) == score_graph(to_data(sample_graph), GOLD)


# --------------------------------------------------------------------------- against kgscore.py


SAMPLE_GOLD = [
    {"doc": "corpus/doc_a.txt",
     "entities": [{"name": "全国总工会", "type": "Union", "aliases": ["ACFTU"]},
                  {"name": "中央组织部", "type": "PartyBody"},
                  {"name": "农民工", "type": "WorkerGroup"},
                  {"name": "农民工入会集中行动", "type": "Program"}],
     "relations": [{"s": "中央组织部", "p": "collaboratesWith", "o": "全国总工会"},
                   {"s": "全国总工会", "p": "launches", "o": "农民工入会集中行动"},
                   {"s": "农民工", "p": "targets", "o": "农民工入会集中行动"}]},
    {"doc": "doc_b.md",
     "entities": [{"name": "习近平", "type": "Person", "aliases": ["总书记"]},
                  {"name": "全国劳动模范和先进工作者表彰大会", "type": "Event"},
                  {"name": "工会法", "type": "Policy"}],
     "relations": [{"s": "习近平", "p": "addresses", "o": "全国劳动模范和先进工作者表彰大会"}]},
]


def variant_files(variant: str, tmp_path: Path, sample_graph: Any) -> tuple[Path, list[Path]]:
    """(graph, gold files): the fixture; the fixture without `docs` (pooled); conftest's sample graph."""
    if variant == "fixture":
        return GRAPH, GOLD
    path = tmp_path / f"{variant}.json"
    if variant == "sample":
        write_graph(sample_graph, path)
        (tmp_path / "gold").mkdir()
        gold = []
        for i, data in enumerate(SAMPLE_GOLD):
            gold.append(tmp_path / "gold" / f"doc{i}.json")
            gold[-1].write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return path, gold
    data = json.loads(GRAPH.read_text(encoding="utf-8"))
    for node in data["nodes"]:
        node.pop("docs")
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path, GOLD


@needs_kgscore
@pytest.mark.parametrize("flags", [[], ["--lenient"]], ids=["exact", "lenient"])
@pytest.mark.parametrize("variant", ["fixture", "pooled", "sample"])
def test_kg_eval_agrees_with_kgscore(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, sample_graph: Any, variant: str, flags: list[str],
) -> None:
    graph, gold = variant_files(variant, tmp_path, sample_graph)
    gold_arg = str(gold[0].parent)
    code, out, _ = kg_eval(capsys, "--gold", gold_arg, "--graph", str(graph), "--json", *flags)
    assert code == 0
    ours = json.loads(out)
    reference = kgscore(graph, gold, *flags)
    assert {k: ours[k] for k in reference} == reference
    assert ours["entities_untyped"]["tp"] > 0
    # each document's figures are what kgscore gives for that gold file alone
    for doc, gold_file in zip(ours["documents"], gold, strict=False):
        alone = kgscore(graph, [gold_file], *flags)
        assert {k: doc[k] for k in METRICS} == {k: alone[k] for k in METRICS}


# --------------------------------------------------------------------------- the command


def test_report_lists_documents_pooled_figures_and_misses(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = kg_eval(capsys, "--gold", str(GOLD_DIR), "--graph", str(GRAPH), "--misses")
    assert code == 0
    assert "alpha  (7 nodes, 5 edges cite it)" in out
    assert "  entities typed     P=0.429 R=0.500 F1=0.462  (matched 3, output 7, gold 6)" in out
    assert "pooled over 2 documents (micro-average)" in out
    assert "  relations typed    P=0.625 R=0.500 F1=0.556  (matched 5, output 8, gold 10)" in out
    assert "      职工 [WorkerGroup]: found as Organization" in out
    assert "    extra nodes (3):" in out
    assert "graph: 9 nodes, 7 edges" in out


def test_json_leaves_out_misses_unless_asked(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = kg_eval(capsys, "--gold", str(GOLD_DIR), "--graph", str(GRAPH), "--json")
    assert "misses" not in json.loads(out)["documents"][0]
    _, out, _ = kg_eval(capsys, "--gold", str(GOLD_DIR), "--graph", str(GRAPH), "--json", "--misses")
    assert json.loads(out)["documents"][0]["misses"]["extra_nodes"]


def test_end_to_end_build_and_score(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "union_note.txt").write_text("全国总工会召开会议。\n各级工会要服务职工。\n", encoding="utf-8")
    gold_dir = tmp_path / "gold"
    gold_dir.mkdir()
    gold = {
        "doc": "union_note.txt",
        "entities": [{"name": "全国总工会", "type": "Union", "aliases": ["中华全国总工会"]},
                     {"name": "不存在的机构", "type": "Organization", "aliases": []}],
        "relations": [{"s": "全国总工会", "p": "leads", "o": "不存在的机构"}],
    }
    (gold_dir / "union_note.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")

    code, out, _ = kg_eval(capsys, "--gold", str(gold_dir), str(corpus), "--quiet", "--json")
    assert code == 0
    built = json.loads(out)
    assert [d["doc"] for d in built["documents"]] == ["union_note"]
    assert built["entities_typed"]["gold"] == 2 and built["relations_typed"]["gold"] == 1
    assert built["entities_untyped"]["tp"] >= 1  # 全国总工会 is in the bundled lexicon

    assert main(["build", str(corpus), "--out", str(tmp_path / "out"), "--formats", "json", "--quiet"]) == 0
    capsys.readouterr()
    graph = str(tmp_path / "out" / "graph.json")
    code, out, _ = kg_eval(capsys, "--gold", str(gold_dir), "--graph", graph, "--json")
    assert json.loads(out) == built

    code, out, _ = kg_eval(capsys, "--gold", str(gold_dir), "--graph", graph)
    assert out.startswith("union_note  (") and "pooled over 1 document (micro-average)" in out


def test_gold_for_a_document_not_in_the_graph_is_noted(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    gold = {"doc": "gamma.txt", "entities": [{"name": "全国总工会", "type": "Union"}], "relations": []}
    (tmp_path / "gamma.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    code, out, err = kg_eval(capsys, "--gold", str(tmp_path), "--graph", str(GRAPH))
    assert code == 0
    assert "no document 'gamma' in the graph" in err
    assert "(matched 0, output 0, gold 1)" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--gold", "GOLD"], "give either inputs to build or --graph"),
        (["--gold", "GOLD", "--graph", "GRAPH", "corpus"], "give either inputs to build or --graph"),
        (["--gold", "missing-gold", "--graph", "GRAPH"], "missing-gold: no such gold folder or file"),
        (["--gold", "GOLD", "--graph", "missing.json"], "missing.json: cannot read graph"),
        (["--gold", "BAD", "--graph", "GRAPH"], "bad.json: relations item 1 needs s, p, o"),
        (["--gold", "GOLD", "missing-corpus"], "missing-corpus: no such file or folder"),
    ],
)
def test_user_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], message: str,
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"doc": "x.txt", "entities": [], "relations": [{"s": "a"}]}), encoding="utf-8")
    names = {"GOLD": str(GOLD_DIR), "GRAPH": str(GRAPH), "BAD": str(bad)}
    code, out, err = kg_eval(capsys, *[names.get(a, a) for a in args])
    assert code == 2
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
