"""`kg.segment._viterbi` gives exactly what the version before it gave (kept here, `_reference_viterbi`)
and what jieba.posseg.viterbi.viterbi gives: the same probability (the identical double) and route.

On every word `guess_tag` was asked about when extracting corpus/ and a 5.6 MB benchmark corpus
(tests/fixtures/guessed_words.txt, collected by instrumenting `Segmenter.guess_tag`), each
`_viterbi` call `guess_tag` makes checked as it is made, and on random strings of CJK characters:
common ones, rare ones and ones absent from the HMM's tables.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

import kg.segment as segment
from kg.rules import load_rules
from kg.segment import get_segmenter

WORDS = Path(__file__).resolve().parent / "fixtures" / "guessed_words.txt"


_REFERENCE_TABLES: dict[int, Any] = {}  # id(trans_p) -> (sources, targets, into, trans_p), held


def _reference_viterbi(obs: str, states: dict, start_p: dict, trans_p: dict, emit_p: dict) -> tuple[float, list[Any]]:
    """kg.segment._viterbi as it was (commit 5fa3ccd), itself checked against jieba's."""
    tables = _REFERENCE_TABLES.get(id(trans_p))
    if tables is None:
        found: dict[Any, set[Any]] = {}
        for y0, nxt in trans_p.items():
            for y in nxt:
                found.setdefault(y, set()).add(y0)
        sources = {y: frozenset(ys) for y, ys in found.items()}
        targets = {y0: frozenset(nxt) for y0, nxt in trans_p.items()}
        into = {y: {y0: trans_p[y0][y] for y0 in ys} for y, ys in found.items()}
        tables = _REFERENCE_TABLES[id(trans_p)] = (sources, targets, into, trans_p)
    sources, targets, into, _ = tables
    V: list[dict[Any, float]] = [{}]  # noqa: N806 (jieba's names)
    mem_path: list[dict[Any, Any]] = [{}]
    all_states = trans_p.keys()
    for y in states.get(obs[0], all_states):
        V[0][y] = start_p[y] + emit_p[y].get(obs[0], segment._MIN_FLOAT)
        mem_path[0][y] = ""
    for t in range(1, len(obs)):
        V.append({})
        mem_path.append({})
        prev_states = [x for x in mem_path[t - 1].keys() if len(trans_p[x]) > 0]
        prev_set = set(prev_states)
        expect_next = set().union(*[targets[x] for x in prev_states])
        obs_states = set(states.get(obs[t], all_states)) & expect_next
        if not obs_states:
            obs_states = expect_next if expect_next else all_states
        last_v = V[t - 1]
        char = obs[t]
        for y in obs_states:
            emit = emit_p[y].get(char, segment._MIN_FLOAT)
            cands = sources.get(y, frozenset()) & prev_set
            if cands:
                step = into[y]
                best = max([(last_v[y0] + step[y0] + emit, y0) for y0 in cands])
            else:
                best = None
            if best is None or best[0] == segment._MIN_INF:
                best = max((last_v[y0] + trans_p[y0].get(y, segment._MIN_INF) + emit, y0) for y0 in prev_states)
            V[t][y] = best[0]
            mem_path[t][y] = best[1]
    prob, state = max((V[-1][y], y) for y in mem_path[-1].keys())
    route: list[Any] = [None] * len(obs)
    i = len(obs) - 1
    while i >= 0:
        route[i] = state
        state = mem_path[i][state]
        i -= 1
    return prob, route


def _outcome(fn: Any, *args: Any) -> Any:
    try:
        prob, route = fn(*args)
    except ValueError as e:  # jieba's max over no previous states
        return ("ValueError", str(e))
    return (prob.hex() if isinstance(prob, float) else prob, route)  # hex: the identical double


@pytest.fixture(scope="module")
def seg():
    return get_segmenter(load_rules())


