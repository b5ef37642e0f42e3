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


def _mixed_texts(count: int, seed: int) -> list[str]:
    """Random strings of the corpus's characters and of rarer ones: Han characters jieba has no
    word for (or only as part of longer words), Latin letters, digits, the symbols jieba's
    blocks take in, spaces and punctuation. Long runs with no dictionary word, words glued to
    unknown characters and words at block edges are common in them, rare in the corpus."""
    import random

    rnd = random.Random(seed)
    corpus = "".join(_texts())
    rare = [chr(c) for c in range(0x9FA0, 0x9FD6)] + ["\u4e00", "\u9fd5", "\u3400", "\U00020000"]
    other = list("abcXYZ0123456789+#&._%- \u3000，。、《》“”\n")
    out = []
    for _ in range(count):
        n = rnd.randint(1, 40)
        pieces = []
        while len(pieces) < n:
            kind = rnd.random()
            if kind < 0.6:
                i = rnd.randrange(len(corpus) - 8)
                pieces.append(corpus[i : i + rnd.randint(1, 8)])
            elif kind < 0.8:
                pieces.append(rnd.choice(rare))
            else:
                pieces.append(rnd.choice(other))
        out.append("".join(pieces))
    return out


def test_tokens_match_spacy_on_mixed_text(seg) -> None:
    for text in _mixed_texts(3000, 7):
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


def _jieba_route(block: str, logp: dict[str, float], missing: float) -> list[tuple[int, int]]:
    """jieba.Tokenizer's get_DAG + calc + the route walk of __cut_DAG, over a dictionary of
    log-probabilities, every run of single characters left as single characters."""
    n = len(block)
    dag = {k: [x for x in range(k, n) if block[k : x + 1] in logp] or [k] for k in range(n)}
    route = {n: (0, 0)}
    for idx in range(n - 1, -1, -1):
        route[idx] = max((logp.get(block[idx : x + 1], missing) + route[x + 1][0], x) for x in dag[idx])
    out, x = [], 0
    while x < n:
        y = route[x][1] + 1
        out.append((x, y))
        x = y
    return out


def test_route_breaks_ties_as_jieba(monkeypatch) -> None:
    """Dictionaries whose log-probabilities are small whole numbers, so that routes tie often:
    `tokens` keeps jieba's choice (the longer word) on every tie."""
    import random

    import ahocorasick

    from kg.segment import _LEN_BITS, Segmenter, Tables

    rnd = random.Random(3)
    alphabet = "甲乙丙丁戊己"
    for _ in range(60):
        logps = [-float(k) for k in range(1, 7)]
        words, singles, logp = ahocorasick.Automaton(ahocorasick.STORE_INTS), {}, {}
        for _ in range(rnd.randint(3, 25)):
            word = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 4)))
            i = rnd.randrange(len(logps))
            logp[word] = logps[i]
            if len(word) == 1:
                singles[word] = i
            else:
                words.add_word(word[::-1], i << _LEN_BITS | (len(word) - 1))
        words.make_automaton()
        tables = Tables(words, singles, logps, [], 1, 1, {}, {}, (), ())  # total 1: an unknown character scores 0
        seg = Segmenter(load_rules(), tables)
        monkeypatch.setattr(seg, "_unknown", lambda run, pos, out: out.extend((pos + i, pos + i + 1)
                                                                            for i in range(len(run))))
        for _ in range(40):
            block = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 30)))
            assert seg.tokens(block) == _jieba_route(block, logp, 0.0), (block, logp)
