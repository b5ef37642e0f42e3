"""Find entity mentions in one sentence: lexicon look-up, atomic spans and noun-phrase chunks.

Two kinds of rule, both data (`ontology/`):
1. the lexicon: every name and alias found by an Aho-Corasick automaton over the text;
2. patterns: 《…》 titles, “…” names, 关于…的意见/重要论述, and chunks — runs of tokens
   between breakers (punctuation, function words, trigger verbs) — typed by their head suffix,
   with coordinated lists (A、B和C) split and shared heads (区域性、行业性工会联合会) distributed.

The output is a list of `Chunk`s; a chunk's `main` span is what relations attach to, and
`spans` holds every mention inside it (nested lexicon names included).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import ahocorasick

from .rules import Rules

QUOTES = '“”"「」『』‘’'
_STRIP_MARKS = re.compile(r"[《》〈〉“”\"「」『』‘’\s]")
_NUMERAL = re.compile(r"^[\d.,０-９一二三四五六七八九十百千万亿两多余几]+[个家项批次名位类种届条万亿余多人户]?$")
_CLASSIFIERS = set("个家项批次名位类种届条户人年月日")
_ARTICLE = re.compile(r"^第?[一二三四五六七八九十百千\d]*[条章节款项]$|^第[一二三四五六七八九十百千\d]+$")
# jieba dictionary tags that never sit inside a name: adverbs, prepositions, conjunctions,
# particles, numerals, classifiers, interjections (a plain verb, "v", is a soft breaker).
_HARD_TAGS = {"d", "p", "c", "u", "m", "q", "y", "e", "o", "uj", "ul", "ud", "ug", "uv", "uz"}
_ORDINAL = re.compile(r"^(第[一二三四五六七八九十百千\d]*[届次]?|首届|首次)$")
_ORDINAL_FULL = re.compile(r"^(第[一二三四五六七八九十百千\d]+[届次]|首届|首次)$")
_CJK = re.compile(r"[\u3400-\u9fff]")
_PAREN_SHORT = 5  # a parenthetical this short is part of a name: 乡镇（街道）工会, 省（区、市）
_MAX_NAME = 40
_ABOUT = re.compile(
    r"关于[^。；！？\n]{2,90}?的(重要论述|重要讲话|重要指示批示|重要指示|若干意见|指导意见|实施意见|意见|决定|通知|规定|办法)"
)
_ABOUT_CONCEPT = {"重要论述", "重要讲话", "重要指示批示", "重要指示"}
_PROGRAM_TAILS = (
    "等系列宣传教育活动",
    "系列宣传教育活动",
    "主题宣传教育",
    "宣传教育活动",
    "服务月活动",
    "活动",
    "行动",
    "模式",
)


def clean_name(text: str) -> str:
    """Canonical form of a surface: no 《》“” marks, no white space."""
    return _STRIP_MARKS.sub("", text)


@dataclass
class Span:
    """A mention: absolute offsets, canonical name, type, and where it came from."""

    start: int
    end: int
    name: str
    type: str
    source: str  # lexicon | title | quote | about | suffix | shared | person | meta
    surface: str = ""
    aliases: tuple[str, ...] = ()
    label_en: str = ""
    lexicon_id: str = ""
    issuers: tuple[Span, ...] = ()  # 中共中央、国务院关于…的决定: who issued it
    office: tuple[Span, str] | None = None  # 中央军委主席习近平: (the body, the office) of a person


@dataclass
class Chunk:
    """A noun-phrase chunk between breakers; `main` is the entity it names, if any."""

    start: int
    end: int
    text: str
    main: Span | None = None
    spans: list[Span] = field(default_factory=list)  # every mention inside, main included
    list_id: int = -1  # chunks joined by 、/和/及 share a list id
    quote_only: bool = False  # a bare “…” with no head: typed by its verb
    words: list[tuple[int, int]] = field(default_factory=list)  # unit spans (sentence-relative)


@dataclass
class Analysis:
    """One sentence analysed: chunks, and the trigger verbs that separate them."""

    chunks: list[Chunk]
    verbs: list[tuple[int, int, str]]  # absolute (start, end, word)
    softs: list[int] = field(default_factory=list)  # absolute starts of verbs that are not triggers


@dataclass
class Token:
    start: int  # relative to the sentence
    end: int
    text: str


class EntityFinder:
    """Per-process tables built from the rules (automaton, word sets)."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.index = rules.surface_index
        self.automaton = ahocorasick.Automaton()
        for form in self.index:
            if len(form) >= 2:
                self.automaton.add_word(form, form)
        if len(self.automaton):
            self.automaton.make_automaton()
        self.breakers = rules.words("breakers")
        self.soft_breakers = rules.words("soft_breakers")
        self.breaker_prefixes = tuple(rules.patterns.get("breaker_prefixes") or ())
        self.tags = _jieba_tags()
        self._guessed: dict[str, str | None] = {}
        self.generic_tails = tuple(rules.words("generic_tails"))
        self.not_heads = rules.words("not_heads")
        self.strip_prefixes = sorted(rules.words("strip_prefixes"), key=len, reverse=True)
        self.actor_trailers = rules.words("actor_trailers")
        self.person_titles = rules.words("person_titles")
        self.self_refs = rules.words("self_references")
        self.verbs = rules.verbs
        self.actor_types = rules.actor_types
        self.name_patterns = [(re.compile(p["regex"]), p["type"]) for p in rules.patterns.get("name_patterns") or []]
        self.inherit = tuple(rules.patterns.get("inherit_suffixes") or ())
        self.de_heads = tuple(rules.patterns.get("de_heads") or ())
        self.token_aliases = dict(rules.patterns.get("token_aliases") or {})
        self.etc_generic = tuple(rules.patterns.get("generic_categories") or ())
        self.weak_actor_suffixes = tuple(rules.patterns.get("weak_actor_suffixes") or ())
        self.shared_markers = frozenset(rules.patterns.get("shared_head_markers") or ())
        self.de_owners = tuple(rules.patterns.get("de_owners") or ())
        self.numbered = re.compile(rules.patterns.get("numbered_concept") or r"^$")
        # suffixes grouped by their last character (longest first): suffix_type is on the hot path
        self._suffixes_by_last: dict[str, list[tuple[str, str]]] = {}
        for suf, typ in rules.suffixes:
            self._suffixes_by_last.setdefault(suf[-1], []).append((suf, typ))

    # -- typing -------------------------------------------------------------------------
    def suffix_type(self, name: str) -> str | None:
        """Type of a name by its head suffix, or None."""
        if name in self.not_heads or len(name) < 2:
            return None
        for suf in self.inherit:
            if name.endswith(suf) and len(name) > len(suf) + 1:
                owner = self._type_of_name(name[: -len(suf)])
                if owner in self.actor_types and owner != "WorkerGroup":
                    return owner  # 全国总工会机关 is a Union, 党中央机关 a PartyBody
        for suf, typ in self._suffixes_by_last.get(name[-1], ()):
            if name.endswith(suf) and len(name) > len(suf) + (1 if len(suf) == 1 else 0):
                return typ
        return None

    def lexicon_span(self, start: int, end: int, surface: str) -> Span:
        entry = self.index[surface]
        aliases = (surface,) if surface != entry.name else ()
        return Span(start, end, entry.name, entry.type, "lexicon", surface, aliases, entry.label_en, entry.id)

    # -- stage 1: lexicon matches -----------------------------------------------------
    def lexicon_matches(self, text: str, bounds: set[int], nested: bool = False) -> list[tuple[int, int, str]]:
        """Lexicon matches whose short forms fall on token boundaries (劳动法 is not in
        劳动法律); with `nested`, every match, for names inside names (农民工 in 农民工入会…)."""
        if not len(self.automaton):
            return []
        out = []
        for end_idx, form in self.automaton.iter(text):
            start = end_idx - len(form) + 1
            end = end_idx + 1
            aligned = (start in bounds) + (end in bounds)
            if not nested and aligned < (2 if len(form) <= 3 else 1):
                continue
            out.append((start, end, form))
        out.sort(key=lambda m: (m[0], -(m[1] - m[0])))
        return out

    # -- stage 2: atomic spans ----------------------------------------------------------
    def atomic_spans(self, text: str, lex: list[tuple[int, int, str]]) -> list[Span]:
        """《…》 titles, “…” names (with a following head), 关于…的…, and lexicon names."""
        spans: list[Span] = []
        for m in re.finditer(r"《([^《》]{1,80})》", text):
            name = clean_name(m.group(1))
            typ = "Policy"
            if name in self.index:
                entry = self.index[name]
                spans.append(
                    Span(
                        m.start(),
                        m.end(),
                        entry.name,
                        entry.type,
                        "title",
                        m.group(),
                        (m.group(), name),
                        entry.label_en,
                        entry.id,
                    )
                )
                continue
            spans.append(Span(m.start(), m.end(), name, typ, "title", m.group(), (m.group(),)))
        for ref in self.self_refs:
            for m in re.finditer(re.escape(ref), text):
                spans.append(Span(m.start(), m.end(), ref, "Policy", "self", ref))
        for rx, typ in self.name_patterns:
            for m in rx.finditer(text):
                name = clean_name(m.group("name"))
                spans.append(Span(m.start(), m.end(), name, typ, "pattern", m.group(), (m.group(),)))
        for m in _ABOUT.finditer(text):
            head = m.group(1)
            typ = "Concept" if head in _ABOUT_CONCEPT else "Policy"
            spans.append(Span(m.start(), m.end(), clean_name(m.group()), typ, "about", m.group(), (m.group(),)))
        for m in re.finditer(r"“([^“”]{1,60})”", text):
            inner = clean_name(m.group(1))
            if not inner or "，" in m.group(1) or "。" in m.group(1):
                continue
            end = m.end()
            tail = next((t for t in _PROGRAM_TAILS if text.startswith(t, end)), "")
            typ = self._type_of_name(inner)
            aliases: tuple[str, ...] = (m.group(),)
            if tail:
                typ = typ or self.suffix_type("x" + tail) or "Program"
                aliases = (m.group() + tail, inner + tail)
                end += len(tail)
            elif typ is None and self.numbered.search(inner):
                typ = "Concept"
            spans.append(Span(m.start(), end, inner, typ or "", "quote", text[m.start() : end], aliases))
        # lexicon matches, leftmost-longest, not overlapping what is already atomic
        taken = [(s.start, s.end) for s in spans]
        for start, end, form in lex:
            if any(a <= start and end <= b for a, b in taken):
                continue
            if any(a < end and start < b for a, b in taken):
                continue
            spans.append(self.lexicon_span(start, end, form))
            taken.append((start, end))
        # keep the outermost of overlapping atomic spans (《…关于…的决定》 contains an about-span)
        spans.sort(key=lambda s: (s.start, -(s.end - s.start)))
        kept: list[Span] = []
        for s in spans:
            if kept and s.start < kept[-1].end:
                continue
            kept.append(s)
        return kept

    def _type_of_name(self, name: str) -> str | None:
        if name in self.index:
            return self.index[name].type
        return self.suffix_type(name)

    # -- stage 3: chunks ----------------------------------------------------------------
    def analyse(self, text: str, offset: int, tokens: list[Token]) -> Analysis:
        """Cut one sentence into chunks and find their entities (offsets made absolute)."""
        bounds = {t.start for t in tokens} | {t.end for t in tokens}
        atomic = self.atomic_spans(text, self.lexicon_matches(text, bounds))
        lex = self.lexicon_matches(text, bounds, nested=True)
        units = self._units(text, tokens, atomic)
        verbs: list[tuple[int, int, str]] = []
        self._softs: list[int] = []
        chunks = self._group(text, units, verbs)
        for ch in chunks:
            self._analyse(text, ch, lex)
        self._shared_heads(text, chunks)
        self._etc_lists(text, chunks)
        for ch in chunks:
            ch.start += offset
            ch.end += offset
            for sp in _unique(ch.spans):
                sp.start += offset
                sp.end += offset
        return Analysis(chunks, [(a + offset, b + offset, w) for a, b, w in verbs], [a + offset for a in self._softs])

    def _units(self, text: str, tokens: list[Token], atomic: list[Span]) -> list[tuple[int, int, str, Span | None]]:
        """Tokens with atomic spans merged: (start, end, kind, span); kind is word/break/verb/atom…"""
        units: list[tuple[int, int, str, Span | None]] = []
        pos = 0  # everything before pos is consumed
        ai = 0
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if tok.end <= pos:
                i += 1
                continue
            start = max(tok.start, pos)
            while ai < len(atomic) and atomic[ai].end <= start:
                ai += 1
            if ai < len(atomic) and atomic[ai].start < tok.end:
                sp = atomic[ai]
                if start < sp.start:  # a token straddles the atom's start: keep its head as a word
                    units.append((start, sp.start, self._kind(text[start : sp.start]), None))
                units.append((sp.start, sp.end, "atom", sp))
                pos = sp.end
                ai += 1
                continue  # the same token may hold more after the atom
            word = text[start : tok.end]
            prev = tokens[i - 1].text if i else ""
            if word in self.token_aliases and start == tok.start:
                entry = self.index.get(self.token_aliases[word])
                if entry is not None:
                    units.append(
                        (
                            start,
                            tok.end,
                            "atom",
                            Span(start, tok.end, entry.name, entry.type, "token", word, (), entry.label_en, entry.id),
                        )
                    )
                    pos = tok.end
                    i += 1
                    continue
            units.append((start, tok.end, self._kind(word, prev), None))
            pos = tok.end
            i += 1
        return self._attach_parentheticals(text, self._ordinals(text, units))

    def _ordinals(self, text: str, units: list[tuple[int, int, str, Span | None]]):
        """第|十七|次 → one ordinal unit: inside event names (中国工会第十七次全国代表大会)."""
        out: list[tuple[int, int, str, Span | None]] = []
        for u in units:
            word = text[u[0] : u[1]]
            if out and out[-1][2] == "ordinal" and (_NUMERAL.match(word) or word in ("届", "次")):
                out[-1] = (out[-1][0], u[1], "ordinal", None)
            elif u[3] is None and _ORDINAL.match(word):
                out.append((u[0], u[1], "ordinal", None))
            else:
                out.append(u)
        return [
            (s, e, "soft" if k == "ordinal" and not _ORDINAL_FULL.match(text[s:e]) else k, sp) for s, e, k, sp in out
        ]

    def _kind(self, word: str, prev: str = "") -> str:
        if word in self.verbs:
            return "verb"
        if word in self.soft_breakers:
            return "soft"
        if prev and _NUMERAL.match(prev) and len(word) == 1 and word in _CLASSIFIERS:
            return "break"
        if word in ("和", "与", "及", "、", "以及"):
            return "conj"
        if word.startswith(self.breaker_prefixes) and word not in self.index:
            return "break"  # 已建, 均已: aspect adverbs that jieba glued to a verb
        if (
            word in self.breakers
            or _NUMERAL.match(word)
            or _ARTICLE.match(word)
            or not (_CJK.search(word) or word.isalnum())
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

    def _group(self, text: str, units, verbs: list[tuple[int, int, str]]) -> list[Chunk]:
        """Join units into chunks at breakers and verbs.

        A verb right after another verb opens a name (成立|推进…协调小组). A verb or soft
        breaker after a content word that is not an actor is tentative (全国|推进…会议,
        职业技能|提升|行动): it stays inside only if the whole run ends in a type suffix.
        """
        chunks: list[Chunk] = []
        cur: list = []
        list_id = 0

        def flush(next_list: bool) -> None:
            nonlocal cur, list_id
            for k, piece in enumerate(self._settle(text, cur, verbs)):
                if k:
                    list_id += 1
                ch = Chunk(piece[0][0], piece[-1][1], text[piece[0][0] : piece[-1][1]])
                ch.spans = [u[3] for u in piece if u[3] is not None]
                ch.words = [(u[0], u[1]) for u in piece]
                ch.list_id = list_id
                chunks.append(ch)
            cur = []
            if not next_list:
                list_id += 1

        prev_kind = "break"
        for s, e, kind, sp in units:
            word = text[s:e]
            if kind == "ordinal":
                cur.append((s, e, "word", sp))  # 第十七次: a word inside a name
                prev_kind = "word"
                continue
            if kind in ("verb", "soft"):
                if kind == "verb" and prev_kind == "verb" and not cur:
                    cur.append((s, e, "chain", sp))  # 成立|推进…小组: the second verb may open a name
                    prev_kind = "word"
                    continue
                content = [u for u in cur if u[2] in ("word", "atom", "chain")]
                if (
                    content
                    and cur[-1][2] in ("word", "atom", "tsoft", "tverb")
                    and self._nounish(text, content[-1])
                    and not self._actor_before(text, content)
                ):
                    cur.append((s, e, "t" + kind, sp))
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
                    cur.append((s, e, kind, sp))  # decided later: 政府与工会联席会议制度 vs A和B
                prev_kind = "conj"
                continue
            if kind == "break":
                if word == "的" and cur and self._de_joins(text, cur, e):
                    cur.append((s, e, "word", None))
                    prev_kind = "word"
                    continue
                flush(False)
                prev_kind = "break"
                continue
            if (
                kind == "atom"
                and sp is not None
                and sp.source == "quote"
                and cur
                and cur[-1][3] is not None
                and cur[-1][3].source == "quote"
                and cur[-1][1] == s
            ):
                flush(True)  # “A”“B”: two names side by side
            if kind == "atom" and sp is not None and sp.source in ("title", "pattern"):
                flush(True)  # 《…》 is a name of its own: …会议|《关于…的决定》
                cur.append((s, e, kind, sp))
                flush(True)
                prev_kind = kind
                continue
            cur.append((s, e, kind, sp))
            prev_kind = kind
        flush(False)
        verbs.sort()
        return self._split_conjunctions(text, chunks)

    def tag(self, word: str) -> str | None:
        """jieba's part of speech for a word: its dictionary tag, else jieba's HMM guess."""
        tag = self.tags.get(word)
        if tag is None and word and word not in self._guessed:
            import jieba.posseg

            pairs = list(jieba.posseg.cut(word, HMM=True))
            self._guessed[word] = pairs[0].flag if len(pairs) == 1 else None
        return tag if tag is not None else self._guessed.get(word)

    def _de_joins(self, text: str, cur: list, after: int) -> bool:
        """Does this 的 sit inside a name (国有企业的工会委员会, 工会所属的企业)?"""
        before = text[cur[0][0] : cur[-1][1]]
        if before.endswith(self.de_owners):
            return True
        return any(
            text.startswith(h, after) and not _CJK.match(text[after + len(h) : after + len(h) + 1] or "x")
            for h in self.de_heads
        )

    def _nounish(self, text: str, unit) -> bool:
        """Can a verb after this unit still be inside a name (全国|推进…, 职业技能|提升…)?"""
        if unit[3] is not None:
            return True
        word = text[unit[0] : unit[1]]
        if word in self.index or word in self.rules.suffix_words:
            return True
        return self.tag(word) in ("n", "nz", "ns", "nt", "l", "vn", "j", "an", "s")

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
        typ = self._type_of_name(clean_name(text[cur[0][0] : cur[-1][1]]))
        if cur[0][2] == "chain":
            word = text[cur[0][0] : cur[-1][1]][: cur[0][1] - cur[0][0]]
            takes = {t for p in self.verbs.get(word, ()) for t in self.rules.constraints.get(p, ((), ()))[1]}
            if typ is None or typ in takes:
                verbs.append((cur[0][0], cur[0][1], word))
                cur = cur[1:]
                if not cur:
                    return []
                typ = self._type_of_name(clean_name(text[cur[0][0] : cur[-1][1]]))
            else:
                cur = [(cur[0][0], cur[0][1], "word", None)] + cur[1:]
        tentative = [u for u in cur if u[2] in ("tverb", "tsoft")]
        # people and bodies are not named with a verb inside (劳动教育纳入|人才, 理由通知|工会);
        # programmes, policies, events and task groups often are (职业技能提升行动)
        keeps_verbs = typ is not None and typ not in ("WorkerGroup", "Union", "StateBody", "PartyBody", "Person")
        if not tentative or (keeps_verbs and cur[-1][1] - cur[0][0] <= 24):
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

    def _split_conjunctions(self, text: str, chunks: list[Chunk]) -> list[Chunk]:
        """Split A和B / A及B / A与B when both sides name entities of a kind (both actors, or one type)."""
        out: list[Chunk] = []
        for ch in chunks:
            parts = [ch]
            for m in reversed(list(re.finditer(r"以及|和|与|及", ch.text))):
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
        return [c for c in out if c.text.strip("和与及以")]

    def _type_of_text(self, t: str, ch: Chunk) -> str | None:
        t = self._strip_prefix(clean_name(t))
        if t in self.index:
            return self.index[t].type
        for sp in ch.spans:
            if clean_name(sp.surface) == t and sp.type:
                return sp.type
        return self.suffix_type(t)

    def _strip_prefix(self, name: str) -> str:
        if name in self.index:
            return name
        for p in self.strip_prefixes:
            if name.startswith(p) and len(name) > len(p) + 1:
                return name[len(p) :]
        return name

    def _analyse(self, text: str, ch: Chunk, lex: list[tuple[int, int, str]]) -> None:
        """Decide the chunk's main entity and collect nested lexicon mentions."""
        atoms = ch.spans
        raw = ch.text
        lead = len(raw) - len(raw.lstrip("和与及"))
        if lead:
            ch.start += lead
            raw = raw[lead:]
            ch.text = raw
        name = clean_name(raw)
        main: Span | None = None
        if len(atoms) == 1 and atoms[0].start == ch.start and atoms[0].end == ch.end:
            main = atoms[0]
            if main.source == "quote" and not main.type:
                ch.quote_only = True
        elif atoms and atoms[-1].end == ch.end and atoms[-1].source in ("title", "about"):
            main = atoms[-1]  # 《…》 and 关于…的… delimit the name themselves
        elif name:
            main = self._pattern_span(ch, name, raw, atoms)
            last = atoms[-1] if atoms else None
            if (
                main is not None
                and last is not None
                and last.end == ch.end
                and last.source == "lexicon"
                and main.type in self.actor_types
                and last.type in self.actor_types
                and main is not last
                and self._verbish(text, ch, last.start)
            ):
                main = last  # 关心|职工, 今年适逢|中华全国总工会: the known actor is the name
        if main is None and atoms and atoms[-1].end == ch.end and atoms[-1].type:
            main = atoms[-1]
        if main is None:
            main = self._person(text, ch)
        if main is None:
            main = self._trim_trailing(text, ch, atoms)
        if main is not None and main.source in ("suffix", "shared"):
            main = self._refine(text, ch, main, atoms)
        if main is not None and main.type == "Person":
            self._office(text, ch, main, atoms)
        if main is not None and main.source == "about":
            # 习近平总书记关于…的重要论述 / 中共中央、国务院关于…的决定: the issuers lead the name
            before = [a for a in atoms if a.end <= main.start and a.type in self.actor_types]
            if before and before[0].start == ch.start:
                main.issuers = tuple(before)
                main.name = clean_name(text[ch.start : main.end])
                main.start = ch.start
                main.surface = text[ch.start : main.end]
        ch.main = main
        covered = {(a.start, a.end) for a in atoms} | {a.name for a in atoms}
        nested = []
        inside = [(s, e) for s, e, _ in lex if ch.start <= s and e <= ch.end]
        # 工人 inside 产业工人: only the larger name (names inside a matched name still count)
        lex = [
            m
            for m in lex
            if not any(a <= m[0] and m[1] <= b and (a, b) != (m[0], m[1]) and (a, b) not in covered for a, b in inside)
        ]
        for s, e, f in lex:
            if ch.start <= s and e <= ch.end and (s, e) not in covered and self.index[f].name not in covered:
                nested.append(self.lexicon_span(s, e, f))
                covered |= {(s, e), self.index[f].name}
        ch.spans = _unique(([main] if main else []) + atoms + nested)

    def _refine(self, text: str, ch: Chunk, main: Span, atoms: list[Span]) -> Span | None:
        """Checks on a pattern name: not a common word (大局, 部署), no leading verb or adverb
        (已建…, 持久…), an actor after a verb is the known actor (关心|职工), no adjective +
        精神 (崇高精神)."""
        words = [w for w in ch.words if main.start <= w[0] and w[1] <= main.end] or ch.words
        if not words:
            return main
        last = text[words[-1][0] : words[-1][1]]
        if last in self.not_heads and last not in self.rules.suffix_words:
            return None
        lead = 0
        # an actor's name does not open with a verb (培训|职工, 优化|工会); a programme's may (劳动…)
        leading_tags = ("v", "d", "vd", "vn") if main.type in self.actor_types else ("v", "d", "vd")
        while (
            lead < len(words) - 1
            and self.tag(text[words[lead][0] : words[lead][1]]) in leading_tags
            and text[words[lead][0] : words[lead][1]] not in self.index
            and text[words[lead][0] : words[lead][1]] not in self.verbs
        ):
            lead += 1
        if lead:
            start = words[lead][0]
            name = clean_name(text[start : main.end])
            typ = self._type_of_name(name)
            if not typ:
                return None
            if name in self.index:
                return self.lexicon_span(start, main.end, name)
            main = Span(start, main.end, name, typ, main.source, text[start : main.end])
        tail = next((a for a in atoms if a.end == main.end and a.start > main.start and a.source == "lexicon"), None)
        if tail is not None and main.type in self.actor_types and tail.type in self.actor_types:
            if self._verbish(text, ch, tail.start):
                return tail
            if (
                self.tag(text[words[0][0] : words[0][1]]) in ("a", "b")
                and tail.start == words[min(1, len(words) - 1)][0]
            ):
                tail.aliases = (*tail.aliases, clean_name(text[main.start : main.end]))
                return tail  # 宏大|产业工人队伍: a modifier on a known group
            owner = clean_name(text[main.start : tail.start])
            owner_type = self._type_of_name(owner)
            if owner_type in self.actor_types and owner_type not in ("WorkerGroup", "Person"):
                # 郑州圆方集团|全体职工: the body is the name; its people are named after it
                if owner in self.index:
                    return self.lexicon_span(main.start, tail.start, owner)
                return Span(main.start, tail.start, owner, owner_type or "", "suffix", owner)
        if (
            len(words) == 2
            and text[words[1][0] : words[1][1]] in self.rules.suffix_words
            and self.tag(text[words[0][0] : words[0][1]]) in ("a", "ad", "an", "b")
        ):
            return None  # 重大|工程, 特色|活动: a quality and a bare head, not a name
        head = next((a for a in atoms if a.start == main.start and a.type in self.actor_types), None)
        if head is not None and clean_name(text[head.end : main.end]) in ("决定", "通知", "指出", "规定"):
            return None  # 国务院决定，… : an actor and a verb
        if (
            main.type == "Concept"
            and main.name.endswith("精神")
            and len(words) >= 2
            and self.tags.get(text[words[-2][0] : words[-2][1]]) in ("a", "ad", "an", "d")
        ):
            return None
        return main

    def _verbish(self, text: str, ch: Chunk, before: int) -> bool:
        """Is the word right before `before` a verb or function word (not a modifier like 普通)?"""
        prev = next((w for w in reversed(ch.words) if w[1] <= before), None)
        if prev is None:
            return False
        word = text[prev[0] : prev[1]]
        if word in self.index or word in self.rules.suffix_words:
            return False
        if word in self.soft_breakers or word in self.verbs:
            return True
        return self.tags.get(word) in (None, "v", "vd", "d", "p", "r", "c", "u", "m", "l", "i")

    def _trim_trailing(self, text: str, ch: Chunk, atoms: list[Span]) -> Span | None:
        """最低工资标准|调整, 以…党中央|坚强: drop up to two short trailing words to reach a name."""
        for k in (1, 2):
            if len(ch.words) <= k:
                return None
            dropped = text[ch.words[-k][0] : ch.end]
            if text[ch.words[-k][0] : ch.words[-k][1]] in self.person_titles:
                return None  # 专职工会|主席 names an office, not the union
            if ch.words[-k][1] - ch.words[-k][0] == 1 and text[ch.words[-k][0]] not in "与和及的":
                return None  # 改革开放|史: a one-character word is a head, not trailing talk
            if len(dropped) > 3 * k or self.suffix_type("x" + dropped):
                return None
            end = ch.words[-k - 1][1]
            atom = next((a for a in atoms if a.end == end), None)
            lead = clean_name(text[ch.start : atom.start]) if atom is not None else ""
            if atom is not None and atom.type and (not lead or lead in self.strip_prefixes or atom.source != "lexicon"):
                return atom
            sub = text[ch.start : end]
            typ = self.suffix_type(clean_name(sub))
            if typ:
                return Span(ch.start, end, clean_name(sub), typ, "suffix", sub)
        return None

    def _person(self, text: str, ch: Chunk) -> Span | None:
        """高级技师洪家光: a short unknown name after an office title, ending the chunk."""
        for k in range(len(ch.words) - 1, 0, -1):
            ts, te = ch.words[k - 1]
            if text[ts:te] not in self.person_titles:
                continue
            name = text[te : ch.end]
            if not (2 <= len(name) <= 3) or not all(_CJK.match(c) for c in name):
                return None
            if name in self.index or self.suffix_type(name) or name in self.breakers:
                return None
            return Span(te, ch.end, name, "Person", "person", name)
        return None

    def _office(self, text: str, ch: Chunk, person: Span, atoms: list[Span]) -> None:
        """中央军委主席习近平 / …有限责任公司高级技师洪家光: the body and office before a person."""
        office_start = person.start
        for w in reversed(ch.words):
            if w[1] <= office_start and text[w[0] : w[1]] in self.person_titles:
                office_start = w[0]
            elif w[1] <= office_start:
                break
        if office_start == person.start or office_start == ch.start:
            return
        office = text[office_start : person.start]
        body = next((a for a in atoms if a.end == office_start and a.type in self.actor_types), None)
        if body is None:
            org = clean_name(text[ch.start : office_start])
            typ = self._type_of_name(org)
            if typ not in self.actor_types or typ in ("Person", "WorkerGroup"):
                return
            body = Span(ch.start, office_start, org, typ or "", "suffix", org)
        person.office = (body, office)
        ch.spans.append(body)

    def _pattern_span(self, ch: Chunk, name: str, raw: str, atoms: list[Span]) -> Span | None:
        """A chunk ending in a type suffix is a name (after dropping a leading quantifier)."""
        stripped = self._strip_prefix(name)
        start = ch.start + (len(name) - len(stripped)) if raw == name else ch.start
        if stripped in self.index:
            entry = self.index[stripped]
            return Span(start, ch.end, entry.name, entry.type, "lexicon", raw, (raw,), entry.label_en, entry.id)
        typ = self.suffix_type(stripped)
        for tr in self.actor_trailers:
            if stripped.endswith(tr) and len(stripped) > len(tr) + 1:
                head = stripped[: -len(tr)]
                ht = self._type_of_name(head)
                if ht in self.actor_types:
                    if head in self.index:
                        e = self.index[head]
                        return Span(start, ch.end - len(tr), e.name, e.type, "lexicon", head, (), e.label_en, e.id)
                    return Span(start, ch.end - len(tr), head, ht, "suffix", head)
        if typ is None or len(stripped) > _MAX_NAME:
            return None
        aliases: tuple[str, ...] = ()
        if atoms and atoms[0].source == "quote" and atoms[0].start == ch.start:
            rest = clean_name(raw[atoms[0].end - ch.start :])
            if rest in _PROGRAM_TAILS or rest in ("主题宣传教育", "形式"):
                q = atoms[0]
                return Span(start, ch.end, q.name, q.type or typ, "quote", raw, (raw, name))
        if raw != stripped:
            aliases = (raw,)
        for tail in self.generic_tails:
            short = stripped[: -len(tail)]
            if stripped.endswith(tail) and self.suffix_type(short):
                return Span(start, ch.end, short, self.suffix_type(short) or typ, "suffix", raw, (stripped, *aliases))
        return Span(start, ch.end, stripped, typ, "suffix", raw, aliases)

    def _etc_lists(self, text: str, chunks: list[Chunk]) -> None:
        """A、B、C等 HEAD: untyped items listed before 等 and a typed category take its type
        (机关干部基层联系点、定期接待群众来访等直接联系群众制度)."""
        for i in range(len(chunks) - 1):
            cat = chunks[i + 1]
            between = text[chunks[i].end : cat.start]
            if between not in ("等", "等各类", "等系列") or cat.main is None or cat.main.end != cat.end:
                continue
            typ = cat.main.type
            if typ in self.actor_types or cat.main.name.endswith(self.etc_generic):
                continue
            items = [c for c in chunks[: i + 1] if c.list_id == chunks[i].list_id]
            for c in items:
                if c.main is not None and c.main.start == c.start and c.main.end == c.end:
                    continue
                name = clean_name(c.text)
                if 4 <= len(name) <= 16:
                    c.main = Span(c.start, c.end, name, typ, "suffix", c.text)
                    c.spans.insert(0, c.main)

    def _shared_heads(self, text: str, chunks: list[Chunk]) -> None:
        """Lists (A、B、C): a bare modifier takes the last item's head (区域性、行业性工会联合会);
        a short unknown word among names is a name too (丁薛祥、尤权、…); parallel phrases
        under one head are one name (技术工人培养、使用、评价、考核机制)."""
        by_list: dict[int, list[Chunk]] = {}
        for ch in chunks:
            by_list.setdefault(ch.list_id, []).append(ch)
        for items in by_list.values():
            if len(items) < 2:
                continue
            persons = [c for c in items if c.main is not None and c.main.type == "Person"]
            if len(persons) >= 2:
                for c in items:
                    if c.main is None and 2 <= len(c.text) <= 3 and all(_CJK.match(x) for x in c.text):
                        c.main = Span(c.start, c.end, c.text, "Person", "person", c.text)
                        c.spans.insert(0, c.main)
                continue
            if self._merge_list(text, items):
                continue
            last = items[-1]
            if last.main is None or last.main.source not in ("suffix", "lexicon"):
                continue
            head = self._head_of(last, items[0])
            if not head:
                continue
            modifier = clean_name(last.text)[: -len(head)] if clean_name(last.text).endswith(head) else ""
            lexical_head = head in self.index
            if (
                not modifier
                or not (lexical_head and len(modifier) <= 5)
                and not all(clean_name(c.text)[-1:] == modifier[-1:] for c in items[:-1] if c.main is None)
            ):
                continue
            for ch in items[:-1]:
                if ch.main is not None or not 2 <= len(ch.text) <= 6 or not _CJK.search(ch.text):
                    continue
                name = clean_name(ch.text) + head
                sp = Span(ch.start, ch.end, name, last.main.type, "shared", ch.text, ())
                ch.main = sp
                ch.spans = [sp] + ch.spans

    def _merge_list(self, text: str, items: list[Chunk]) -> bool:
        """Short untyped phrases listed before a typed non-actor name share it: one name."""
        last = items[-1]
        if last.main is None or last.main.type in self.actor_types or last.main.source not in ("suffix", "lexicon"):
            return False
        head = items[:-1]
        if any(c.main is not None or len(c.text) > 6 or not _CJK.search(c.text) for c in head):
            return False
        if clean_name(head[0].text)[-1:] in self.shared_markers:
            return False  # 区域性、行业性…: modifiers of one head, distributed instead
        if last.main.start != last.start:
            return False
        start = head[0].start
        raw = text[start : last.main.end]
        if "和" in raw or "及" in raw:
            return False
        name = clean_name(raw)
        merged = Span(start, last.main.end, name, last.main.type, "suffix", raw)
        for c in head:
            c.main = None
        last.main = merged
        last.start = start
        last.text = text[start : last.end]
        last.spans.insert(0, merged)
        return True

    def _head_of(self, ch: Chunk, first: Chunk) -> str:
        """The head the list shares: a lexicon name ending the last item, else what follows
        the modifier's shape (…性), else the bare type suffix."""
        surface = clean_name(ch.text)
        for sp in sorted(ch.spans, key=lambda s: s.start):
            if sp is not ch.main and sp.end == ch.end and sp.source == "lexicon" and len(sp.surface) < len(surface):
                return sp.surface
        marker = clean_name(first.text)[-1:]
        if marker in self.shared_markers and marker in surface[:-1]:
            return surface[surface.index(marker) + 1 :]
        for suf, _ in self.rules.suffixes:
            if surface.endswith(suf) and len(surface) > len(suf):
                return suf
        return ""


def _jieba_tags() -> dict[str, str]:
    """jieba's part-of-speech table (word -> tag), read from its dictionary, not computed."""
    import jieba.posseg

    return jieba.posseg.dt.word_tag_tab


def _unique(spans: list[Span]) -> list[Span]:
    seen: set[int] = set()
    out = []
    for s in spans:
        if id(s) not in seen:
            seen.add(id(s))
            out.append(s)
    return out
