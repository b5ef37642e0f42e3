"""The chunker's shortcuts give what the plain computation gives.

`Chunker._chunk` replays what it made of a run of units when a run of the same shape comes
again; `Chunker._ordinals` only looks at units that start with 第 or 首. Both are checked here
against the plain computation on the bundled corpus and on sentences made to hit the rare cases.
"""

from __future__ import annotations

import re

import pytest
from conftest import corpus_sentences

import kg.chunks
from kg.chunks import _NUMERAL, _ORDINAL, _ORDINAL_FULL
from kg.entities import EntityFinder
from kg.rules import load_rules
from kg.segment import get_segmenter
from kg.spans import Analysis, Span

EXTRA = [
    "中央军委主席习近平出席会议，高级技师洪家光、王建国、李明参加。",
    "全国总工会和中华全国总工会、全国总工会与人力资源社会保障部联合印发通知。",
    "中共中央、国务院关于加强和改进新时代产业工人队伍建设的决定指出，各级工会要积极参与。",
    "郑州圆方集团全体职工和宏大产业工人队伍在第十七次全国代表大会、首届大会上受到表彰。",
    "县级以上各级工会、百人以上企业和乡镇（街道）工会要推进“职工之家”建设活动。",
    "第三条 工会是职工自愿结合的工人阶级群众组织，党和国家高度重视。",
]


def _sentences() -> list[str]:
    return corpus_sentences() + EXTRA


def _shape(an: Analysis) -> list:
    """The analysis as plain values, with every span named by its first place (identity kept)."""
    seen: dict[int, int] = {}

    def ref(sp: Span | None):
        if sp is None:
            return None
        if id(sp) not in seen:
            seen[id(sp)] = len(seen)
            fields = (sp.start, sp.end, sp.name, sp.type, sp.source, sp.surface, sp.aliases, sp.label_en)
            office = None if sp.office is None else (ref(sp.office[0]), sp.office[1])
            return ("new", seen[id(sp)], fields, sp.lexicon_id, [ref(i) for i in sp.issuers], office)
        return ("same", seen[id(sp)])

    chunks = [
        (c.start, c.end, c.text, c.list_id, c.quote_only, c.words, ref(c.main), [ref(s) for s in c.spans])
        for c in an.chunks
    ]
    return [chunks, an.verbs, an.softs]


@pytest.fixture(scope="module")
def rules():
    return load_rules()


@pytest.fixture(scope="module")
def finders(rules):
    return EntityFinder(rules), EntityFinder(rules)


def test_replayed_runs_match_fresh_analysis(rules, finders, monkeypatch) -> None:
    memo, plain = finders
    seg = get_segmenter(rules)
    sentences = _sentences()
    for text in sentences:  # fill the memo
        memo.analyse(text, 0, seg.tokens(text))
    assert memo._memo, "nothing was kept"
    monkeypatch.setattr(kg.chunks, "_MAX_MEMO", 0)  # `plain` keeps nothing: every run is analysed
    for offset, text in enumerate(sentences):
        tokens = seg.tokens(text)
        assert _shape(memo.analyse(text, offset, tokens)) == _shape(plain.analyse(text, offset, tokens)), text
    assert not plain._memo


def _ordinals_one_by_one(text: str, units: list) -> list:
    """Chunker._ordinals as it was: every unit looked at."""
    out: list = []
    for u in units:
        word = text[u[0] : u[1]]
        if out and out[-1][2] == "ordinal" and (_NUMERAL.match(word) or word in ("届", "次")):
            out[-1] = (out[-1][0], u[1], "ordinal", None)
        elif u[3] is None and _ORDINAL.match(word):
            out.append((u[0], u[1], "ordinal", None))
        else:
            out.append(u)
    return [(s, e, "soft" if k == "ordinal" and not _ORDINAL_FULL.match(text[s:e]) else k, sp) for s, e, k, sp in out]


@pytest.mark.parametrize(
    "text", ["中国工会第十七次全国代表大会", "首届大会和首次会议", "第三条第", "第一二届次", "首都第 十 次", "次第三"]
)
def test_ordinals_match_one_by_one(rules, finders, text: str) -> None:
    finder = finders[1]
    seg = get_segmenter(rules)
    # the segmenter's cut and one unit per character, all plain words
    for tokens in (seg.tokens(text), [(i, i + 1) for i in range(len(text))]):
        units = [(s, e, "word", None) for s, e in tokens]
        assert finder._ordinals(text, units) == _ordinals_one_by_one(text, units)


def test_ordinals_match_one_by_one_on_corpus(rules, finders) -> None:
    finder = finders[1]
    seg = get_segmenter(rules)
    for text in _sentences():
        if not re.search("[第首]", text):
            continue
        units = [(s, e, finder._kind(text[s:e]), None) for s, e in seg.tokens(text)]
        assert finder._ordinals(text, units) == _ordinals_one_by_one(text, units)
