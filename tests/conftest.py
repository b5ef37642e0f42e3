"""Shared fixtures: a small hand-made graph in the build's exact shape, and paths."""

from __future__ import annotations

import os
from pathlib import Path

import networkx as nx
import pytest

from kg.graph import GraphBuilder
from kg.model import DocResult, EntityInfo, Relation

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def corpus_sentences() -> list[str]:
    """The text of every sentence of corpus/*.txt (for tests comparing two ways to analyse text)."""
    from kg.sentences import split_sentences

    out = []
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        out += [text[s.start : s.end] for s in split_sentences(text)]
    return out


@pytest.fixture(autouse=True, scope="session")
def user_cache(tmp_path_factory):
    """Builds made by the tests keep the segmenter's snapshot (kg.cache.snapshot_folder) in a folder
    of the test session, not in the user's ~/.cache."""
    folder = tmp_path_factory.mktemp("user-cache")
    before = os.environ.get("KG_CACHE_HOME")
    os.environ["KG_CACHE_HOME"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("KG_CACHE_HOME", None)
    else:
        os.environ["KG_CACHE_HOME"] = before


def make_sample_graph() -> nx.MultiDiGraph:
    """Two documents, every entity type, several predicates, and hostile text for escaping tests."""
    s1 = "全国总工会会同中央组织部等8部委成立推进产业工人队伍建设改革协调小组。"
    s2 = "开展农民工入会集中行动<script>alert(1)</script>，贯彻习近平新时代中国特色社会主义思想。"
    text1 = s1 + s2
    ents1 = {
        "全国总工会": EntityInfo("Union", {"中华全国总工会", "ACFTU"}, "All-China Federation of Trade Unions",
                               "acftu", 2, (0, 0, 5)),
        "中央组织部": EntityInfo("PartyBody", set(), "Organization Department of the CPC Central Committee", "", 1,
                               (0, 7, 12)),
        "部委": EntityInfo("StateBody", set(), "ministries and commissions", "", 1, (0, 14, 16)),
        "推进产业工人队伍建设改革协调小组": EntityInfo("Organization", set(), "", "", 1, (0, 18, 34)),
        "农民工入会集中行动": EntityInfo("Program", set(), "", "", 1, (1, 37, 46)),
        "农民工": EntityInfo("WorkerGroup", set(), "migrant workers", "", 1, (1, 37, 40)),
        "习近平新时代中国特色社会主义思想": EntityInfo("Concept", set(), "Xi Jinping Thought", "", 1, (1, 71, 87)),
        "<img src=x onerror=alert(1)>工会": EntityInfo("Union", set(), "", "", 1, (1, 46, 75)),
    }
    rels1 = [
        Relation("全国总工会", "collaboratesWith", "中央组织部", 0),
        Relation("全国总工会", "collaboratesWith", "部委", 0),
        Relation("全国总工会", "establishes", "推进产业工人队伍建设改革协调小组", 0),
        Relation("全国总工会", "launches", "农民工入会集中行动", 1),
        Relation("农民工入会集中行动", "targets", "农民工", 1),
        Relation("全国总工会", "implements", "习近平新时代中国特色社会主义思想", 1),
    ]
    sents1 = [(0, len(s1)), (len(s1), len(text1))]
    d1 = DocResult("doc_a", "corpus/doc_a.txt", {"title": "示例一", "date": "2021-12-24", "source": "学习时报"},
                   len(text1), sents1, [text1[a:b] for a, b in sents1], ents1, rels1)
    t1 = "习近平出席全国劳动模范和先进工作者表彰大会并发表重要讲话。"
    ents2 = {
        "习近平": EntityInfo("Person", {"总书记"}, "Xi Jinping", "", 1, (0, 0, 3)),
        "全国劳动模范和先进工作者表彰大会": EntityInfo("Event", set(), "", "", 1, (0, 5, 21)),
        "中华人民共和国工会法": EntityInfo("Policy", {"工会法"}, "Trade Union Law of the PRC", "", 1, (0, 0, 0)),
        "全国总工会": EntityInfo("Union", set(), "All-China Federation of Trade Unions", "acftu", 1, (0, 0, 0)),
    }
    rels2 = [
        Relation("习近平", "participatesIn", "全国劳动模范和先进工作者表彰大会", 0),
        Relation("习近平", "addresses", "全国劳动模范和先进工作者表彰大会", 0),
        Relation("全国总工会", "implements", "中华人民共和国工会法", 0),
    ]
    d2 = DocResult("doc_b", "corpus/doc_b.md", {"title": "示例二"}, len(t1), [(0, len(t1))], [t1], ents2, rels2)
    builder = GraphBuilder()
    builder.add(d1)
    builder.add(d2)
    G = builder.graph()
    G.graph["rules_version"] = "test"
    return G


@pytest.fixture
def sample_graph() -> nx.MultiDiGraph:
    return make_sample_graph()
