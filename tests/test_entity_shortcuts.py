"""The entity finder's shortcuts give what the plain computation gives.

`Chunker._units` takes a whole token before the next atom in one step; `EntityFinder.atomic_spans`
skips the self-reference loop and a name pattern's search when the sentence lacks what they need
(`_required_literals`). Each is checked against the plain computation on the bundled corpus and
on sentences made to hit the rare cases (atoms across tokens, gaps, token aliases, classifiers).
"""

from __future__ import annotations

import random
import re

import pytest
from conftest import corpus_sentences

from kg.chunks import _CLASSIFIERS
from kg.entities import EntityFinder, _required_literals
from kg.rules import load_rules
from kg.segment import get_segmenter
from kg.spans import Span

EXTRA = [
    "以劳动创造幸福为主题的宣传教育活动在全国展开，本法自公布之日起施行。",
    "以“工匠精神”为主题的主题宣传教育，以及本条例、本办法所称职工。",
    "3个企业、5家单位和100名职工参加了 全国总工会 举办的活动。",
    "县级以上各级工会、百人以上企业和乡镇（街道）工会要推进“职工之家”建设活动。",
    "党和国家高度重视，党中央、国务院印发《关于加强新时代产业工人队伍建设的意见》。",
]


def _sentences() -> list[str]:
    return corpus_sentences() + EXTRA


@pytest.fixture(scope="module")
def finder():
    return EntityFinder(load_rules())


def _units_token_by_token(finder: EntityFinder, text: str, tokens: list, atomic: list) -> list:
    """Chunker._units as it was: one token (or the part of it after an atom) per step."""
    units: list = []
    pos = ai = i = 0
    while i < len(tokens):
        tok_start, tok_end = tokens[i]
        if tok_end <= pos:
            i += 1
            continue
        start = max(tok_start, pos)
        while ai < len(atomic) and atomic[ai].end <= start:
            ai += 1
        if ai < len(atomic) and atomic[ai].start < tok_end:
            sp = atomic[ai]
            if start < sp.start:
                units.append((start, sp.start, finder._kind(text[start : sp.start]), None))
            units.append((sp.start, sp.end, "atom", sp))
            pos = sp.end
            ai += 1
            continue
        word = text[start:tok_end]
        if word in finder.token_aliases and start == tok_start:
            entry = finder.index.get(finder.token_aliases[word])
            if entry is not None:
                sp = Span(start, tok_end, entry.name, entry.type, "token", word, (), entry.label_en, entry.id)
                units.append((start, tok_end, "atom", sp))
                pos = tok_end
                i += 1
                continue
        kind = finder._kinds.get(word)
        if kind is None or (i and word in _CLASSIFIERS):
            kind = finder._kind(word, text[tokens[i - 1][0] : tokens[i - 1][1]] if i else "")
        units.append((start, tok_end, kind, None))
        pos = tok_end
        i += 1
    return units


def _plain(units: list) -> list:
    """Units with their spans as fields (token aliases are new Span objects each time)."""
    return [(s, e, k, None if sp is None else (id(sp) if sp.source != "token" else sp)) for s, e, k, sp in units]


def _random_atoms(text: str, rng: random.Random) -> list[Span]:
    """Non-overlapping spans at random places: across tokens, inside one, at its ends."""
    atoms, pos = [], 0
    while pos < len(text) - 1:
        start = pos + rng.randrange(0, 6)
        end = start + rng.randrange(1, 5)
        if end > len(text):
            break
        atoms.append(Span(start, end, text[start:end], "Union", "lexicon", text[start:end]))
        pos = end
    return atoms


def test_units_match_token_by_token(finder, monkeypatch) -> None:
    seg = get_segmenter(finder.rules)
    rng = random.Random(7)
    # the token-by-token loop without the steps after it (ordinals, thresholds, parentheticals)
    monkeypatch.setattr(finder, "_ordinals", lambda text, units: units)
    monkeypatch.setattr(finder, "_thresholds", lambda text, units: units)
    monkeypatch.setattr(finder, "_attach_parentheticals", lambda text, units: units)
    alias = next(iter(finder.token_aliases), None)
    texts = _sentences() + ([f"{alias}和{alias}的领导，3{alias}个" + alias] if alias else [])
    for text in texts:
        tokens = seg.tokens(text)
        lex = finder.lexicon_matches(text, set(), nested=True)
        bounds = {b for t in tokens for b in t}
        atom_sets = [
            finder.atomic_spans(text, [m for m in lex if finder._aligned(m, bounds)]),
            _random_atoms(text, rng),
            [],
        ]
        for atomic in atom_sets:
            for toks in (tokens, tokens[::2], [(i, i + 1) for i in range(len(text))]):  # (with gaps, char by char)
                got = finder._units(text, toks, atomic)
                want = _units_token_by_token(finder, text, toks, atomic)
                assert _plain(got) == _plain(want), (text, toks, atomic)


def test_required_literals() -> None:
    assert _required_literals("以“?(?P<name>[^，。；“”]{2,16}?)”?为主题的(?:主题)?(?:活动|行动)") == ("以", "为主题的")
    assert _required_literals("a*bc") == ("bc",)
    assert _required_literals(r"\d+年") == ("年",)
    assert _required_literals("ab(c)|de") == ()  # an alternation at the top: nothing is required
    assert _required_literals("(?i)abc") == ()
    assert _required_literals("(?x) a b") == ()
    assert _required_literals("(") == ()


def test_atomic_spans_match_unfiltered(finder, monkeypatch) -> None:
    seg = get_segmenter(finder.rules)
    texts = _sentences()
    got = []
    for text in texts:
        tokens = seg.tokens(text)
        bounds = {b for t in tokens for b in t}
        lex = [m for m in finder.lexicon_matches(text, set(), nested=True) if finder._aligned(m, bounds)]
        got.append((text, lex, finder.atomic_spans(text, lex)))
    assert any(sp.source == "pattern" for _, _, spans in got for sp in spans)
    assert any(sp.source == "self" for _, _, spans in got for sp in spans)
    # every sentence searched for every self-reference and name pattern
    monkeypatch.setattr(finder, "_self_ref_in", re.compile(""))
    monkeypatch.setattr(finder, "name_patterns", [(rx, typ, ()) for rx, typ, _ in finder.name_patterns])
    for text, lex, spans in got:
        assert finder.atomic_spans(text, lex) == spans, text
