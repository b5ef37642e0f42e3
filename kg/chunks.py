"""Cut a sentence into noun-phrase chunks.

A chunk is a run of tokens between breakers: punctuation, function words, adverbs and verbs
(ontology/rules/patterns.yaml `breakers`, `soft_breakers`, jieba's part-of-speech tags) and the
relation trigger verbs (triggers.yaml). Atomic spans (《…》, “…”, lexicon names) stay whole.
A verb after a content word is tentative (全国|推进…会议, 职业技能|提升|行动): it stays inside
only if the whole run ends in a type suffix. Coordinations (A和B) are split when both sides
name entities. Each run is split and analysed as soon as it is cut, and what that gave is
replayed for later runs of the same shape (`Chunker._chunk`). `Chunker` is mixed into
`kg.entities.EntityFinder`, which holds the tables.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from operator import attrgetter

from .segment import get_segmenter
from .spans import Chunk, Span, clean_name

_NUMERAL = re.compile(r"^[\d.,０-９一二三四五六七八九十百千万亿两多余几]+[个家项批次名位类种届条万亿余多人户]?$")
_CLASSIFIERS = set("个家项批次名位类种届条户人年月日")
_ARTICLE = re.compile(r"^第?[一二三四五六七八九十百千\d]*[条章节款项]$|^第[一二三四五六七八九十百千\d]+$")
# jieba dictionary tags that never sit inside a name: adverbs, prepositions, conjunctions,
# particles, numerals, classifiers, interjections (a plain verb, "v", is a soft breaker).
_HARD_TAGS = {"d", "p", "c", "u", "q", "y", "e", "o", "uj", "ul", "ud", "ug", "uv", "uz"}
_ORDINAL_OPEN = re.compile("[第首]")  # how every `_ORDINAL` begins
_ORDINAL = re.compile(r"^(第[一二三四五六七八九十百千\d]*[届次]?|首届|首次)$")
_ORDINAL_FULL = re.compile(r"^(第[一二三四五六七八九十百千\d]+[届次]|首届|首次)$")
CJK = re.compile(r"[\u3400-\u9fff]")
_THRESHOLDS = ("以上", "以下")
_THRESHOLD = re.compile("|".join(_THRESHOLDS))
_CONJ = re.compile("[和与及]")  # what joins the two sides of A和B, A与B, A及B
_CONJ_STRIP = "和与及以"  # a chunk of nothing else is dropped
_LEVEL = re.compile(r"^[\u3400-\u9fff]{1,3}级$")  # 县级, 省级, 地市级
_HEADCOUNT = re.compile(r"^[\d一二三四五六七八九十百千万两]+[人名家]$")  # 百人, 二百人
_CONJ = re.compile(r"以及|和|与|及")
_MAX_CACHED = 500_000  # per-word caches stop growing here (a worker's memory stays bounded)
_PAREN_SHORT = 5  # a parenthetical this short is part of a name: 乡镇（街道）工会, 省（区、市）
_REPLAYABLE = frozenset(("lexicon", "token"))  # atoms whose fields follow from their text (see `_chunk`)
_SPAN_FIELDS = Span.__slots__
_span_fields = attrgetter(*_SPAN_FIELDS)  # a span's fields as a tuple
_MAX_MEMO = 50_000  # run shapes kept per process (~1.1 KB each: at most ~55 MB; 37,000 for 20 MB of generated news)


class Chunker:
    """Chunking methods of EntityFinder (tables are set by EntityFinder.__init__)."""

    def _units(
        self, text: str, tokens: list[tuple[int, int]], atomic: list[Span]
    ) -> list[tuple[int, int, str, Span | None]]:
        """Tokens ((start, end) spans) with atomic spans merged: (start, end, kind, span); kind is
        word/break/verb/atom…"""
        units: list[tuple[int, int, str, Span | None]] = []
        append, kinds, special = units.append, self._kinds, self._special_words
        pos = 0  # everything before pos is consumed
        ai = 0
        n_atomic = len(atomic)
        next_atom = atomic[0].start if n_atomic else len(text)  # atomic[ai].start (no token ends past the text)
        for i, (tok_start, tok_end) in enumerate(tokens):
            if tok_end <= next_atom and tok_start >= pos:
                # a whole token before the next atom (most tokens): a word whose kind is cached, unless
                # it is a token alias or a classifier (its kind depends on the word before: 3|个)
                word = text[tok_start:tok_end]
                kind = kinds.get(word)
                if kind is None or word in special:
                    append(self._word_unit(text, tokens, i, tok_start, tok_end, word))
                else:
                    append((tok_start, tok_end, kind, None))
                pos = tok_end
                continue
            while tok_end > pos:  # the token is cut by atoms (or a part of it is consumed already)
                start = tok_start if tok_start > pos else pos
                while ai < n_atomic and atomic[ai].end <= start:
                    ai += 1
                if ai < n_atomic and atomic[ai].start < tok_end:
                    sp = atomic[ai]
                    if start < sp.start:  # a token straddles the atom's start: keep its head as a word
                        append((start, sp.start, self._kind(text[start : sp.start]), None))
                    append((sp.start, sp.end, "atom", sp))
                    pos = sp.end
                    ai += 1
                    continue  # the same token may hold more after the atom
                append(self._word_unit(text, tokens, i, start, tok_end, text[start:tok_end]))
                pos = tok_end
            next_atom = atomic[ai].start if ai < n_atomic else len(text)
        if _ORDINAL_OPEN.search(text):
            units = self._ordinals(text, units)
        return self._attach_parentheticals(text, self._thresholds(text, units))

    def _word_unit(
        self, text: str, tokens: list[tuple[int, int]], i: int, start: int, end: int, word: str
    ) -> tuple[int, int, str, Span | None]:
        """The unit for text[start:end] (a part of token i, or all of it): a token alias as an
        atom (only for a whole token), else a word of its kind."""
        if word in self.token_aliases and start == tokens[i][0]:
            entry = self.index.get(self.token_aliases[word])
            if entry is not None:
                sp = Span(start, end, entry.name, entry.type, "token", word, (), entry.label_en, entry.id)
                return (start, end, "atom", sp)
        kind = self._kinds.get(word)
        if kind is None or (i and word in _CLASSIFIERS):  # (one-character words: 3|个)
            kind = self._kind(word, text[tokens[i - 1][0] : tokens[i - 1][1]] if i else "")
        return (start, end, kind, None)

    def _ordinals(self, text: str, units: list[tuple[int, int, str, Span | None]]):
        """第|十七|次 → one ordinal unit: inside event names (中国工会第十七次全国代表大会).

        Only units that start with 第 or 首 can open one (`_ORDINAL`): those are found by their
        position; the rest of the list is kept as it is."""
        starts = [u[0] for u in units]
        out: list[tuple[int, int, str, Span | None]] = []
        done = 0  # units[:done] are in out
        n = len(units)
        for m in _ORDINAL_OPEN.finditer(text):
            k = bisect_left(starts, m.start(), done)
            if k == n or starts[k] != m.start():
                continue
            u = units[k]
            if u[3] is not None or not _ORDINAL.match(text[u[0] : u[1]]):
                continue
            end = u[1]
            last = k + 1
            while last < n and (_NUMERAL.match(w := text[units[last][0] : units[last][1]]) or w in ("届", "次")):
                end = units[last][1]
                last += 1
            out += units[done:k]
            out.append((u[0], end, "ordinal" if _ORDINAL_FULL.match(text[u[0] : end]) else "soft", None))
            done = last
        if not done:
            return units
        out += units[done:]
        return out

    def _thresholds(self, text: str, units: list[tuple[int, int, str, Span | None]]):
        """县级|以上|各级工会, 百人|以上|企业: a level or a head count with 以上/以下 right before a
        noun is a modifier inside the name (县级以上各级工会), not a count and a breaker."""
        if not _THRESHOLD.search(text):
            return units
        out: list[tuple[int, int, str, Span | None]] = []
        for k, u in enumerate(units):
            word = text[u[0] : u[1]]
            nxt = units[k + 1] if k + 1 < len(units) else None
            prev = text[out[-1][0] : out[-1][1]] if out else ""
            if (
                word in _THRESHOLDS
                and out
                and out[-1][1] == u[0]
                and out[-1][3] is None
                and (_LEVEL.match(prev) or _HEADCOUNT.match(prev))
                and nxt is not None
                and nxt[0] == u[1]
                and nxt[2] in ("word", "atom")
            ):
                out[-1] = (out[-1][0], u[1], "word", None)
                continue
            out.append(u)
        return out

    def _kind(self, word: str, prev: str = "") -> str:
        kind = self._kinds.get(word)
        if kind is None:
            kind = self._word_kind(word)
            if len(self._kinds) < _MAX_CACHED:
                self._kinds[word] = kind
        if kind in ("verb", "soft"):
            return kind
        if prev and len(word) == 1 and word in _CLASSIFIERS and _NUMERAL.match(prev):
            return "break"  # 3|个
        return kind

    def _word_kind(self, word: str) -> str:
        """The kind of a word whatever precedes it (cached per word string by `_kind`)."""
        if word in self.verbs:
            return "verb"
        if word in self.soft_breakers:
            return "soft"
        if word in ("和", "与", "及", "、", "以及"):
            return "conj"
        if word.startswith(self.breaker_prefixes) and word not in self.index:
            return "break"  # 已建, 均已: aspect adverbs that jieba glued to a verb
        if (
            word in self.breakers
            or _NUMERAL.match(word)
            or _ARTICLE.match(word)
            or not (CJK.search(word) or word.isalnum())
        ):
            return "break"
        if word in self.rules.suffix_words or word in self.index:
            return "word"
        tag = self.tags.get(word)
        if tag in _HARD_TAGS:
            return "break"
        if tag == "v":
            return "soft"
        return "word"

    def _attach_parentheticals(self, text: str, units: list[tuple[int, int, str, Span | None]]):
        """（街道） and （区、市） inside a name stay in the name; longer asides break it."""
        if "（" not in text and "(" not in text:
            return units
        out: list[tuple[int, int, str, Span | None]] = []
        i = 0
        while i < len(units):
            s, e, kind, sp = units[i]
            if text[s:e] in ("（", "(") and out and out[-1][2] in ("word", "atom"):
                close = text.find("）" if text[s:e] == "（" else ")", e)
                if close != -1 and close - e <= _PAREN_SHORT:
                    ps, _, pk, psp = out.pop()
                    out.append((ps, close + 1, pk if pk == "word" else "word", None))
                    while i < len(units) and units[i][0] <= close:
                        i += 1
                    continue
            out.append((s, e, kind, sp))
            i += 1
        return out

    def _group(
        self, text: str, units, verbs: list[tuple[int, int, str]], lex: list[tuple[int, int, str]], starts: list[int]
    ) -> list[Chunk]:
        """Join units into chunks at breakers and verbs, and analyse each (`_chunk`).

        A verb right after another verb opens a name (成立|推进…协调小组). A verb or soft
        breaker after a content word that is not an actor is tentative (全国|推进…会议,
        职业技能|提升|行动): it stays inside only if the whole run ends in a type suffix.
        """
        chunks: list[Chunk] = []
        cur: list = []
        plain = True  # cur holds only words and atoms: nothing for `_settle` to do
        list_id = 0
        self._after_actor: set[int] = set()  # tentative verbs right after an actor (全国工会|就业…)

        def flush(next_list: bool) -> None:
            nonlocal cur, list_id, plain
            if not cur:  # nothing to settle (the common case: a breaker after a breaker)
                if not next_list:
                    list_id += 1
                return
            if plain:
                self._chunk(text, cur, list_id, chunks, lex, starts)
            else:
                for k, piece in enumerate(self._settle(text, cur, verbs)):
                    if k:
                        list_id += 1
                    self._chunk(text, piece, list_id, chunks, lex, starts)
            cur = []
            plain = True
            if not next_list:
                list_id += 1

        chunk = self._chunk
        prev_kind = "break"
        ends: set[int] | None = None  # unit ends, for 的 (made when first needed)
        for u in units:
            s, e, kind, sp = u
            if kind == "word":  # the most common kinds first
                cur.append(u)
                prev_kind = kind
                continue
            if kind == "break":
                if cur:
                    if text[s:e] == "的" and self._de_joins(text, cur, e, ends or (ends := {u[1] for u in units})):
                        cur.append((s, e, "word", None))
                        prev_kind = "word"
                        continue
                    if plain:  # (flush(False), inlined for the most common case)
                        chunk(text, cur, list_id, chunks, lex, starts)
                        cur = []
                        list_id += 1
                    else:
                        flush(False)
                else:
                    list_id += 1
                prev_kind = "break"
                continue
            if kind == "atom":
                source = sp.source if sp is not None else ""
                if (
                    source == "quote"
                    and cur
                    and cur[-1][3] is not None
                    and cur[-1][3].source == "quote"
                    and cur[-1][1] == s
                ):
                    flush(True)  # “A”“B”: two names side by side
                elif source in ("title", "pattern"):
                    flush(True)  # 《…》 is a name of its own: …会议|《关于…的决定》
                    cur.append(u)
                    flush(True)
                    prev_kind = kind
                    continue
                cur.append(u)
                prev_kind = kind
                continue
            word = text[s:e]
            if kind == "ordinal":
                cur.append((s, e, "word", sp))  # 第十七次: a word inside a name
                prev_kind = "word"
                continue
            if kind in ("verb", "soft"):
                if kind == "verb" and prev_kind == "verb" and not cur:
                    cur.append((s, e, "chain", sp))  # 成立|推进…小组: the second verb may open a name
                    plain = False
                    prev_kind = "word"
                    continue
                if (
                    cur
                    and cur[-1][2] in ("word", "atom", "tsoft", "tverb")
                    and (content := [c for c in cur if c[2] in ("word", "atom", "chain")])
                    and self._nounish(text, content[-1])
                    and (not (after_actor := self._actor_before(text, content)) or self._tag_verb(word))
                ):
                    if after_actor:
                        self._after_actor.add(s)
                    cur.append((s, e, "t" + kind, sp))
                    plain = False
                    prev_kind = kind
                    continue
                flush(False)
                if kind == "verb":
                    verbs.append((s, e, word))
                else:
                    self._softs.append(s)
                prev_kind = kind
                continue
            if kind == "conj":
                if word == "、":
                    flush(True)
                else:
                    cur.append(u)  # decided later: 政府与工会联席会议制度 vs A和B
                    plain = False
                prev_kind = "conj"
                continue
            cur.append(u)
            prev_kind = kind
        flush(False)
        verbs.sort()
        return chunks

    def _chunk(self, text: str, piece: list, list_id: int, out: list[Chunk], lex, starts: list[int]) -> None:
        """One run of units -> its chunks: split at conjunctions (`_split_conjunctions`) and
        analysed (`_analyse`), appended to `out`.

        Both steps look at nothing but the run itself: its text, its units' bounds and its
        atoms (and the lexicon matches inside it, a function of its text). Short noun phrases
        recur (工会, 全国总工会, 广大职工), so the outcome is kept per run shape (`_recipe`) and
        replayed (`_replay`) when the same shape comes again: new Span and Chunk objects, the
        same fields. The shape holds the text, the units' bounds and each atom's bounds and
        source; only runs whose atoms are lexicon names or token aliases are kept, as their
        spans' fields follow from exactly that (titles, quotes, patterns and 关于… spans are in ~3 %
        of runs and are always analysed); nor are outcomes with issuers.
        """
        start, end = piece[0][0], piece[-1][1]
        chunk_text = text[start:end]
        if len(piece) == 1:  # one word or atom (the most common case)
            sp = piece[0][3]
            words = [(start, end)]
            atoms = [] if sp is None else [sp]
            key: object = chunk_text if sp is None else (chunk_text, sp.source) if sp.source in _REPLAYABLE else None
        else:
            words = [(u[0], u[1]) for u in piece]
            atoms = [u[3] for u in piece if u[3] is not None]
            if all(a.source in _REPLAYABLE for a in atoms):
                shape = [(u[0] - start, u[1] - start) if u[3] is None else (u[0] - start, u[1] - start, u[3].source)
                         for u in piece]
                key = (chunk_text, tuple(shape))
            else:
                key = None
        if key is not None:
            recipe = self._memo.get(key)
            if recipe is not None:
                if recipe.__class__ is int:  # one chunk, the run itself: its main is one of its atoms or none
                    main = atoms[recipe] if recipe >= 0 else None
                    out.append(Chunk(start, end, chunk_text, main, atoms, list_id, False, words))
                else:
                    self._replay(recipe, start, atoms, words, list_id, out)
                return
            before = [_span_fields(a) for a in atoms]
        ch = Chunk(start, end, chunk_text, spans=atoms[:], list_id=list_id, words=words)
        pieces = self._split_conjunctions(text, [ch]) if _CONJ.search(chunk_text) else [ch]
        if len(pieces) > 1 or not chunk_text.strip(_CONJ_STRIP):
            pieces = [c for c in pieces if c.text.strip(_CONJ_STRIP)]
        for c in pieces:
            self._analyse(text, c, lex, starts)
        out.extend(pieces)
        if key is not None and len(self._memo) < _MAX_MEMO:
            recipe = _recipe(start, chunk_text, atoms, before, words, pieces)
            if recipe is not None:
                self._memo[key] = recipe

    @staticmethod
    def _replay(recipe: tuple, start: int, atoms: list[Span], words: list[tuple[int, int]], list_id: int, out) -> None:
        """The chunks a run of this shape gave (see `_recipe`), at `start`, for these atoms."""
        news, changes, pieces = recipe
        objs = atoms
        if news:
            objs = atoms + [Span(start + d[0], start + d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8]) for d in news]
            n = len(atoms)
            for i, d in enumerate(news):
                if d[9] is not None:
                    objs[n + i].office = (objs[d[9][0]], d[9][1])
        for k, name, value in changes:
            if name == "office":
                value = None if value is None else (objs[value[0]], value[1])
            elif name in ("start", "end"):
                value += start
            setattr(objs[k], name, value)
        n_words = len(words)
        for ps, pe, ptext, quote_only, w0, w1, main, refs in pieces:
            out.append(
                Chunk(
                    start + ps,
                    start + pe,
                    ptext,
                    None if main < 0 else objs[main],
                    [objs[r] for r in refs],
                    list_id,
                    quote_only,
                    words if w0 == 0 and w1 == n_words else words[w0:w1],
                )
            )

    def tag(self, word: str) -> str | None:
        """jieba's part of speech for a word: its dictionary tag, else jieba's HMM guess."""
        tag = self.tags.get(word)
        if tag is None and word and word not in self._guessed:
            # the segmenter's tokenizer, seen as jieba's global dictionary: one dictionary per process
            self._guessed[word] = get_segmenter(self.rules).guess_tag(word)
        return tag if tag is not None else self._guessed.get(word)

    def _de_joins(self, text: str, cur: list, after: int, ends: set[int]) -> bool:
        """Does this 的 sit inside a name (国有企业的工会委员会, 工会所属的企业)? The head must end
        there: at a word boundary (…的工会委员会|是…) or before punctuation."""
        before = text[cur[0][0] : cur[-1][1]]
        if before.endswith(self.de_owners):
            return True
        return any(
            text.startswith(h, after)
            and (after + len(h) in ends or not CJK.match(text[after + len(h) : after + len(h) + 1] or "x"))
            for h in self.de_heads
        )

    def _nounish(self, text: str, unit) -> bool:
        """Can a verb after this unit still be inside a name (全国|推进…, 职业技能|提升…)?"""
        if unit[3] is not None:
            return True
        word = text[unit[0] : unit[1]]
        if word in self.index or word in self.rules.suffix_words:
            return True
        tag = self.tags.get(word)  # (`tag` for a word in the dictionary, without the call)
        if tag is None:
            tag = self.tag(word)
        return tag in ("n", "nz", "ns", "nt", "l", "vn", "j", "an", "s")

    def _actor_before(self, text: str, cur: list) -> bool:
        """Is the run so far an agent (全国总工会|会同…)? Then a verb after it is a real verb."""
        name = clean_name(text[cur[0][0] : cur[-1][1]])
        if name.endswith(self.weak_actor_suffixes) and name not in self.index:
            return False  # 产业工人队伍|建设改革: a workforce named by pattern is no agent
        typ = self._type_of_name(name)
        if typ is None and cur[-1][3] is not None and cur[-1][3].end == cur[-1][1]:
            typ = cur[-1][3].type
        return typ in self.actor_types and typ != "WorkerGroup"

    def _settle(self, text: str, cur: list, verbs: list[tuple[int, int, str]]) -> list[list]:
        """Keep tentative verbs inside a run that ends in a type suffix; else cut there.

        A verb that opens a run (成立|推进…协调小组) stays in the name only when it could not
        take the name as its object (推进 takes programmes, not organisations).
        """
        if not cur:
            return []
        while cur and cur[-1][2] in ("tverb", "tsoft", "conj", "chain"):
            last = cur.pop()
            if last[2] in ("tverb", "chain"):
                verbs.append((last[0], last[1], text[last[0] : last[1]]))
        if not cur:
            return []
        if cur[0][2] == "chain":
            typ = self._type_of_name(clean_name(text[cur[0][0] : cur[-1][1]]))
            word = text[cur[0][0] : cur[-1][1]][: cur[0][1] - cur[0][0]]
            takes = {t for p in self.verbs.get(word, ()) for t in self.rules.constraints.get(p, ((), ()))[1]}
            if typ is None or typ in takes:
                verbs.append((cur[0][0], cur[0][1], word))
                cur = cur[1:]
                if not cur:
                    return []
            else:
                cur = [(cur[0][0], cur[0][1], "word", None)] + cur[1:]
        kinds = {u[2] for u in cur}
        if "tverb" not in kinds and "tsoft" not in kinds:
            return [cur]  # nothing tentative to settle
        typ = self._type_of_name(clean_name(text[cur[0][0] : cur[-1][1]]))
        for k, u in enumerate(cur):
            if u[2] == "tverb" and 0 < k < len(cur) - 1 and self._takes_rest(text, u, cur[k + 1 :]):
                verbs.append((u[0], u[1], text[u[0] : u[1]]))
                return self._settle(text, cur[:k], verbs) + self._settle(text, cur[k + 1 :], verbs)
        tentative = [u for u in cur if u[2] in ("tverb", "tsoft")]
        # people and bodies are not named with a verb inside (劳动教育纳入|人才, 理由通知|工会);
        # programmes, policies, events and task groups often are (职业技能提升行动)
        keeps_verbs = typ is not None and typ not in ("WorkerGroup", "Union", "StateBody", "PartyBody", "Person")
        if typ in self.actor_types and any(u[0] in self._after_actor for u in tentative):
            keeps_verbs = False  # 工会|适应|企业: an actor, a verb, an actor is a clause
        # the length limit is per coordinated item (…电视电话会议和工作经验交流会议 is two names)
        items: list[list] = [[]]
        for u in cur:
            if u[2] == "conj":
                items.append([])
            else:
                items[-1].append(u)
        longest = max((it[-1][1] - it[0][0] for it in items if it), default=0)
        if not tentative or (keeps_verbs and longest <= 24):
            return [cur]
        pieces: list[list] = [[]]
        for u in cur:
            if u[2] in ("tverb", "tsoft"):
                if u[2] == "tverb":
                    verbs.append((u[0], u[1], text[u[0] : u[1]]))
                else:
                    self._softs.append(u[0])
                pieces.append([])
            else:
                pieces[-1].append(u)
        return [p for p in pieces if p]

    def _tag_verb(self, word: str) -> bool:
        """A verb only by jieba's dictionary tag (就业, 创新, 快递), not a listed soft breaker or a
        trigger: after an actor it may still be a modifier (全国工会|就业创业服务月)."""
        return word not in self.soft_breakers and word not in self.verbs and self.tags.get(word) == "v"

    def _takes_rest(self, text: str, verb, rest: list) -> bool:
        """Does a trigger verb inside a run take the name after it as its object (基层工会委员会定期|
        召开|会员大会)? Then it is the clause's verb, not part of one name (推进…协调小组 stays)."""
        word = text[verb[0] : verb[1]]
        if self.tags.get(word) == "vn":
            return False  # a verbal noun sits inside names (职业道德建设评选表彰活动)
        end = next((k for k, u in enumerate(rest) if u[2] == "conj"), len(rest))
        if not end:
            return False
        takes = {t for p in self.verbs.get(word, ()) for t in self.rules.constraints.get(p, ((), ()))[1]}
        typ = self._type_of_name(clean_name(text[rest[0][0] : rest[end - 1][1]]))
        return typ is not None and typ in takes

    def _split_conjunctions(self, text: str, chunks: list[Chunk]) -> list[Chunk]:
        """Split A和B / A及B / A与B when both sides name entities of a kind (both actors, or one type)."""
        out: list[Chunk] = []
        for ch in chunks:
            parts = [ch]
            if not _CONJ.search(ch.text):
                out.append(ch)
                continue
            for m in reversed(list(_CONJ.finditer(ch.text))):
                left_t, right_t = ch.text[: m.start()], ch.text[m.end() :]
                at = ch.start + m.start()
                if not left_t or not right_t or any(a.start <= at < a.end for a in ch.spans):
                    continue
                if (at, at + len(m.group())) not in ch.words:
                    continue  # 和 inside a word (中华人民共和国) is no conjunction
                lt, rt = self._type_of_text(left_t, ch), self._type_of_text(right_t, ch)
                if rt is None:
                    cut_r = ch.start + m.end()
                    for w in reversed(ch.words):
                        if w[1] <= cut_r + 1:
                            break
                        rt = self._type_of_text(text[cut_r : w[0]], ch) if w[0] > cut_r + 1 else None
                        if rt:
                            break
                if (
                    rt
                    and not lt
                    and rt not in self.actor_types
                    and len(clean_name(left_t)) >= 4
                    and not left_t.endswith(("性", "的"))
                    and not any(a.type in self.actor_types and a.end <= at for a in ch.spans)
                ):
                    lt = rt  # 职业教育和文化体育活动: two programmes
                if not lt or not rt:
                    continue
                both_actors = lt in self.actor_types and rt in self.actor_types
                if lt == rt or both_actors or (lt not in self.actor_types and rt not in self.actor_types):
                    cut = ch.start + m.start()
                    left = Chunk(ch.start, cut, left_t, list_id=ch.list_id)
                    right = Chunk(cut + len(m.group()), ch.end, right_t, list_id=ch.list_id)
                    left.spans = [s for s in ch.spans if s.end <= cut]
                    right.spans = [s for s in ch.spans if s.start >= right.start]
                    left.words = [w for w in ch.words if w[1] <= cut]
                    right.words = [w for w in ch.words if w[0] >= right.start]
                    parts = self._split_conjunctions(text, [left]) + [right]
                    break
            out.extend(parts)
        return [c for c in out if c.text.strip(_CONJ_STRIP)]

    def _type_of_text(self, t: str, ch: Chunk) -> str | None:
        t = self._strip_prefix(clean_name(t))
        if t in self.index:
            return self.index[t].type
        for sp in ch.spans:
            if clean_name(sp.surface) == t and sp.type:
                return sp.type
        return self.suffix_type(t)

    def _strip_prefix(self, name: str) -> str:
        """`name` without a leading quantifier (各级, 全体 …) unless it is a lexicon name (cached)."""
        try:
            return self._stripped[name]
        except KeyError:
            pass
        out = name
        if name.startswith(self._strip_any) and name not in self.index:  # (most names start with none)
            for p in self.strip_prefixes:
                if name.startswith(p) and len(name) > len(p) + 1:
                    out = name[len(p) :]
                    break
        if len(self._stripped) < _MAX_CACHED:
            self._stripped[name] = out
        return out


