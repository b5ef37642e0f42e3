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

QUOTES = "“”\"「」『』‘’"
_STRIP_MARKS = re.compile(r"[《》〈〉“”\"「」『』‘’\s]")
_NUMERAL = re.compile(r"^[\d.,０-９一二三四五六七八九十百千万亿两多余几]+[个家项批次名位类种届条万亿余多人户]?$")
_CJK = re.compile(r"[\u3400-\u9fff]")
_PAREN_SHORT = 5  # a parenthetical this short is part of a name: 乡镇（街道）工会, 省（区、市）
_MAX_NAME = 40
_ABOUT = re.compile(
    r"关于[^。；！？\n]{2,90}?的(重要论述|重要讲话|重要指示批示|重要指示|若干意见|指导意见|实施意见|意见|决定|通知|规定|办法)"
)
_ABOUT_CONCEPT = {"重要论述", "重要讲话", "重要指示批示", "重要指示"}
_PROGRAM_TAILS = ("系列宣传教育活动", "主题宣传教育", "宣传教育活动", "服务月活动", "活动", "行动", "模式")


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
        self.not_heads = rules.words("not_heads")
        self.strip_prefixes = sorted(rules.words("strip_prefixes"), key=len, reverse=True)
        self.actor_trailers = rules.words("actor_trailers")
        self.person_titles = rules.words("person_titles")
        self.self_refs = rules.words("self_references")
        self.verbs = rules.verbs
        self.actor_types = rules.actor_types
        self.numbered = re.compile(rules.patterns.get("numbered_concept") or r"^$")

    # -- typing -------------------------------------------------------------------------
    def suffix_type(self, name: str) -> str | None:
        """Type of a name by its head suffix, or None."""
        if name in self.not_heads or len(name) < 2:
            return None
        for suf, typ in self.rules.suffixes:
            if name.endswith(suf) and len(name) > len(suf):
                return typ
        return None

    def lexicon_span(self, start: int, end: int, surface: str) -> Span:
        entry = self.index[surface]
        aliases = (surface,) if surface != entry.name else ()
        return Span(start, end, entry.name, entry.type, "lexicon", surface, aliases, entry.label_en, entry.id)

    # -- stage 1: lexicon matches -----------------------------------------------------
    def lexicon_matches(self, text: str, bounds: set[int]) -> list[tuple[int, int, str]]:
        """All lexicon matches (nested too) whose short forms fall on token boundaries."""
        if not len(self.automaton):
            return []
        out = []
        for end_idx, form in self.automaton.iter(text):
            start = end_idx - len(form) + 1
            end = end_idx + 1
            if len(form) <= 2 and (start not in bounds or end not in bounds):
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
                spans.append(Span(m.start(), m.end(), entry.name, entry.type, "title", m.group(),
                                  (m.group(), name), entry.label_en, entry.id))
                continue
            spans.append(Span(m.start(), m.end(), name, typ, "title", m.group(), (m.group(),)))
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
            spans.append(Span(m.start(), end, inner, typ or "", "quote", text[m.start():end], aliases))
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
        lex = self.lexicon_matches(text, bounds)
        atomic = self.atomic_spans(text, lex)
        units = self._units(text, tokens, atomic)
        verbs: list[tuple[int, int, str]] = []
        chunks = self._group(text, units, verbs)
        for ch in chunks:
            self._analyse(text, ch, lex)
        self._shared_heads(text, chunks)
        for ch in chunks:
            ch.start += offset
            ch.end += offset
            for sp in _unique(ch.spans):
                sp.start += offset
                sp.end += offset
        return Analysis(chunks, [(a + offset, b + offset, w) for a, b, w in verbs])

    def _units(self, text: str, tokens: list[Token], atomic: list[Span]) -> list[tuple[int, int, str, Span | None]]:
        """Tokens with atomic spans merged: (start, end, kind, span); kind is word/break/verb/atom."""
        units: list[tuple[int, int, str, Span | None]] = []
        ai = 0
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            while ai < len(atomic) and atomic[ai].end <= tok.start:
                ai += 1
            if ai < len(atomic) and atomic[ai].start <= tok.start < atomic[ai].end:
                sp = atomic[ai]
                units.append((sp.start, sp.end, "atom", sp))
                while i < len(tokens) and tokens[i].start < sp.end:
                    i += 1
                ai += 1
                continue
            if ai < len(atomic) and tok.start < atomic[ai].start < tok.end:
                # a token straddles an atomic span's start: cut it there
                units.append((tok.start, atomic[ai].start, "word", None))
                i += 1
                continue
            units.append((tok.start, tok.end, self._kind(tok.text), None))
            i += 1
        return self._attach_parentheticals(text, units)

    def _kind(self, word: str) -> str:
        if word in self.verbs:
            return "verb"
        if word in ("和", "与", "及", "、", "以及"):
            return "conj"
        if word in self.breakers or _NUMERAL.match(word) or not (_CJK.search(word) or word.isalnum()):
            return "break"
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
        """Join units into chunks; verbs break unless one verb follows another (成立推进…小组)."""
        chunks: list[Chunk] = []
        cur: list = []
        list_id = 0
        joined_by_list = False

        def flush(next_list: bool) -> None:
            nonlocal cur, list_id, joined_by_list
            if cur:
                ch = Chunk(cur[0][0], cur[-1][1], text[cur[0][0]:cur[-1][1]])
                ch.spans = [u[3] for u in cur if u[3] is not None]
                ch.words = [(u[0], u[1]) for u in cur]
                ch.list_id = list_id
                chunks.append(ch)
                cur = []
            if not next_list:
                list_id += 1
            joined_by_list = next_list

        prev_kind = "break"
        for s, e, kind, sp in units:
            word = text[s:e]
            if kind == "verb":
                if prev_kind == "verb":
                    cur.append((s, e, kind, sp))  # 成立|推进…: the second verb opens a name
                    prev_kind = "word"
                    continue
                flush(False)
                verbs.append((s, e, word))
                prev_kind = "verb"
                continue
            if kind == "conj":
                if word == "、":
                    flush(True)
                else:
                    cur.append((s, e, kind, sp))  # decided later: 政府与工会联席会议制度 vs A和B
                prev_kind = "conj"
                continue
            if kind == "break":
                flush(False)
                prev_kind = "break"
                continue
            cur.append((s, e, kind, sp))
            prev_kind = kind
        flush(False)
        return self._split_conjunctions(text, chunks)

    def _split_conjunctions(self, text: str, chunks: list[Chunk]) -> list[Chunk]:
        """Split A和B / A及B / A与B when both sides name entities of a kind (both actors, or one type)."""
        out: list[Chunk] = []
        for ch in chunks:
            parts = [ch]
            for m in reversed(list(re.finditer(r"以及|和|与|及", ch.text))):
                left_t, right_t = ch.text[: m.start()], ch.text[m.end():]
                if not left_t or not right_t:
                    continue
                lt, rt = self._type_of_text(left_t, ch), self._type_of_text(right_t, ch)
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
                return name[len(p):]
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
        elif name:
            main = self._pattern_span(ch, name, raw, atoms)
        if main is None and atoms and atoms[-1].end == ch.end and atoms[-1].type:
            main = atoms[-1]
        if main is None:
            main = self._person(text, ch)
        if main is not None and main.source == "about":
            # 习近平总书记关于…的重要论述 / 中共中央、国务院关于…的决定: the issuers lead the name
            before = [a for a in atoms if a.end <= main.start and a.type in self.actor_types]
            if before and before[0].start == ch.start:
                main.issuers = tuple(before)
                main.name = clean_name(text[ch.start:main.end])
                main.start = ch.start
                main.surface = text[ch.start:main.end]
        ch.main = main
        nested = [
            self.lexicon_span(s, e, f) for s, e, f in lex
            if ch.start <= s and e <= ch.end and not any(a.start == s and a.end == e for a in atoms)
        ]
        ch.spans = _unique(([main] if main else []) + atoms + nested)

    def _person(self, text: str, ch: Chunk) -> Span | None:
        """高级技师洪家光: a short unknown word after an office title, ending the chunk, is a name."""
        if len(ch.words) < 2:
            return None
        (ts, te), (ns, ne) = ch.words[-2], ch.words[-1]
        title, name = text[ts:te], text[ns:ne]
        if title not in self.person_titles or not (2 <= len(name) <= 3) or not all(_CJK.match(c) for c in name):
            return None
        if name in self.index or self.suffix_type(name) or name in self.breakers:
            return None
        org = clean_name(text[ch.start:ts])
        if org and org not in self.index and self.suffix_type(org) in self.actor_types:
            ch.spans.append(Span(ch.start, ts, org, self.suffix_type(org) or "", "suffix", org))
        return Span(ns, ne, name, "Person", "person", name)

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
            rest = clean_name(raw[atoms[0].end - ch.start:])
            if rest in _PROGRAM_TAILS or rest in ("主题宣传教育", "形式"):
                q = atoms[0]
                return Span(start, ch.end, q.name, q.type or typ, "quote", raw, (raw, name))
        if raw != stripped:
            aliases = (raw,)
        return Span(start, ch.end, stripped, typ, "suffix", raw, aliases)

    def _shared_heads(self, text: str, chunks: list[Chunk]) -> None:
        """区域性、行业性工会联合会: a bare modifier in a list takes the last item's head."""
        by_list: dict[int, list[Chunk]] = {}
        for ch in chunks:
            by_list.setdefault(ch.list_id, []).append(ch)
        for items in by_list.values():
            if len(items) < 2:
                continue
            last = items[-1]
            if last.main is None or last.main.source not in ("suffix", "lexicon"):
                continue
            head = self._head_of(last, items[0])
            if not head:
                continue
            for ch in items[:-1]:
                if ch.main is not None or len(ch.text) > 6 or not _CJK.search(ch.text):
                    continue
                name = clean_name(ch.text) + head
                sp = Span(ch.start, ch.end, name, last.main.type, "shared", ch.text, ())
                ch.main = sp
                ch.spans = [sp] + ch.spans

    def _head_of(self, ch: Chunk, first: Chunk) -> str:
        """The head the list shares: a lexicon name ending the last item, else what follows
        the modifier's shape (…性), else the bare type suffix."""
        surface = clean_name(ch.text)
        for sp in sorted(ch.spans, key=lambda s: s.start):
            if sp is not ch.main and sp.end == ch.end and sp.source == "lexicon" and len(sp.surface) < len(surface):
                return sp.surface
        marker = clean_name(first.text)[-1:]
        if marker and marker in surface[:-1]:
            return surface[surface.index(marker) + 1:]
        for suf, _ in self.rules.suffixes:
            if surface.endswith(suf) and len(surface) > len(suf):
                return suf
        return ""


def _unique(spans: list[Span]) -> list[Span]:
    seen: set[int] = set()
    out = []
    for s in spans:
        if id(s) not in seen:
            seen.add(id(s))
            out.append(s)
    return out
