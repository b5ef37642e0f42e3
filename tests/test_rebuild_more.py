"""Rebuilds equal fresh builds in the cases a review found broken: edited byline rules
(rules/metadata.yaml is not in the rules version, so file stamps carry its digest), an edited
ontology file (the RDF formats embed it, so kept outputs must follow it), and two names sharing
a node id (nodes ordered by id, then name, not by merge history)."""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import pytest

import kg.corpus
from kg.pipeline import run_build
from kg.rules import load_rules

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kg.corpus, "SETTLE_NS", 0)


def _graph_json(folder: Path, rules_dir: Path, cache: Path | None, out: Path) -> bytes:
    rules = load_rules(rules_dir)
    result = run_build([str(folder)], rules=rules, jobs=1, cache_dir=cache, make_graph=False)
    assert result.builder is not None
    result.builder.write_node_link(out / "graph.json", graph_attrs={"rules_version": rules.version}, consume=True)
    return (out / "graph.json").read_bytes()


def test_editing_the_byline_rules_is_seen_by_a_rebuild(tmp_path, settled):
    onto = tmp_path / "onto"
    shutil.copytree(ROOT / "ontology", onto)
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text("标题行\n来源：工人日报\n全国总工会召开第十八次全国代表大会。\n", encoding="utf-8")
    _graph_json(folder, onto, tmp_path / "cache", tmp_path / "out")
    meta = onto / "rules" / "metadata.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").replace("words: [来源, ", "words: ["), encoding="utf-8")
    rebuilt = _graph_json(folder, onto, tmp_path / "cache", tmp_path / "out")
    assert rebuilt == _graph_json(folder, onto, None, tmp_path / "fresh")


def _cli(*argv: str) -> int:
    from kg.cli import main

    with contextlib.redirect_stderr(io.StringIO()):
        return main(["build", *argv, "-q", "--jobs", "1"])


def test_a_kept_graph_ttl_follows_the_ontology_file(tmp_path, monkeypatch):
    import kg.export.outputs
    import kg.export.rdf
    import kg.vocab

    folder = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", folder)
    assert _cli(str(folder), "--out", str(tmp_path / "out"), "--formats", "ttl") == 0
    edited = tmp_path / "kg.ttl"  # the checkout's ontology file, edited (a label)
    edited.write_text(kg.export.rdf.ONTOLOGY_FILE.read_text(encoding="utf-8").replace('"劳动者群体"@zh', '"劳动者"@zh'),
                      encoding="utf-8")
    monkeypatch.setattr(kg.export.rdf, "ONTOLOGY_FILE", edited)  # what the RDF writer reads ...
    monkeypatch.setattr(kg.vocab, "ONTOLOGY_FILE", edited)  # ... and where kg.vocab says it is
    kg.export.outputs._source_digest.cache_clear()
    assert _cli(str(folder), "--out", str(tmp_path / "out"), "--formats", "ttl") == 0
    assert _cli(str(folder), "--out", str(tmp_path / "fresh"), "--formats", "ttl", "--no-cache") == 0
    assert (tmp_path / "out" / "graph.ttl").read_bytes() == (tmp_path / "fresh" / "graph.ttl").read_bytes()


def test_two_names_sharing_an_id_give_the_fresh_build_s_node_after_a_rebuild(tmp_path):
    onto = tmp_path / "onto"
    shutil.copytree(ROOT / "ontology", onto)
    unions = onto / "lexicon" / "unions.tsv"
    text = unions.read_text(encoding="utf-8")
    line = "中国工会\tUnion\tChinese trade unions (as a whole)\t我国工会|中国工会组织\t\n"
    assert line in text
    unions.write_text(text.replace(line, line[:-1] + "acftu\n"), encoding="utf-8")  # 全国总工会's id too
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "d2.txt").write_text("中国工会召开第十八次全国代表大会。\n", encoding="utf-8")
    _graph_json(folder, onto, tmp_path / "cache", tmp_path / "out")
    (folder / "d1.txt").write_text("全国总工会召开会议，部署劳动竞赛。\n", encoding="utf-8")
    rebuilt = _graph_json(folder, onto, tmp_path / "cache", tmp_path / "out")
    assert rebuilt == _graph_json(folder, onto, None, tmp_path / "fresh")