def test_guessed_words(seg, monkeypatch) -> None:
    """Every word guess_tag was asked about: each _viterbi call it makes, new against old."""
    from jieba.posseg.viterbi import viterbi

    words = WORDS.read_text(encoding="utf-8").split("\n")[:-1]
    assert len(words) > 2000
    new = segment._viterbi
    calls: list[str] = []

    def checked(obs: str, *tables: Any) -> tuple[float, list[Any]]:
        calls.append(obs)
        got = new(obs, *tables)
        assert _outcome(lambda *a: got, obs) == _outcome(_reference_viterbi, obs, *tables) == _outcome(
            viterbi, obs, *tables
        ), obs
        return got

    segment._POS_HMMS.clear()  # its caches filled by these words alone
    monkeypatch.setattr(segment, "_viterbi", checked)
    guesser = segment._Guesser(seg.tables)
    for word in words:
        guesser.cut(word)
    assert len(calls) > 2000


def _random_strings(seg, count: int) -> list[str]:
    char_state, _, _, emit_p = seg.tables.pos_hmm
    common = sorted(char_state)
    in_emit = set().union(*emit_p.values())
    cjk = [chr(c) for c in range(0x4E00, 0x9FD6)]
    absent = [c for c in cjk if c not in in_emit and c not in char_state]
    assert len(absent) > 1000
    rng = random.Random(20261124)
    pools = [common, common, cjk, absent, sorted(in_emit - set(char_state)) or common]
    return ["".join(rng.choice(rng.choice(pools)) for _ in range(rng.randint(1, 6))) for _ in range(count)]


def test_random_strings(seg) -> None:
    """Random CJK strings of 1-6 characters: common, rare, absent from the tables; on the
    segmenter's tables and on jieba.posseg's own; the first 300 also against jieba's viterbi
    (slow on characters it knows nothing of: every state, from every state)."""
    import jieba.posseg as posseg
    from jieba.posseg.viterbi import viterbi

    segment._POS_HMMS.clear()
    strings = _random_strings(seg, 3000)
    for tables in (seg.tables.pos_hmm, (posseg.char_state_tab_P, posseg.start_P, posseg.trans_P, posseg.emit_P)):
        for i, obs in enumerate(strings):
            want = _outcome(_reference_viterbi, obs, *tables)
            assert _outcome(segment._viterbi, obs, *tables) == want, obs
            if i < 300:
                assert _outcome(viterbi, obs, *tables) == want, obs


def _random_hmm(rng: random.Random) -> tuple[dict, dict, dict, dict]:
    """Small tables in jieba's shape, made for what real tables do not show: few distinct log p
    (equal scores, so ties), -inf transitions, states with no transition out (jieba's max over
    no previous states), characters known to no state."""
    states = [(bmes, tag) for bmes in "BEMS" for tag in rng.sample(["a", "n", "nr", "v", "x"], rng.randint(1, 3))]
    values = [-1.0, -2.0, -0.5, -3.0, segment._MIN_FLOAT, float("-inf")]
    chars = "甲乙丙丁戊"
    start_p = {y: rng.choice(values[:5]) for y in states}
    trans_p = {y0: {y: rng.choice(values) for y in states if rng.random() < 0.4} for y0 in states}
    for y0 in states:
        if rng.random() < 0.15:
            trans_p[y0] = {}
    emit_p = {y: {c: rng.choice(values[:5]) for c in chars if rng.random() < 0.5} for y in states}
    char_state = {c: tuple(rng.sample(states, rng.randint(1, len(states)))) for c in chars[:4]}
    return char_state, start_p, trans_p, emit_p


def test_random_tables(monkeypatch) -> None:
    """New, old and jieba's on small random tables, ties and -inf included; caches kept small,
    so that both what they keep and what they do not is used."""
    from jieba.posseg.viterbi import viterbi

    monkeypatch.setattr(segment, "_MAX_VITERBI_CACHED", 5)
    rng = random.Random(7)
    seen = set()
    for _ in range(400):
        tables = _random_hmm(rng)
        for _ in range(15):
            obs = "".join(rng.choice("甲乙丙丁戊己") for _ in range(rng.randint(1, 5)))
            want = _outcome(viterbi, obs, *tables)
            assert _outcome(segment._viterbi, obs, *tables) == _outcome(_reference_viterbi, obs, *tables) == want
            seen.add("ValueError" if want[0] == "ValueError" else float.fromhex(want[0]) == float("-inf"))
    assert seen == {"ValueError", True, False}  # raised, -inf and finite outcomes all met
