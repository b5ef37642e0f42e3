"""Helpers shared by the RDF / query / serve / validate tests (no tests here).

* `make_query_graph()`: a small graph that answers the issue's three headline questions,
  with known answers (and distractors: wrong date, wrong issuer type, undated document);
* `export_build(G, folder)`: a build folder as `kg build` writes it (json + the RDF files);
* `real_build()`: one `kg build` of the bundled corpus per test session.
"""

from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

import networkx as nx

from kg.export import export_all
from kg.graph import GraphBuilder
from kg.model import DocResult, EntityInfo, Relation

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "queries"
RDF_FORMATS = ["json", "ttl", "nt", "jsonld"]


def kg_command() -> list[str]:
    """The installed `kg` console script of this venv."""
    return [str(Path(sys.executable).parent / "kg")]


def _doc(doc_id: str, meta: dict[str, str], sentences: list[str],
         entities: dict[str, tuple[str, set[str], str, str]], relations: list[tuple[str, str, str, int]]) -> DocResult:
    text = "".join(sentences)
    spans, pos = [], 0
    for s in sentences:
        spans.append((pos, pos + len(s)))
        pos += len(s)
    ents = {}
    for name, (etype, aliases, label_en, lex_id) in entities.items():
        start = max(text.find(name), 0)
        sent = next(i for i, (a, b) in enumerate(spans) if a <= start < b or i == len(spans) - 1)
        ents[name] = EntityInfo(etype, set(aliases), label_en, lex_id, max(text.count(name), 1),
                                (sent, start, start + len(name)))
    rels = [Relation(s, p, o, i) for s, p, o, i in relations]
    return DocResult(doc_id, f"corpus/{doc_id}.txt", meta, len(text), spans, sentences, ents, rels)


def make_query_graph() -> nx.MultiDiGraph:
    acftu = ("Union", {"ACFTU", "中华全国总工会"}, "All-China Federation of Trade Unions", "acftu")
    d2019 = _doc(
        "doc_2019", {"title": "二〇一九年示例", "date": "2019-05-01", "source": "人民日报"},
        ["党中央印发关于加强新就业形态劳动者权益保障的意见。",
         "全国总工会会同人力资源社会保障部开展新就业形态劳动者入会集中行动。"],
        {"党中央": ("PartyBody", set(), "CPC Central Committee", ""),
         "关于加强新就业形态劳动者权益保障的意见": ("Policy", set(), "", ""),
         "全国总工会": acftu,
         "人力资源社会保障部": ("StateBody", set(), "", ""),
         "新就业形态劳动者入会集中行动": ("Program", set(), "", ""),
         "新就业形态劳动者": ("WorkerGroup", set(), "workers in new forms of employment", "")},
        [("党中央", "issues", "关于加强新就业形态劳动者权益保障的意见", 0),
         ("全国总工会", "collaboratesWith", "人力资源社会保障部", 1),
         ("全国总工会", "launches", "新就业形态劳动者入会集中行动", 1),
         ("人力资源社会保障部", "launches", "新就业形态劳动者入会集中行动", 1),
         ("新就业形态劳动者入会集中行动", "targets", "新就业形态劳动者", 1)],
    )
    d2015 = _doc(
        "doc_2015", {"title": "二〇一五年示例", "date": "2015-03", "author": "某作者"},
        ["党中央制定旧方案。", "国务院颁布某条例。", "全国总工会与中央组织部联合开展送温暖工程，帮扶困难职工。",
         "全国总工会与中央组织部再次联合开展送温暖工程。"],
        {"党中央": ("PartyBody", set(), "", ""),
         "旧方案": ("Policy", set(), "", ""),
         "国务院": ("StateBody", set(), "State Council", ""),
         "某条例": ("Policy", set(), "", ""),
         "全国总工会": acftu,
         "中央组织部": ("PartyBody", set(), "", ""),
         "送温暖工程": ("Program", set(), "", ""),
         "困难职工": ("WorkerGroup", set(), "", "")},
        [("党中央", "issues", "旧方案", 0),
         ("国务院", "issues", "某条例", 1),
         ("全国总工会", "collaboratesWith", "中央组织部", 2),
         ("全国总工会", "collaboratesWith", "中央组织部", 3),
         ("全国总工会", "launches", "送温暖工程", 2),
         ("送温暖工程", "targets", "困难职工", 2)],
    )
    undated = _doc(  # a Chinese file stem, and no date
        "工会法文本", {},
        ["中华全国总工会会同有关国家机关制定具体办法。", "党中央出台新意见。"],
        {"全国总工会": acftu,
         "国家机关": ("StateBody", set(), "", ""),
         "具体办法": ("Policy", set(), "", ""),
         "党中央": ("PartyBody", set(), "", ""),
         "新意见": ("Policy", set(), "", "")},
        [("全国总工会", "collaboratesWith", "国家机关", 0),
         ("全国总工会", "issues", "具体办法", 0),
         ("党中央", "issues", "新意见", 1)],
    )
    builder = GraphBuilder()
    for d in (d2019, d2015, undated):
        builder.add(d)
    G = builder.graph()
    G.graph["rules_version"] = "test"
    return G


def export_build(G: nx.MultiDiGraph, folder: str | Path, **options: object) -> Path:
    folder = Path(folder)
    export_all(G, folder, RDF_FORMATS, **options)
    return folder


@lru_cache(maxsize=1)
def real_build() -> Path:
    """`kg build corpus/` once per session (json and RDF only); removed at exit."""
    from kg.cli import main

    folder = Path(tempfile.mkdtemp(prefix="kg-rdf-test-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    status = main(["build", str(ROOT / "corpus"), "--out", str(folder), "--formats", ",".join(RDF_FORMATS), "-q"])
    assert status == 0 and (folder / "graph.nt").is_file(), "kg build of the bundled corpus failed"
    return folder
