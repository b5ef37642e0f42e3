"""Segmentation: jieba's algorithm over tables built once, or loaded from a start-up snapshot.

Every lexicon name, alias, pattern suffix and trigger word is added to jieba's dictionary so
that names are not split and chunk boundaries fall where the rules expect. Each Segmenter has
its own dictionary, so two rule sets in one process do not leak words into each other; it is
made once per process and rules version (`get_segmenter`).

`Segmenter.nlp` (made on first use) is the documented entry point (spaCy's blank Chinese
pipeline with a `jieba.Tokenizer` holding the rules' words: `nlp.make_doc(text)` gives the same
tokens), but the extractor only needs token offsets, so `tokens` runs that tokenizer's own
algorithm (dictionary DAG, best route, HMM for unknown runs) with the offsets kept as it goes:
no word list, no re-alignment, no spaCy Doc. The DAG's words are found by an Aho-Corasick
automaton (in C) instead of jieba's per-position prefix look-ups; the route and the HMM are the
same floating-point computations, so the tokens are the same (tests/test_segment_speed.py
compares the two).

The segmenter also answers part-of-speech guesses (`guess_tag`) as `jieba.posseg.cut` on
jieba's global, unextended dictionary would, from the same automaton: the words we added are
hidden behind an overlay of their original frequencies, so no second dictionary is loaded.

Everything the segmenter needs is in `Tables`: the automaton, its log-probability table,
that overlay, jieba.posseg's tag table and the two HMMs' probabilities. Building them takes
~2 s (jieba's dictionary, 350k automaton words, posseg's tag table, importing jieba); with a
cache folder they are saved on first use as a snapshot (`segmenter-<key>.snapshot`) and
loaded from it later in ~0.3 s, without importing jieba or holding its frequency dict at all.
The key covers everything the tables are made from (see `snapshot_key`), so a snapshot is
never stale; a missing, corrupt or unwritable one only costs the build time.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import pickle
import re
import struct
import sys
import zlib
from dataclasses import dataclass
from functools import cached_property
from math import log
from operator import add
from pathlib import Path
from typing import Any

from .rules import Rules

# High enough that a lexicon word beats jieba's own splits of the same characters.
_USER_FREQ = 200000
# jieba's block pattern (jieba.re_han_default): runs it segments; everything else is one
# token per non-space character.
_RE_HAN = re.compile("([\u4e00-\u9fd5a-zA-Z0-9+#&\\._%\\-]+)")
_MAX_HMM_CACHED = 200_000
_MISSING = object()  # a default for dict look-ups whose values may be None
_MIN_INF = float("-inf")
_MIN_FLOAT = -3.14e100  # jieba's stand-in for log(0) in both HMMs
_LEN_BITS = 8  # an automaton value is (frequency's index << _LEN_BITS) | (word length - 1)
_LEN_MASK = (1 << _LEN_BITS) - 1


@dataclass
class Tables:
    """What a Segmenter is made of, and what its snapshot holds (`save_snapshot`)."""

    words: Any  # ahocorasick.Automaton: each dictionary word (frequency > 0) of 2+ characters reversed -> packed value
    singles: dict[str, int]  # each one-character dictionary word -> its frequency's index
    logps: list[float]  # log(freq) - log(total), one per distinct frequency (a value's upper bits)
    freqs: list[int]  # the frequencies themselves, same index: for `guess_tag`'s base dictionary
    total: int  # jieba's total frequency with our words added
    base_total: int  # ... and before
    base: dict[str, int | None]  # our words and their prefixes -> jieba's own frequency (None: absent)
    tags: dict[str, str]  # jieba.posseg's word -> tag table (from jieba's dict.txt)
    hmm: tuple[dict, dict, dict]  # jieba.finalseg's start, transition and emission log-probabilities
    pos_hmm: tuple[dict, dict, dict, dict]  # jieba.posseg's char-state table, start, transition, emission


class Segmenter:
    """Tokenises text into (start, end) character spans as spaCy zh + jieba would."""

    def __init__(self, rules: Rules, tables: Tables | None = None) -> None:
        """From `tables` (a snapshot's) if given, else built from jieba's dictionary."""
        self.rules = rules
        t = tables if tables is not None else build_tables(rules)
        self.tables = t
        self._words, self._logps, self._logtotal = t.words, t.logps, log(t.total)
        # a character's score as a one-character word: log(freq) - log(total), or -log(total) when
        # it is no word (jieba's `FREQ.get(char) or 1`: log(1) is 0.0, and 0.0 - x is -x exactly)
        self._single = {char: t.logps[i] for char, i in t.singles.items()}
        self.tags = t.tags
        self._hmm: dict[str, tuple[int, ...]] = {}  # run of unknown characters -> finalseg word lengths
        self._guessed: _Guesser | None = None  # made on first use

    @cached_property
    def jieba(self) -> Any:
        """A jieba.Tokenizer with the rules' words added: only `nlp` needs one (made on first use)."""
        return _extended_tokenizer(self.rules)

    @cached_property
    def nlp(self) -> Any:
        """spaCy's blank `zh` pipeline tokenising with this rule set's jieba dictionary.

        Made on first use: `tokens` does not need it, and importing spaCy is about a second of
        every worker's (and every one-document rebuild's) start-up. Made with the "char"
        segmenter, then switched to jieba: asking spaCy for "jieba" makes it warm up jieba's
        global dictionary (spacy.lang.zh's try_jieba_import), a second ~100 MB copy never used.
        """
        import spacy

        nlp = spacy.blank("zh")
        nlp.tokenizer.segmenter = "jieba"
        nlp.tokenizer.jieba_seg = self.jieba
        return nlp

    def tokens(self, text: str) -> list[tuple[int, int]]:
        """Token spans of `text` (whitespace tokens dropped), as `nlp.make_doc(text)` gives them.

        Outside jieba's blocks, each character that is not white space is a token. A block is cut
        as jieba.Tokenizer's `__cut_DAG` cuts it (accurate mode, HMM on), its get_DAG + calc
        done in one backward pass (in this method: a sentence holds ~4 blocks, and a call and
        its set-up per block were ~10 % of the time).

        jieba scores each start i as max over its words i..x of (log(freq) - logtotal +
        score[x + 1], x), from the last start back. Here the words of two or more characters
        come from an Aho-Corasick automaton of the reversed words run over the reversed block
        (in C), grouped by start, last start first; one-character words are scored from
        `_single`, so a start no longer word begins at costs one addition instead of an
        automaton match. As in jieba's DAG, a character is a candidate where longer words begin
        only if it is a word itself, and is the only one (a word or not) where none do. Each
        score is the same floating-point sum as jieba's; on a tie the longer word wins, as in
        jieba's max.

        Scores are kept by reversed position: score[k] is the score of the start n - k
        (score[0] that of the end), so a word from the start at reversed index e with
        `reach` = length - 1 ends before the start at reversed index e - reach.
        """
        out: list[tuple[int, int]] = []
        pos = 0
        pieces = iter(_RE_HAN.split(text))  # other text, a block, other text, ... (blocks are never empty)
        words, logps, mask, bits = self._words.iter, self._logps, _LEN_MASK, _LEN_BITS
        one, single, unknown = self._single.get, -self._logtotal, self._unknown
        for other in pieces:
            if other:
                if len(other) == 1:  # mostly: a punctuation mark between two blocks
                    if not other.isspace():
                        out.append((pos, pos + 1))
                    pos += 1
                else:
                    out += [(pos + j, pos + j + 1) for j, ch in enumerate(other) if not ch.isspace()]
                    pos += len(other)
            blk = next(pieces, "")
            if not blk:
                break
            n = len(blk)
            rblk = blk[::-1]
            score = [0.0] * (n + 1)
            longer: list[int] = []  # (reversed start, reach) of starts whose best word is longer than one character
            cur, best, reach = -1, 0.0, 0  # cur: the reversed start whose words are being compared
            for e, v in words(rblk):
                if e != cur:
                    score[cur + 1] = best
                    if reach:
                        longer += cur, reach
                    cur += 1
                    while cur < e:  # starts no longer word begins at: their character alone
                        best = score[cur + 1] = one(rblk[cur], single) + best
                        cur += 1
                    best, reach = one(rblk[e], _MIN_INF) + best, 0  # jieba's DAG: the character only if it is a word
                w = v & mask
                val = logps[v >> bits] + score[e - w]
                if val > best or (val == best and w > reach):
                    best, reach = val, w
            if reach:
                longer += cur, reach
            # the cut, first start first: runs of single characters between the longer words go to the HMM
            x, last = 0, n - 1
            for e, w in zip(longer[-2::-2], longer[::-2], strict=True):
                s = last - e
                if s < x:  # inside the word before
                    continue
                if s > x:
                    if s - x == 1:
                        out.append((pos + x, pos + s))
                    else:
                        unknown(blk[x:s], pos + x, out)
                x = s + w + 1
                out.append((pos + s, pos + x))
            if x < n:
                if n - x == 1:
                    out.append((pos + x, pos + n))
                else:
                    unknown(blk[x:], pos + x, out)
            pos += n
        return out

    def _unknown(self, run: str, pos: int, out: list[tuple[int, int]]) -> None:
        """A run of two or more single characters: jieba's HMM words (finalseg) unless the run is
        a known word (jieba's `FREQ.get(run)` is truthy exactly for the automaton's words)."""
        lengths = self._hmm.get(run)
        if lengths is None:
            lengths = (1,) * len(run) if run[::-1] in self._words else _finalseg_lengths(run, *self.tables.hmm)
            if len(self._hmm) < _MAX_HMM_CACHED:
                self._hmm[run] = lengths  # names and places recur: the HMM is the costly part
        for n in lengths:
            out.append((pos, pos + n))
            pos += n

    def guess_tag(self, word: str) -> str | None:
        """jieba.posseg's tag for `word` when it cuts it as one word, else None — computed as
        `jieba.posseg.cut(word)` on jieba's global dictionary would, without loading it."""
        if self._guessed is None:
            self._guessed = _Guesser(self.tables)
        pairs = self._guessed.cut(word)
        return pairs[0][1] if len(pairs) == 1 else None


# -- jieba.finalseg (the HMM for runs of unknown characters), without importing jieba ---------------

_FINAL_HAN = re.compile("([\u4e00-\u9fd5]+)")  # jieba.finalseg.re_han
_FINAL_SKIP = re.compile(r"([a-zA-Z0-9]+(?:\.\d+)?%?)")  # jieba.finalseg.re_skip
_PREV_STATUS = {"B": "ES", "M": "MB", "S": "SE", "E": "BM"}


def _finalseg_lengths(run: str, start_p: dict, trans_p: dict, emit_p: dict) -> tuple[int, ...]:
    """The lengths of the words `jieba.finalseg.cut(run)` gives (with no forced splits: the
    segmenter never adds a word with frequency 0, the only way to make one)."""
    out: list[int] = []
    for blk in _FINAL_HAN.split(run):
        if _FINAL_HAN.match(blk):
            path = _finalseg_viterbi(blk, start_p, trans_p, emit_p)
            begin, nexti = 0, 0
            for i, state in enumerate(path):  # finalseg.__cut
                if state == "B":
                    begin = i
                elif state == "E":
                    out.append(i + 1 - begin)
                    nexti = i + 1
                elif state == "S":
                    out.append(1)
                    nexti = i + 1
            if nexti < len(blk):
                out.append(len(blk) - nexti)
        else:
            out += [len(x) for x in _FINAL_SKIP.split(blk) if x]
    return tuple(out)


def _finalseg_viterbi(obs: str, start_p: dict, trans_p: dict, emit_p: dict) -> list[str]:
    """jieba.finalseg.viterbi's best path: the same sums in the same order, its four states
    unrolled into variables, and back-pointers instead of a copied path per state and step.

    jieba scores y at step t as max over y0 in PrevStatus[y] of ((V[t-1][y0] + trans) + emit, y0):
    between two equal scores the greater state letter wins (B: from S over E; M: from M over B;
    E: from M over B; S: from S over E), and so at the end (S over E)."""
    minf = _MIN_FLOAT
    em_b, em_m, em_e, em_s = (emit_p[y].get for y in "BMES")
    t_eb, t_sb = trans_p["E"].get("B", minf), trans_p["S"].get("B", minf)
    t_mm, t_bm = trans_p["M"].get("M", minf), trans_p["B"].get("M", minf)
    t_be, t_me = trans_p["B"].get("E", minf), trans_p["M"].get("E", minf)
    t_ss, t_es = trans_p["S"].get("S", minf), trans_p["E"].get("S", minf)
    char = obs[0]
    vb, vm = start_p["B"] + em_b(char, minf), start_p["M"] + em_m(char, minf)
    ve, vs = start_p["E"] + em_e(char, minf), start_p["S"] + em_s(char, minf)
    back: list[tuple[int, int, int, int]] = []  # per step, each state's predecessor (0 B, 1 M, 2 E, 3 S)
    for char in obs[1:]:
        em = em_b(char, minf)
        a, b = ve + t_eb + em, vs + t_sb + em
        nb, pb = (a, 2) if a > b else (b, 3)
        em = em_m(char, minf)
        a, b = vm + t_mm + em, vb + t_bm + em
        nm, pm = (b, 0) if b > a else (a, 1)
        em = em_e(char, minf)
        a, b = vb + t_be + em, vm + t_me + em
        ne, pe = (a, 0) if a > b else (b, 1)
        em = em_s(char, minf)
        a, b = vs + t_ss + em, ve + t_es + em
        ns, ps = (b, 2) if b > a else (a, 3)
        back.append((pb, pm, pe, ps))
        vb, vm, ve, vs = nb, nm, ne, ns
    state = 2 if ve > vs else 3
    path = [state]
    for step in reversed(back):
        state = step[state]
        path.append(state)
    return ["BMES"[i] for i in reversed(path)]


# -- jieba.posseg on the base dictionary, for `guess_tag` --------------------------------------------

# jieba.posseg's patterns
_POS_HAN_DETAIL = re.compile("([\u4e00-\u9fd5]+)")
_POS_SKIP_DETAIL = re.compile(r"([\.0-9]+|[a-zA-Z0-9]+)")
_POS_HAN_INTERNAL = re.compile("([\u4e00-\u9fd5a-zA-Z0-9+#&\\._]+)")
_POS_SKIP_INTERNAL = re.compile(r"(\r\n|\s)")
_POS_ENG = re.compile("[a-zA-Z0-9]+")
_POS_NUM = re.compile(r"[\.0-9]+")


class _Guesser:
    """`jieba.posseg.cut(sentence, HMM=True)` (POSTokenizer's __cut_internal, __cut_DAG,
    __cut_detail, __cut, line for line) as (word, tag) pairs, on jieba's base dictionary read
    from the tables: a word's frequency is the overlay's when we added the word (or one it starts),
    else the automaton's. jieba's prefix dictionary holds every prefix of every word, so its
    DAG's words from a position are exactly the dictionary words (frequency > 0) starting there:
    the automaton's, less those the overlay says jieba does not have."""

    def __init__(self, tables: Tables) -> None:
        self.words, self.freqs, self.base, self.tags = tables.words, tables.freqs, tables.base, tables.tags
        self.singles = tables.singles
        self.logtotal = log(tables.base_total)
        self.hmm = tables.pos_hmm

    def freq(self, word: str) -> int:
        """jieba's own FREQ.get(word) or 0."""
        f = self.base.get(word, _MISSING)
        if f is _MISSING:
            if len(word) == 1:
                i = self.singles.get(word)
                return 0 if i is None else self.freqs[i]
            v = self.words.get(word[::-1], None)
            return 0 if v is None else self.freqs[v >> _LEN_BITS]
        return f or 0

    def cut(self, sentence: str) -> list[tuple[str, str]]:
        """POSTokenizer.__cut_internal(sentence, HMM=True)."""
        out: list[tuple[str, str]] = []
        for blk in _POS_HAN_INTERNAL.split(sentence):
            if _POS_HAN_INTERNAL.match(blk):
                self._cut_dag(blk, out)
            else:
                for x in _POS_SKIP_INTERNAL.split(blk):
                    if _POS_SKIP_INTERNAL.match(x):
                        out.append((x, "x"))
                    else:
                        out += [(xx, _other_tag(xx, x)) for xx in x]
        return out

    def _route(self, sentence: str) -> dict[int, tuple[float, int]]:
        """jieba.Tokenizer's get_DAG + calc on the base dictionary."""
        n = len(sentence)
        last = n - 1
        dag: dict[int, list[tuple[int, int]]] = {}  # start -> (end index, frequency) of its words
        base, freqs, singles = self.base, self.freqs, self.singles
        for start, char in enumerate(sentence):  # one-character words
            f = base.get(char, _MISSING)
            if f is _MISSING:
                i = singles.get(char)
                f = 0 if i is None else freqs[i]
            if f:
                dag[start] = [(start, f)]
        for e, v in self.words.iter(sentence[::-1]):  # and longer ones
            start = last - e
            end = start + (v & _LEN_MASK)
            f = base.get(sentence[start : end + 1], _MISSING)
            if f is _MISSING:
                f = freqs[v >> _LEN_BITS]
            if f:
                dag.setdefault(start, []).append((end, f))
        route: dict[int, tuple[float, int]] = {n: (0, 0)}
        logtotal = self.logtotal
        for idx in range(last, -1, -1):
            route[idx] = max((log(f) - logtotal + route[x + 1][0], x) for x, f in dag.get(idx, ((idx, 1),)))
        return route

    def _cut_dag(self, sentence: str, out: list[tuple[str, str]]) -> None:
        """POSTokenizer.__cut_DAG."""
        route = self._route(sentence)
        tags = self.tags
        x, buf, n = 0, "", len(sentence)
        while x < n:
            y = route[x][1] + 1
            l_word = sentence[x:y]
            if y - x == 1:
                buf += l_word
            else:
                if buf:
                    self._flush(buf, out)
                    buf = ""
                out.append((l_word, tags.get(l_word, "x")))
            x = y
        if buf:
            self._flush(buf, out)

    def _flush(self, buf: str, out: list[tuple[str, str]]) -> None:
        tags = self.tags
        if len(buf) == 1:
            out.append((buf, tags.get(buf, "x")))
        elif not self.freq(buf):
            self._cut_detail(buf, out)
        else:
            out += [(ch, tags.get(ch, "x")) for ch in buf]

    def _cut_detail(self, sentence: str, out: list[tuple[str, str]]) -> None:
        """POSTokenizer.__cut_detail, its HMM step by `_viterbi`."""
        char_state, start_p, trans_p, emit_p = self.hmm
        for blk in _POS_HAN_DETAIL.split(sentence):
            if _POS_HAN_DETAIL.match(blk):
                prob, pos_list = _viterbi(blk, char_state, start_p, trans_p, emit_p)
                begin, nexti = 0, 0
                for i, char in enumerate(blk):
                    pos = pos_list[i][0]
                    if pos == "B":
                        begin = i
                    elif pos == "E":
                        out.append((blk[begin : i + 1], pos_list[i][1]))
                        nexti = i + 1
                    elif pos == "S":
                        out.append((char, pos_list[i][1]))
                        nexti = i + 1
                if nexti < len(blk):
                    out.append((blk[nexti:], pos_list[nexti][1]))
            else:
                out += [(x, _other_tag(x, x)) for x in _POS_SKIP_DETAIL.split(blk) if x]


def _other_tag(piece: str, whole: str) -> str:
    """jieba.posseg's tag for a piece outside the Han blocks: "m" if it is a number, "eng" if the
    text it came from is Latin (jieba's __cut_internal tests the whole run, not the character),
    else "x"."""
    return "m" if _POS_NUM.match(piece) else "eng" if _POS_ENG.match(whole) else "x"


class _PosHMM:
    """jieba.posseg's HMM tables as `_viterbi` uses them. States are numbered in sorted order, so
    a greater number is a greater state, as jieba's max over (score, state) tuples compares them;
    a set of states is an int, bit i for state i. Made once: per state the states it can step to
    and those that can step to it; cached as met: per character its states and first scores, per
    set of states the states they can step to and its members, per state and set of predecessors
    those predecessors and their transitions' log p."""

    def __init__(self, states: dict, start_p: dict, trans_p: dict, emit_p: dict) -> None:
        self.tables = (states, start_p, trans_p, emit_p)  # held, so that the ids keying _POS_HMMS stay theirs
        self.order = order = sorted(trans_p)  # number -> state
        self.number = number = {y: i for i, y in enumerate(order)}
        self.all_states = (1 << len(order)) - 1  # jieba's all_states, trans_p.keys()
        self.targets = [_bits(number[y] for y in trans_p[y0]) for y0 in order]
        self.stepping = _bits(i for i, y0 in enumerate(order) if len(trans_p[y0]) > 0)
        self.sources = [_bits(i for i, y0 in enumerate(order) if y in trans_p[y0]) for y in order]
        self.emit = [emit_p[y] for y in order]
        self.char_states: dict[str, int] = {}
        self.starts: dict[str, tuple[dict[int, float], int]] = {}
        self.expected: dict[int, int] = {}
        self.member_lists: dict[int, tuple[int, ...]] = {}
        self.plans: list[dict[int, tuple[tuple[int, ...], tuple[float, ...]]]] = [{} for _ in order]
        self.planned = 0  # plans kept, in all

    def states_of(self, char: str) -> int:
        """set(states.get(char, all_states))."""
        found = self.char_states.get(char)
        if found is None:
            got = self.tables[0].get(char)
            found = self.all_states if got is None else _bits(map(self.number.__getitem__, got))
            if len(self.char_states) < _MAX_VITERBI_CACHED:
                self.char_states[char] = found
        return found

    def start(self, char: str) -> tuple[dict[int, float], int]:
        """jieba's V[0] for a first character `char` (never to be changed) and its states."""
        found = self.starts.get(char)
        if found is None:
            states, start_p, trans_p, emit_p = self.tables
            number = self.number
            v = {number[y]: start_p[y] + emit_p[y].get(char, _MIN_FLOAT) for y in states.get(char, trans_p.keys())}
            found = (v, _bits(v))
            if len(self.starts) < _MAX_VITERBI_CACHED:
                self.starts[char] = found
        return found

    def expect_next(self, live: int) -> int:
        """The states that the states `live` can step to (jieba's prev_states_expect_next)."""
        found = self.expected.get(live)
        if found is None:
            found = 0
            for i in self.members(live):
                found |= self.targets[i]
            if len(self.expected) < _MAX_VITERBI_CACHED:
                self.expected[live] = found
        return found

    def members(self, states: int) -> tuple[int, ...]:
        """The numbers in the set `states`, ascending."""
        found = self.member_lists.get(states)
        if found is None:
            out, rest = [], states
            while rest:
                low = rest & -rest
                out.append(low.bit_length() - 1)
                rest ^= low
            found = tuple(out)
            if len(self.member_lists) < _MAX_VITERBI_CACHED:
                self.member_lists[states] = found
        return found

    def plan(self, y: int, cands: int) -> tuple[tuple[int, ...], tuple[float, ...]]:
        """The states `cands` (which can all step to y) and their transitions' log p to y."""
        found = self.plans[y].get(cands)
        if found is None:
            order, trans_p, y_state = self.order, self.tables[2], self.order[y]
            members = self.members(cands)
            found = (members, tuple(trans_p[order[i]][y_state] for i in members))
            if self.planned < _MAX_VITERBI_CACHED:
                self.plans[y][cands] = found
                self.planned += 1
        return found


def _bits(numbers: Any) -> int:
    """The set of `numbers` as an int."""
    out = 0
    for i in numbers:
        out |= 1 << i
    return out


# id()s of the tables -> their _PosHMM
_POS_HMMS: dict[tuple[int, int, int, int], _PosHMM] = {}
_MAX_VITERBI_CACHED = 50_000  # entries each _PosHMM cache keeps (~10 MB at most); beyond, made and not kept


def _viterbi(obs: str, states: dict, start_p: dict, trans_p: dict, emit_p: dict) -> tuple[float, list[Any]]:
    """jieba.posseg.viterbi.viterbi, exactly: the same states at each step, the same scores (the
    identical doubles) and the same route. jieba scores state y at step t as the max over its
    prev_states y0 (the states of step t-1 with a transition out) of the tuples
    ((V[t-1][y0] + trans_p[y0].get(y, -inf)) + emit, y0), emit being emit_p[y].get(char, MIN_FLOAT),
    and keeps the winning y0 in mem_path. Here:
    - states are numbers in their sorted order and sets of them bits of an int (`_PosHMM`): the
      same comparisons, the same sets, cheaper;
    - V[t][y] is fl(max over y0 of fl(V[t-1][y0] + trans_p[y0][y]) + emit), y0 running over the
      prev_states that can step to y (the candidates). Rounding is monotone (a <= b implies
      fl(a + e) <= fl(b + e)), so that is jieba's greatest score, emit added once instead of per y0.
      The other y0 add -inf and cannot beat a finite score; when every score is -inf (or no y0 can
      step to y), so is V[t][y] (emit is finite). No +inf occurs, hence no NaN;
    - mem_path is needed only along the route: for the route's state at each step, the winner is
      jieba's max over the candidates' tuples, computed as jieba does, unless its score is -inf
      (or there are none): then every prev_state scores -inf and jieba's max is the greatest.
    jieba's max over no prev_states raises ValueError; so does this."""
    key = (id(states), id(start_p), id(trans_p), id(emit_p))
    hmm = _POS_HMMS.get(key)
    if hmm is None:
        hmm = _POS_HMMS[key] = _PosHMM(states, start_p, trans_p, emit_p)
    sources, stepping, emits, plans = hmm.sources, hmm.stepping, hmm.emit, hmm.plans
    v, present = hmm.start(obs[0])
    steps: list[tuple[dict[int, float], int]] = []  # V[t-1] and prev_states, for each step t
    for char in obs[1:]:
        live = present & stepping  # jieba's prev_states
        if not live:
            raise ValueError("max() arg is an empty sequence")
        steps.append((v, live))
        expect_next = hmm.expect_next(live)
        present = hmm.states_of(char) & expect_next or expect_next or hmm.all_states  # jieba's obs_states
        get = v.__getitem__
        v = {}
        for y in hmm.members(present):
            cands = sources[y] & live
            cand_list, trans = plans[y].get(cands) or hmm.plan(y, cands)
            best = max(map(add, map(get, cand_list), trans)) if cand_list else _MIN_INF
            v[y] = best + emits[y].get(char, _MIN_FLOAT)
    prob, state = max((p, y) for y, p in v.items())
    route: list[Any] = [None] * len(obs)
    route[-1] = hmm.order[state]
    for t in range(len(obs) - 1, 0, -1):  # mem_path[t][state]
        last_v, live = steps[t - 1]
        emit = emits[state].get(obs[t], _MIN_FLOAT)
        cand_list, trans = hmm.plan(state, sources[state] & live)
        score, state = max(
            ((last_v[y0] + tr + emit, y0) for y0, tr in zip(cand_list, trans, strict=True)), default=(_MIN_INF, -1)
        )
        if score == _MIN_INF:
            state = live.bit_length() - 1  # the greatest prev_state
        route[t - 1] = hmm.order[state]
    return prob, route


# -- building the tables -----------------------------------------------------------------------------


def _extended_tokenizer(rules: Rules) -> Any:
    """A jieba.Tokenizer with the rules' words added (each at _USER_FREQ), for `Segmenter.nlp`:
    `build_tables` adds them to its own reading of jieba's dictionary the same way (`_add_words`)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    for word in sorted(rules.dictionary_words):
        if len(word) > 1 and " " not in word:
            tok.add_word(word, freq=_USER_FREQ)
    return tok


def build_tables(rules: Rules) -> Tables:
    """The tables from jieba's files: its dictionary with the rules' words, posseg's tag table, the HMMs.

    Read without importing jieba: `jieba.Tokenizer.initialize` (its dictionary from a marshal
    cache) and importing jieba.posseg (which reads dict.txt again for the tags) took ~1.3 s of
    every first start-up; dict.txt read once here gives both in ~0.4 s, as jieba would
    (tests/test_startup_snapshot.py compares them)."""
    freq, base_total, tags = _jieba_dictionary()
    base, total = _add_words(freq, base_total, rules)
    words, singles, logps, freqs = _word_automaton(freq, log(total))
    return Tables(
        words=words,
        singles=singles,
        logps=logps,
        freqs=freqs,
        total=total,
        base_total=base_total,
        base=base,
        tags=tags,
        hmm=(_jieba_model("finalseg", "prob_start"), _jieba_model("finalseg", "prob_trans"),
             _jieba_model("finalseg", "prob_emit")),
        pos_hmm=(_jieba_model("posseg", "char_state_tab"), _jieba_model("posseg", "prob_start"),
                 _jieba_model("posseg", "prob_trans"), _jieba_model("posseg", "prob_emit")),
    )


def _jieba_folder() -> str:
    """Where jieba is installed (found, not imported)."""
    from importlib.util import find_spec

    spec = find_spec("jieba")
    if spec is None or not spec.origin:
        raise ImportError("jieba is not installed")
    return os.path.dirname(spec.origin)


def _jieba_dictionary() -> tuple[dict[str, int], int, dict[str, str]]:
    """jieba's dict.txt as jieba reads it: each word's frequency (Tokenizer.gen_pfdict, less the
    prefixes it adds with frequency 0: a prefix that is no word counts as absent everywhere
    here), their total, and each word's tag (POSTokenizer.load_word_tag), one string per tag.
    Lines are split at b"\n" and stripped of ASCII white space, as jieba's binary reads do;
    a line that either would reject raises ValueError."""
    with open(os.path.join(_jieba_folder(), "dict.txt"), "rb") as fh:
        lines = fh.read().decode("utf-8").split("\n")
    if lines and not lines[-1]:
        lines.pop()  # the last line's break
    freq: dict[str, int] = {}
    tags: dict[str, str] = {}
    same: dict[str, str] = {}  # one string per tag
    total = 0
    for lineno, line in enumerate(lines, 1):
        fields = line.strip(" \t\n\r\x0b\x0c").split(" ")
        if len(fields) != 3:
            raise ValueError(f"invalid dictionary entry in jieba's dict.txt at line {lineno}: {line}")
        word, f, tag = fields
        freq[word] = n = int(f)
        total += n
        tags[word] = same.setdefault(tag, tag)
    return freq, total, tags


def _add_words(freq: dict[str, int], total: int, rules: Rules) -> tuple[dict[str, int | None], int]:
    """Add the rules' words to `freq` as `_extended_tokenizer` adds them to a jieba.Tokenizer
    (each at _USER_FREQ, its frequency added to the total); return what each of those words and
    their prefixes was in jieba's own dictionary (the overlay `guess_tag` sees it through: None
    when it was no word) and the new total."""
    base: dict[str, int | None] = {}
    for word in sorted(rules.dictionary_words):
        if len(word) > 1 and " " not in word:
            for i in range(1, len(word) + 1):
                if word[:i] not in base:
                    base[word[:i]] = freq.get(word[:i]) or None
            freq[word] = _USER_FREQ
            total += _USER_FREQ
    return base, total


def _jieba_model(package: str, name: str) -> Any:
    """The table P of one of jieba's model files (jieba/finalseg/prob_emit.py …), run on its own:
    importing jieba.posseg would read dict.txt once more (~0.5 s) for a tag table already read."""
    import importlib.util

    path = os.path.join(_jieba_folder(), package, f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"kg._jieba_{package}_{name}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.P


def _interned(tags: dict[str, str]) -> dict[str, str]:
    """jieba.posseg's tag table (read from dict.txt at import) with one string per tag: its
    120k two-letter tags are separate strings (~6 MB), and each would be one more object to
    write and read in a snapshot. Equal strings replace equal strings, in place."""
    for word, tag in tags.items():
        tags[word] = sys.intern(tag)
    return tags


# Words at least this frequent rank the characters for `_word_automaton` (~10k of jieba's 350k
# words: ranking by all of them is no better, and costs ~0.25 s more of every first start-up).
_RANKING_FREQ = 1000


def _word_automaton(freq: dict[str, int], logtotal: float) -> tuple[Any, dict[str, int], list[float], list[int]]:
    """An automaton of every dictionary word (frequency > 0) of two or more characters, reversed,
    the one-character words, the table of `log(freq) - logtotal` their values point into and the
    frequencies themselves: a value is (frequency's index << 8) | (length - 1), one table entry
    per distinct frequency (a few thousand; one float per word would cost ~10 MB per process).
    Unpacking two ints is quicker in `tokens` than a (length, log) tuple.

    The automaton looks a node's children up one by one in the order they were added, and the
    root has thousands (one per last character of a word): one word per last character is
    added first, in the order of the characters' frequency (their total over jieba's frequent
    words), so the characters a text is made of most are found first. On news that makes
    iterating ~30 % quicker than in dictionary order; sorting every word by its characters'
    ranks is no quicker to iterate and ~0.5 s slower to build. The order changes no match."""
    import ahocorasick

    weight: dict[str, int] = {}
    first: dict[str, str] = {}  # a character -> a frequent word of 2+ characters ending with it, reversed
    for word, f in [(word, f) for word, f in freq.items() if f >= _RANKING_FREQ]:
        for char in word:
            weight[char] = weight.get(char, 0) + f
        if len(word) > 1:
            first.setdefault(word[-1], word[::-1])
    index = {f: i for i, f in enumerate({f: None for f in freq.values() if f})}
    automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
    for char in sorted(weight, key=weight.__getitem__, reverse=True):
        if char in first:
            word = first[char]
            automaton.add_word(word, index[freq[word[::-1]]] << _LEN_BITS | (len(word) - 1))
    singles: dict[str, int] = {}
    for word, f in freq.items():
        if not f:
            continue
        if len(word) == 1:
            singles[word] = index[f]
        elif len(word) > _LEN_MASK + 1:
            raise ValueError(f"dictionary word longer than {_LEN_MASK + 1} characters: {word[:20]}…")
        else:
            automaton.add_word(word[::-1], index[f] << _LEN_BITS | (len(word) - 1))
    automaton.make_automaton()
    return automaton, singles, [log(f) - logtotal for f in index], list(index)


# -- the snapshot ------------------------------------------------------------------------------------

_MAGIC = b"kg-segmenter-snapshot-3\n"
_HEAD = struct.Struct("<16sQQI")  # key, the automaton's pickle's length, the rest's marshal's length, crc32 of both


def snapshot_key(rules: Rules) -> str:
    """What the tables are made from: the rules version, jieba's and pyahocorasick's installed
    files (so their versions), the kg version and extraction code, and the Python version (the
    pickle of an automaton is pyahocorasick's memory layout)."""
    from . import __version__
    from .cache import code_fingerprint

    h = hashlib.sha256()
    for part in (rules.version, __version__, code_fingerprint(), sys.version, *_installed("jieba", "ahocorasick")):
        h.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return h.hexdigest()[:16]


def _installed(*modules: str) -> list[str]:
    """Path, size and mtime of each module's file (and jieba's dictionary): found, not imported
    (importing jieba takes ~0.3 s)."""
    from importlib.util import find_spec

    out = []
    for name in modules:
        spec = find_spec(name)
        origin = spec.origin if spec is not None else None
        paths = [origin] if origin else []
        if name == "jieba" and origin:
            paths.append(os.path.join(os.path.dirname(origin), "dict.txt"))
        for path in paths:
            st = os.stat(path)
            out.append(f"{path}\0{st.st_size}\0{st.st_mtime_ns}")
    return out


def snapshot_path(rules: Rules, cache_dir: str | os.PathLike[str], key: str | None = None) -> Path:
    """Where the segmenter's snapshot for `rules` goes in `cache_dir`."""
    return Path(cache_dir) / f"segmenter-{key or snapshot_key(rules)}.snapshot"


def load_snapshot(path: str | os.PathLike[str], key: str) -> Tables | None:
    """The tables saved at `path` under `key`, or None when absent, for another key, truncated or corrupt."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(_MAGIC) + _HEAD.size)
            data = memoryview(fh.read())
        if not head.startswith(_MAGIC):
            return None
        saved_key, automaton, rest, crc = _HEAD.unpack(head[len(_MAGIC) :])
        if saved_key != key.encode() or automaton + rest != len(data) or crc != zlib.crc32(data):
            return None
        fields = marshal.loads(data[automaton:])
        fields["words"] = pickle.loads(data[:automaton])
        tables = Tables(**fields)
        import ahocorasick

        if not isinstance(tables.words, ahocorasick.Automaton) or not isinstance(tables.tags, dict):
            return None
        return tables
    except Exception:  # unreadable, or written by incompatible code: build the tables instead
        return None


def save_snapshot(path: str | os.PathLike[str], key: str, tables: Tables) -> None:
    """Write the snapshot atomically; failing to only costs the next process its build time.

    The automaton is pickled (pyahocorasick's own format; `Automaton.save` writes faster but
    `ahocorasick.load` reads ~9x slower), the rest marshalled: as quick to read as a pickle,
    ~5x quicker to write (the first build's workers write it). Both formats are specific to the
    Python version, which is part of the key; a crc32 guards against a damaged file."""
    from .atomic import atomic_open

    try:
        automaton = pickle.dumps(tables.words, pickle.HIGHEST_PROTOCOL)
        rest = marshal.dumps({k: v for k, v in vars(tables).items() if k != "words"})
        crc = zlib.crc32(rest, zlib.crc32(automaton))
        with atomic_open(path, "wb") as fh:
            fh.write(_MAGIC + _HEAD.pack(key.encode(), len(automaton), len(rest), crc))
            fh.write(automaton)
            fh.write(rest)
    except Exception:
        pass


def startup_tables(rules: Rules, cache_dir: str | os.PathLike[str] | None) -> Tables:
    """The tables from the snapshot in `cache_dir`, else built (and saved there); with no
    `cache_dir`, built."""
    if cache_dir is None:
        return build_tables(rules)
    try:
        key = snapshot_key(rules)
    except OSError:  # a file of jieba's or ours cannot be read: whatever is wrong, building will say it
        return build_tables(rules)
    path = snapshot_path(rules, cache_dir, key)
    tables = load_snapshot(path, key)
    if tables is None:
        tables = build_tables(rules)
        save_snapshot(path, key, tables)
    return tables


def get_segmenter(rules: Rules, cache_dir: str | os.PathLike[str] | None = None) -> Segmenter:
    """One Segmenter per process and rules version; the first one made uses `cache_dir`'s
    snapshot (see `startup_tables`)."""
    cached = _CACHE.get(rules.version)
    if cached is None:
        cached = _CACHE[rules.version] = Segmenter(rules, startup_tables(rules, cache_dir))
    return cached


def word_tags() -> dict[str, str]:
    """jieba.posseg's word -> tag table (jieba's dict.txt: the same for every rule set): a
    segmenter's copy (a snapshot's, when it was loaded from one), else jieba.posseg's (importing
    it reads dict.txt, ~0.5 s). `kg.extract.get_context` makes the segmenter first."""
    for seg in _CACHE.values():
        return seg.tags
    import jieba.posseg

    return _interned(jieba.posseg.dt.word_tag_tab)


_CACHE: dict[str, Segmenter] = {}
