"""Segmentation: spaCy's blank Chinese pipeline with the jieba segmenter.

Every lexicon name, alias, pattern suffix and trigger word is added to jieba's dictionary so
that names are not split and chunk boundaries fall where the rules expect. Each Segmenter has
its own `jieba.Tokenizer`, handed to spaCy's tokenizer, so two rule sets in one process do not
leak words into each other; it is built once per process and rules version (`get_segmenter`).

`Segmenter.nlp` (made on first use) is the documented entry point (`nlp.make_doc(text)` gives the same tokens), but
the extractor only needs token offsets, so `tokens` runs the configured jieba tokenizer's own
algorithm (dictionary DAG, best route, HMM for unknown runs) with the offsets kept as it goes:
no word list, no re-alignment, no spaCy Doc. The DAG's words are found by an Aho-Corasick
automaton (in C) instead of jieba's per-position prefix look-ups; the route is the same
floating-point computation, so the tokens are the same (tests/test_segment_speed.py compares
the two). The automaton costs ~25 MB and ~0.6 s per process, and saves ~40 % of segmentation.

The same Tokenizer also answers part-of-speech guesses (`guess_tag`) as if it were jieba's
global, unextended dictionary: the words we added are hidden behind an overlay of their
original frequencies, so a worker process loads jieba's dictionary once, not twice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from functools import cached_property, lru_cache
from math import log
from typing import Any

from .rules import Rules

# High enough that a lexicon word beats jieba's own splits of the same characters.
_USER_FREQ = 200000
# jieba's block pattern (jieba.re_han_default): runs it segments; everything else is one
# token per non-space character.
_RE_HAN = re.compile("([\u4e00-\u9fd5a-zA-Z0-9+#&\\._%\\-]+)")
_MAX_HMM_CACHED = 200_000
_ABSENT = object()  # an overlay value: the word was not in the base dictionary
_MIN_INF = float("-inf")
_LEN_BITS = 8  # an automaton value is (frequency's index << _LEN_BITS) | word length
_LEN_MASK = (1 << _LEN_BITS) - 1


class Segmenter:
    """Tokenises text into (start, end) character spans with spaCy zh + jieba."""

    def __init__(self, rules: Rules) -> None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self.jieba = jieba.Tokenizer()
        self.jieba.initialize()
        freq = self.jieba.FREQ
        # what the words we add (and their prefixes) were before: for `guess_tag`
        self._base_total = self.jieba.total
        self._base: dict[str, Any] = {}
        for word in sorted(rules.dictionary_words):
            if len(word) > 1 and " " not in word:
                for i in range(1, len(word) + 1):
                    if word[:i] not in self._base:
                        self._base[word[:i]] = freq.get(word[:i], _ABSENT)
                self.jieba.add_word(word, freq=_USER_FREQ)
        self._logtotal = log(self.jieba.total)
        self._words, self._logps = _word_automaton(freq, self._logtotal)
        self._pos: Any = None  # the part-of-speech tokenizer over the base view, made on first use
        self._hmm: dict[str, tuple[int, ...]] = {}  # run of unknown characters -> finalseg word lengths

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
        """Token spans of `text` (whitespace tokens dropped), as `nlp.make_doc(text)` gives them."""
        out: list[tuple[int, int]] = []
        pos = 0
        for i, blk in enumerate(_RE_HAN.split(text)):  # odd items are the pattern's matches
            if not blk:
                continue
            if i % 2:
                self._cut_block(blk, pos, out)
            else:
                out += [(pos + j, pos + j + 1) for j, ch in enumerate(blk) if not ch.isspace()]
            pos += len(blk)
        return out

    def _cut_block(self, blk: str, pos: int, out: list[tuple[int, int]]) -> None:
        """Append the words of one block, at offset `pos`: jieba.Tokenizer's `__cut_DAG`
        (accurate mode, HMM on), its get_DAG + calc done in one backward pass.

        The dictionary words in `blk` come from an Aho-Corasick automaton of the reversed words
        run over the reversed block (in C), grouped by start position, last start first — the
        order of jieba's backward pass. Each score is the same floating-point sum in the same
        order as jieba's (`log(freq) - logtotal` is precomputed); ties go to the longer word, as
        jieba's max over (score, end) does.
        """
        n = len(blk)
        last = n - 1
        score = [0.0] * (n + 1)
        length = [1] * n  # the length of the best word from each position
        logps, single = self._logps, -self._logtotal  # single: a character that starts no word
        mask, bits = _LEN_MASK, _LEN_BITS
        cur, best, best_len = n, _MIN_INF, 1  # cur: the start whose words are being compared
        for e, v in self._words.iter(blk[::-1]):
            s = last - e
            if s != cur:
                if cur < n:
                    score[cur] = best
                    length[cur] = best_len
                for q in range(cur - 1, s, -1) if s < cur - 1 else ():  # no word starts at q
                    score[q] = single + score[q + 1]
                cur, best = s, _MIN_INF
            w = v & mask
            val = logps[v >> bits] + score[s + w]
            if val > best or (val == best and w > best_len):
                best, best_len = val, w
        if cur < n:  # the first word start: no score is read before it, only lengths (1 by default)
            length[cur] = best_len
        # the cut: runs of single characters go to the HMM
        x, buf = 0, 0  # buf: length of the run of single characters before x
        while x < n:
            y = x + length[x]
            if y - x == 1:
                buf += 1
            else:
                if buf:
                    self._unknown(blk[x - buf : x], pos + x - buf, out)
                    buf = 0
                out.append((pos + x, pos + y))
            x = y
        if buf:
            self._unknown(blk[n - buf :], pos + n - buf, out)

    def _unknown(self, run: str, pos: int, out: list[tuple[int, int]]) -> None:
        """A run of single characters: jieba's HMM words (finalseg) unless the run is a known word."""
        if len(run) == 1:
            out.append((pos, pos + 1))
            return
        lengths = self._hmm.get(run)
        if lengths is None:
            from jieba import finalseg

            lengths = tuple(len(w) for w in finalseg.cut(run)) if not self.jieba.FREQ.get(run) else (1,) * len(run)
            if len(self._hmm) < _MAX_HMM_CACHED:
                self._hmm[run] = lengths  # names and places recur: the HMM is the costly part
        for n in lengths:
            out.append((pos, pos + n))
            pos += n

    def guess_tag(self, word: str) -> str | None:
        """jieba.posseg's tag for `word` when it cuts it as one word, else None — computed as
        `jieba.posseg.cut(word)` on jieba's global dictionary would, without loading it."""
        if self._pos is None:
            import jieba.posseg

            pos = object.__new__(_guess_tokenizer_class())
            pos.tokenizer = _BaseView(self)
            pos.word_tag_tab = jieba.posseg.dt.word_tag_tab  # read from dict.txt at import, no FREQ
            self._pos = pos
        pairs = list(self._pos.cut(word, HMM=True))
        return pairs[0].flag if len(pairs) == 1 else None