def _jieba_tags() -> dict[str, str]:
    """jieba's part-of-speech table (word -> tag), read from its dictionary, not computed: the
    segmenter's copy (from its start-up snapshot when it has one), not jieba.posseg's (~0.5 s)."""
    from .segment import word_tags

    return word_tags()


def _recipe(
    start: int, text: str, atoms: list[Span], before: list[tuple], words: list[tuple[int, int]], pieces: list[Chunk]
) -> tuple | int | None:
    """What `Chunker._chunk` made of a run, relative to its start, for `_replay`: the spans it
    made (fields, office as a reference), what it changed on the atoms, and the chunks (bounds,
    text, their words as a slice of the run's, main and spans as references into atoms + new
    spans). Just the main's index among the atoms (-1: none) when the run is one chunk as it
    came, with its atoms as its spans and nothing made or changed. None when the outcome cannot
    be said of the shape alone (issuers)."""
    ids = {id(a): k for k, a in enumerate(atoms)}
    made: list[Span] = []

    def ref(sp: Span) -> int:
        k = ids.get(id(sp))
        if k is None:
            k = ids[id(sp)] = len(atoms) + len(made)
            made.append(sp)
        return k

    chunk_recipes = []
    for c in pieces:
        if c.words:
            w0 = words.index(c.words[0])
            w1 = w0 + len(c.words)
            if words[w0:w1] != c.words:
                return None
        else:
            w0 = w1 = 0
        main = -1 if c.main is None else ref(c.main)
        refs = tuple([ref(sp) for sp in c.spans])
        chunk_recipes.append((c.start - start, c.end - start, c.text, c.quote_only, w0, w1, main, refs))
    news = []
    i = 0
    while i < len(made):  # (an office's body may add one)
        sp = made[i]
        if sp.issuers:
            return None
        office = None if sp.office is None else (ref(sp.office[0]), sp.office[1])
        news.append(
            (sp.start - start, sp.end - start, sp.name, sp.type, sp.source, sp.surface, sp.aliases, sp.label_en,
             sp.lexicon_id, office)
        )
        i += 1
    changes = []
    for k, a in enumerate(atoms):
        after = _span_fields(a)
        if after == before[k]:
            continue  # (most atoms)
        for name, old, new in zip(_SPAN_FIELDS, before[k], after, strict=True):
            if new is old or new == old:
                continue
            if name == "issuers":
                return None
            if name == "office":
                new = None if new is None else (ref(new[0]), new[1])
            elif name in ("start", "end"):
                new -= start
            changes.append((k, name, new))
    if len(made) > len(news):  # an atom's office named a new span
        return None
    if not news and not changes and len(pieces) == 1:
        whole = (0, len(text), text, False, 0, len(words))  # the run as it came, its atoms as its spans
        if chunk_recipes[0][:6] == whole and chunk_recipes[0][7] == tuple(range(len(atoms))):
            return chunk_recipes[0][6]  # (most runs: `_chunk` makes the chunk from its main alone)
    return tuple(news), tuple(changes), tuple(chunk_recipes)
