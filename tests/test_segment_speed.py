"""The segmenter's fast paths give what the slow, documented ones give.

`Segmenter.tokens` runs jieba's algorithm itself instead of building a spaCy Doc, and
`Segmenter.guess_tag` answers jieba.posseg's guesses from the segmenter's own dictionary;
both must agree exactly with `nlp.make_doc` and the global `jieba.posseg.cut`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.rules import load_rules
from kg.segment import get_segmenter
from kg.sentences import split_sentences

ROOT = Path(__file__).resolve().parent.parent
EXTRA = [
    "",
    "   ",
    "全国总工会2021年工作要点 GDP增长8.5%，C++ & Python_3 a-b\r\n第十七次  代表大会\u3000召开。",
    "郑州圆方集团全体职工、张建国同志和李秀英出席“中国梦·劳动美”主题宣传教育活动",
]


@pytest.fixture(scope="module")
def seg():
    return get_segmenter(load_rules())


def _texts() -> list[str]:
    out = list(EXTRA)
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        out += [text[s.start : s.end] for s in split_sentences(text)]
    return out


def test_tokens_match_spacy(seg) -> None:
    for text in _texts():
        doc = seg.nlp.make_doc(text)
        assert seg.tokens(text) == [(t.idx, t.idx + len(t.text)) for t in doc if not t.is_space], text


def test_guessed_tags_match_global_posseg(seg) -> None:
    import jieba.posseg

    words = sorted({t[a:b] for t in _texts()[:400] for a, b in seg.tokens(t)} | {"洪家光", "丁薛祥", "走深走实"})
    for word in words:
        pairs = list(jieba.posseg.cut(word, HMM=True))
        assert seg.guess_tag(word) == (pairs[0].flag if len(pairs) == 1 else None), word


def test_viterbi_matches_jieba(seg) -> None:
    import jieba.posseg as posseg
    from jieba.posseg.viterbi import viterbi

    from kg.segment import _viterbi

    texts = _texts()[:300]
    runs = {t[i : i + n] for t in texts for i in range(0, len(t), 7) for n in (2, 3, 5, 9)}
    for run in sorted(r for r in runs if r and all("\u4e00" <= c <= "\u9fd5" for c in r)):
        args = (run, posseg.char_state_tab_P, posseg.start_P, posseg.trans_P, posseg.emit_P)
        assert _viterbi(*args) == viterbi(*args), run