@lru_cache(maxsize=1)
def _guess_tokenizer_class() -> type:
    """jieba.posseg.POSTokenizer with a faster, exact HMM step (`_viterbi`); a class made on
    first use, as jieba.posseg is imported lazily."""
    import jieba.posseg as posseg

    class GuessTokenizer(posseg.POSTokenizer):
        def _POSTokenizer__cut(self, sentence: str) -> Iterator[Any]:  # noqa: N802 (overrides the private __cut)
            """POSTokenizer.__cut, line for line, with `_viterbi` for jieba's posseg viterbi."""
            prob, pos_list = _viterbi(sentence, posseg.char_state_tab_P, posseg.start_P, posseg.trans_P, posseg.emit_P)
            begin, nexti = 0, 0
            for i, char in enumerate(sentence):
                pos = pos_list[i][0]
                if pos == "B":
                    begin = i
                elif pos == "E":
                    yield posseg.pair(sentence[begin : i + 1], pos_list[i][1])
                    nexti = i + 1
                elif pos == "S":
                    yield posseg.pair(char, pos_list[i][1])
                    nexti = i + 1
            if nexti < len(sentence):
                yield posseg.pair(sentence[nexti:], pos_list[nexti][1])

    return GuessTokenizer


_MIN_FLOAT = -3.14e100
# id(trans_p) -> (state -> states that step to it, state -> states it steps to, state -> {source: log p})
_TABLES: dict[int, tuple[dict[Any, frozenset[Any]], dict[Any, frozenset[Any]], dict[Any, dict[Any, float]]]] = {}


def _viterbi(obs: str, states: dict, start_p: dict, trans_p: dict, emit_p: dict) -> tuple[float, list[Any]]:
    """jieba.posseg.viterbi.viterbi with the same sums in the same order, but each state's best
    predecessor sought only among the states that can step to it (the others score -inf and
    cannot win while any finite score exists; when none does, the full search runs)."""
    tables = _TABLES.get(id(trans_p))
    if tables is None:
        found: dict[Any, set[Any]] = {}
        for y0, nxt in trans_p.items():
            for y in nxt:
                found.setdefault(y, set()).add(y0)
        sources = {y: frozenset(ys) for y, ys in found.items()}
        targets = {y0: frozenset(nxt) for y0, nxt in trans_p.items()}
        into = {y: {y0: trans_p[y0][y] for y0 in ys} for y, ys in found.items()}
        tables = _TABLES[id(trans_p)] = (sources, targets, into)
    sources, targets, into = tables
    V: list[dict[Any, float]] = [{}]  # noqa: N806 (jieba's names)
    mem_path: list[dict[Any, Any]] = [{}]
    all_states = trans_p.keys()
    for y in states.get(obs[0], all_states):
        V[0][y] = start_p[y] + emit_p[y].get(obs[0], _MIN_FLOAT)
        mem_path[0][y] = ""
    for t in range(1, len(obs)):
        V.append({})
        mem_path.append({})
        prev_states = [x for x in mem_path[t - 1].keys() if len(trans_p[x]) > 0]
        prev_set = set(prev_states)
        expect_next = set().union(*[targets[x] for x in prev_states])  # same set as jieba's, made in C
        obs_states = set(states.get(obs[t], all_states)) & expect_next
        if not obs_states:
            obs_states = expect_next if expect_next else all_states
        last_v = V[t - 1]
        char = obs[t]
        for y in obs_states:
            emit = emit_p[y].get(char, _MIN_FLOAT)
            cands = sources.get(y, frozenset()) & prev_set
            if cands:
                step = into[y]  # trans_p[y0][y] for each y0 in cands
                best = max([(last_v[y0] + step[y0] + emit, y0) for y0 in cands])
            else:
                best = None
            if best is None or best[0] == _MIN_INF:
                best = max((last_v[y0] + trans_p[y0].get(y, _MIN_INF) + emit, y0) for y0 in prev_states)
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


class _BaseFreq:
    """The segmenter's FREQ as it was before our words were added (read-only view)."""

    def __init__(self, freq: dict[str, int], base: dict[str, Any]) -> None:
        self.freq = freq
        self.base = base

    def __contains__(self, word: str) -> bool:
        v = self.base.get(word, None)
        return word in self.freq if v is None else v is not _ABSENT

    def __getitem__(self, word: str) -> int:
        v = self.base.get(word, None)
        if v is None:
            return self.freq[word]
        if v is _ABSENT:
            raise KeyError(word)
        return v

    def get(self, word: str, default: Any = None) -> Any:
        v = self.base.get(word, None)
        if v is None:
            return self.freq.get(word, default)
        return default if v is _ABSENT else v


class _BaseView:
    """Enough of a jieba.Tokenizer for jieba.posseg.POSTokenizer: the base dictionary's view."""

    def __init__(self, seg: Segmenter) -> None:
        import jieba

        self.FREQ = _BaseFreq(seg.jieba.FREQ, seg._base)
        self.total = seg._base_total
        self.initialized = True
        self.user_word_tag_tab: dict[str, str] = {}
        self._tokenizer = jieba.Tokenizer

    def check_initialized(self) -> None:
        pass

    def get_DAG(self, sentence: str) -> dict[int, list[int]]:  # noqa: N802 (jieba's name)
        return self._tokenizer.get_DAG(self, sentence)  # type: ignore[arg-type]

    def calc(self, sentence: str, dag: dict[int, list[int]], route: dict[int, tuple[float, int]]) -> None:
        self._tokenizer.calc(self, sentence, dag, route)  # type: ignore[arg-type]


def _word_automaton(freq: dict[str, int], logtotal: float) -> tuple[Any, list[float]]:
    """An automaton of every dictionary word (frequency > 0), reversed, and the table of
    `log(freq) - logtotal` its values point into: a value is (frequency's index << 8) | length,
    one table entry per distinct frequency (a few thousand; one float per word would cost
    ~10 MB per process). Unpacking two ints is quicker in `_cut_block` than a (length, log) tuple."""
    import ahocorasick

    words = ahocorasick.Automaton(ahocorasick.STORE_INTS)
    index: dict[int, int] = {}
    logps: list[float] = []
    for word, f in freq.items():
        if f:
            i = index.get(f)
            if i is None:
                i = index[f] = len(logps)
                logps.append(log(f) - logtotal)
            if len(word) > _LEN_MASK:
                raise ValueError(f"dictionary word longer than {_LEN_MASK} characters: {word[:20]}…")
            words.add_word(word[::-1], i << _LEN_BITS | len(word))
    words.make_automaton()
    return words, logps


def get_segmenter(rules: Rules) -> Segmenter:
    """One Segmenter per process and rules version (jieba's dictionary is global)."""
    cached = _CACHE.get(rules.version)
    if cached is None:
        cached = _CACHE[rules.version] = Segmenter(rules)
    return cached


_CACHE: dict[str, Segmenter] = {}
