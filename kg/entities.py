"""Find entity mentions in one sentence: lexicon look-up, atomic spans and noun-phrase chunks.

Two kinds of rule, both data (`ontology/`):
1. the lexicon: every name and alias found by an Aho-Corasick automaton over the text;
2. patterns: 《…》 titles, “…” names, 关于…的意见/重要论述, and chunks — runs of tokens
   between breakers (punctuation, function words, trigger verbs) — typed by their head suffix,
   with coordinated lists (A、B和C) split and shared heads (区域性、行业性工会联合会) distributed.

The output is a list of `Chunk`s; a chunk's `main` span is what relations attach to, and
`spans` holds every mention inside it (nested lexicon names included). Chunking itself is in
kg/chunks.py, list handling in kg/lists.py; this module types chunks and refines their names.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from itertools import chain
from operator import itemgetter

import ahocorasick

from .chunks import _CLASSIFIERS, _MAX_CACHED, _THRESHOLDS, CJK, Chunker, _jieba_tags
from .lists import ListRules
from .rules import Rules
from .spans import Analysis, Chunk, Span, clean_name, unique_spans

try:  # the regex parser, to read the literals of a name pattern (`_required_literals`)
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # Python 3.10
    import sre_parse as _sre_parse  # type: ignore[no-redef]
_LITERAL = _sre_parse.LITERAL

QUOTES = '“”"「」『』‘’'
_MAX_NAME = 40
_NO_BOUNDS: set[int] = set()  # (`lexicon_matches` with `nested` does not look at token bounds)
_ABOUT = re.compile(
    r"关于[^。；！？\n]{2,90}?的(重要论述|重要讲话|重要指示批示|重要指示|若干意见|指导意见|实施意见|意见|决定|通知|规定|办法)"
)
_TITLE = re.compile(r"《([^《》]{1,80})》")
_QUOTED = re.compile(r"“([^“”]{1,60})”")
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


def _required_literals(pattern: str) -> tuple[str, ...]:
    """Runs of plain characters at the top level of a regex, which every match contains (以…为主题的…
    -> 以, 为主题的): a text without one of them need not be searched. None are given for a pattern
    with flags that change what a character matches, or one that cannot be parsed here."""
    try:
        parsed = _sre_parse.parse(pattern)
    except Exception:  # (a pattern re itself rejects fails at its re.compile)
        return ()
    if parsed.state.flags & (re.IGNORECASE | re.VERBOSE):
        return ()
    runs: list[str] = []
    run: list[str] = []
    for op, arg in parsed:
        if op is _LITERAL:
            run.append(chr(arg))
        elif run:
            runs.append("".join(run))
            run = []
    if run:
        runs.append("".join(run))
    return tuple(runs)


class EntityFinder(Chunker, ListRules):
    """Per-process tables built from the rules (automaton, word sets)."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.index = rules.surface_index
        self.automaton = ahocorasick.Automaton()
        for form in self.index:
            if len(form) >= 2:
                self.automaton.add_word(form, (form, len(form) - 1))
        if len(self.automaton):
            self.automaton.make_automaton()
        self.breakers = rules.words("breakers")
        self.soft_breakers = rules.words("soft_breakers")
        self.breaker_prefixes = tuple(rules.patterns.get("breaker_prefixes") or ())
        self.tags = _jieba_tags()
        self._guessed: dict[str, str | None] = {}
        self._kinds: dict[str, str] = {}  # word -> unit kind, for `_kind`
        self._suffix_types: dict[str, str | None] = {}  # name -> suffix_type(name)
        self._stripped: dict[str, str] = {}  # name -> _strip_prefix(name)
        self._memo: dict[object, tuple | int] = {}  # run shape -> what `_chunk` made of it (`_recipe`)
        self._lexicon_fields: dict[str, tuple] = {}  # lexicon form -> its spans' fields (`lexicon_span`)
        self.generic_tails = tuple(rules.words("generic_tails"))
        self.not_heads = rules.words("not_heads")
        self.strip_prefixes = sorted(rules.words("strip_prefixes"), key=len, reverse=True)
        self._strip_any = tuple(self.strip_prefixes)  # (for str.startswith)
        self.actor_trailers = rules.words("actor_trailers")
        self.person_titles = rules.words("person_titles")
        # any title as a substring (a chunk without one cannot name a person after a title)
        self._title_in = re.compile("|".join(map(re.escape, sorted(self.person_titles))) or "(?!)")
        self.self_refs = rules.words("self_references")
        # any self-reference in a sentence (most have none): one search instead of one per word
        self._self_ref_in = re.compile("|".join(map(re.escape, sorted(self.self_refs))) or "(?!)")
        self.verbs = rules.verbs
        self.actor_types = rules.actor_types
        # each name pattern with the literal words any match must contain (`_required_literals`): a
        # sentence without one of them is not searched
        self.name_patterns = [
            (re.compile(p["regex"]), p["type"], _required_literals(p["regex"]))
            for p in rules.patterns.get("name_patterns") or []
        ]
        self.inherit = tuple(rules.patterns.get("inherit_suffixes") or ())
        self.de_heads = tuple(rules.patterns.get("de_heads") or ())
        self.token_aliases = dict(rules.patterns.get("token_aliases") or {})
        # words whose unit is not just their cached kind (`Chunker._units`): token aliases, classifiers
        self._special_words = frozenset(self.token_aliases) | _CLASSIFIERS
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
        """Type of a name by its head suffix, or None (cached per name: it depends on the rules only)."""
        try:
            return self._suffix_types[name]
        except KeyError:
            typ = self._suffix_type(name)
            if len(self._suffix_types) < _MAX_CACHED:
                self._suffix_types[name] = typ
            return typ

    def _suffix_type(self, name: str) -> str | None:
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
        fields = self._lexicon_fields.get(surface)
        if fields is None:  # (once per lexicon form: every field but the offsets follows from it)
            entry = self.index[surface]
            aliases = (surface,) if surface != entry.name else ()
            fields = (entry.name, entry.type, "lexicon", surface, aliases, entry.label_en, entry.id)
            self._lexicon_fields[surface] = fields
        return Span(start, end, *fields)

    # -- stage 1: lexicon matches -----------------------------------------------------
    def lexicon_matches(self, text: str, bounds: set[int], nested: bool = False) -> list[tuple[int, int, str]]:
        """Lexicon matches whose short forms fall on token boundaries (劳动法 is not in
        劳动法律); with `nested`, every match, for names inside names (农民工 in 农民工入会…)."""
        if not len(self.automaton):
            return []
        # (the automaton's value is the form and its length less one)
        out = [(e - k, e + 1, form) for e, (form, k) in self.automaton.iter(text)]
        if not nested:
            out = [m for m in out if self._aligned(m, bounds)]
        if len(out) > 1:
            # the automaton gives them by end: reversed, the longer of two with one start comes
            # first, and a stable sort by start keeps it first (start, then longest first)
            out.reverse()
            out.sort(key=itemgetter(0))
        return out

    @staticmethod
    def _aligned(match: tuple[int, int, str], bounds: set[int]) -> bool:
        """Short forms (<= 3 characters) on token boundaries at both ends, longer ones at one."""
        aligned = (match[0] in bounds) + (match[1] in bounds)
        return aligned >= (2 if len(match[2]) <= 3 else 1)

    # -- stage 2: atomic spans ----------------------------------------------------------
    def atomic_spans(self, text: str, lex: list[tuple[int, int, str]]) -> list[Span]:
        """《…》 titles, “…” names (with a following head), 关于…的…, and lexicon names."""
        spans: list[Span] = []
        # each pattern is tried only when its opening mark or word is in the sentence at all
        for m in _TITLE.finditer(text) if "《" in text else ():
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
            title = Span(m.start(), m.end(), name, typ, "title", m.group(), (m.group(),))
            title.issuers = self._issuers(m.group(1), m.start(1))
            spans.append(title)
        for ref in self.self_refs if self._self_ref_in.search(text) else ():
            for m in re.finditer(re.escape(ref), text) if ref in text else ():
                spans.append(Span(m.start(), m.end(), ref, "Policy", "self", ref))
        for rx, typ, required in self.name_patterns:
            if not all(w in text for w in required):
                continue
            for m in rx.finditer(text):
                name = clean_name(m.group("name"))
                spans.append(Span(m.start(), m.end(), name, typ, "pattern", m.group(), (m.group(),)))
        for m in _ABOUT.finditer(text) if "关于" in text else ():
            head = m.group(1)
            typ = "Concept" if head in _ABOUT_CONCEPT else "Policy"
            spans.append(Span(m.start(), m.end(), clean_name(m.group()), typ, "about", m.group(), (m.group(),)))
        for m in _QUOTED.finditer(text) if "“" in text else ():
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
        last_end = -1  # lexicon spans taken so far do not overlap and come by start: the last ends last
        for start, end, form in lex:
            if start < last_end or (taken and any(a < end and start < b for a, b in taken)):
                continue  # inside or across a span already taken (all spans are non-empty)
            spans.append(self.lexicon_span(start, end, form))
            last_end = end
        if not taken:
            return spans  # lexicon spans only: already in order and not overlapping
        # keep the outermost of overlapping atomic spans (《…关于…的决定》 contains an about-span)
        spans.sort(key=lambda s: (s.start, -(s.end - s.start)))
        kept: list[Span] = []
        for s in spans:
            if kept and s.start < kept[-1].end:
                continue
            kept.append(s)
        return kept

    def _issuers(self, title: str, offset: int) -> tuple[Span, ...]:
        """《中共中央、国务院关于…的决定》: the bodies named before 关于 issued the document."""
        head, sep, _ = title.partition("关于")
        if not sep or not head:
            return ()
        names = head.split("、")
        if not all(n in self.index and self.index[n].type in self.actor_types for n in names):
            return ()
        out, pos = [], offset
        for n in names:
            out.append(self.lexicon_span(pos, pos + len(n), n))
            pos += len(n) + 1
        return tuple(out)

    def _type_of_name(self, name: str) -> str | None:
        entry = self.index.get(name)
        return entry.type if entry is not None else self.suffix_type(name)

    # -- stage 3: chunks ----------------------------------------------------------------
    def analyse(self, text: str, offset: int, tokens: list[tuple[int, int]]) -> Analysis:
        """Cut one sentence into chunks and find their entities (offsets made absolute);
        `tokens` are the segmenter's (start, end) spans in `text`."""
        lex = self.lexicon_matches(text, _NO_BOUNDS, nested=True)
        if lex:
            bounds = set(chain.from_iterable(tokens))
            # (`_aligned`, inlined: this runs for every match)
            aligned = [m for m in lex if (m[0] in bounds) + (m[1] in bounds) >= (2 if len(m[2]) <= 3 else 1)]
        else:
            aligned = lex
        atomic = self.atomic_spans(text, aligned)
        units = self._units(text, tokens, atomic)
        verbs: list[tuple[int, int, str]] = []
        self._softs: list[int] = []
        starts = [m[0] for m in lex]  # lex is sorted by start: each chunk bisects for its own matches
        chunks = self._group(text, units, verbs, lex, starts)  # (chunks analysed: `_analyse`)
        self._shared_heads(text, chunks)
        self._etc_lists(text, chunks)
        for ch in chunks:
            ch.start += offset
            ch.end += offset
            spans = ch.spans
            if not spans:
                continue
            if len(spans) > 1:
                spans = unique_spans(spans)
            issuers = False
            for sp in spans:
                sp.start += offset
                sp.end += offset
                if sp.issuers:
                    issuers = True
            if issuers:  # a title's issuers may sit outside the chunk's spans: shift those too
                for i in [i for sp in spans for i in sp.issuers if all(i is not x for x in spans)]:
                    i.start += offset
                    i.end += offset
        return Analysis(chunks, [(a + offset, b + offset, w) for a, b, w in verbs], [a + offset for a in self._softs])

    def _analyse(self, text: str, ch: Chunk, lex: list[tuple[int, int, str]], starts: list[int]) -> None:
        """Decide the chunk's main entity and collect nested lexicon mentions."""
        atoms = ch.spans
        raw = ch.text
        lead = len(raw) - len(raw.lstrip("和与及")) if raw.startswith(("和", "与", "及")) else 0
        if lead:
            ch.start += lead
            raw = raw[lead:]
            ch.text = raw
        main: Span | None = None
        if len(atoms) == 1 and atoms[0].start == ch.start and atoms[0].end == ch.end:
            main = atoms[0]
            if main.source == "quote" and not main.type:
                ch.quote_only = True
        elif atoms and atoms[-1].end == ch.end and atoms[-1].source in ("title", "about"):
            main = atoms[-1]  # 《…》 and 关于…的… delimit the name themselves
        elif name := clean_name(raw):
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
        if main is None and len(ch.words) > 1:  # (both need a word before the name)
            main = self._person(text, ch) or self._trim_trailing(text, ch, atoms)
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
        # only this chunk's matches are used (`starts`: the matches' starts, in order)
        lo, hi = bisect_left(starts, ch.start), bisect_left(starts, ch.end)
        if hi - lo == 1:  # one match starts inside: mostly an atom's own (the general case below, for one)
            s, e, f = lex[lo]
            if e > ch.end or any((a.start == s and a.end == e) or a.name == self.index[f].name for a in atoms):
                lo = hi
        if lo == hi:  # no lexicon match starts inside (most chunks), or none that is not covered
            ch.spans = unique_spans(([main] if main else []) + atoms)
            return
        covered = {(a.start, a.end) for a in atoms} | {a.name for a in atoms}
        nested = []
        lex = [m for m in lex[lo:hi] if m[1] <= ch.end]
        if len(lex) > 1:  # (one match cannot sit inside another)
            inside = [(s, e) for s, e, _ in lex]
            # 工人 inside 产业工人: only the larger name (names inside a matched name still count)
            kept = []
            for m in lex:
                s, e = m[0], m[1]
                for a, b in inside:
                    if a <= s and e <= b and (a != s or b != e) and (a, b) not in covered:
                        break
                else:
                    kept.append(m)
            lex = kept
        for s, e, f in lex:
            if (s, e) not in covered and self.index[f].name not in covered:
                nested.append(self.lexicon_span(s, e, f))
                covered |= {(s, e), self.index[f].name}
        ch.spans = unique_spans(([main] if main else []) + atoms + nested)

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
            if (
                tail.type == "WorkerGroup"
                and owner_type in self.actor_types
                and owner_type not in ("WorkerGroup", "Person")
            ):
                # 郑州圆方集团|全体职工: the body is the name; its people are named after it (a body
                # named after its owner is a name: 用人单位|工会委员会)
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
        if word in self.index or word in self.rules.suffix_words or word.endswith(_THRESHOLDS):
            return False  # 县级以上|各级工会: a threshold modifies the name after it
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
            stripped = self._strip_prefix(clean_name(sub))
            if stripped in self.index and stripped != clean_name(sub):
                e = self.index[stripped]  # 同级|工会经费审查委员会|审查: the known name without 同级
                return Span(ch.start, end, e.name, e.type, "lexicon", sub, (sub,), e.label_en, e.id)
            typ = self.suffix_type(clean_name(sub))
            if typ:
                return Span(ch.start, end, clean_name(sub), typ, "suffix", sub)
        return None

    def _person(self, text: str, ch: Chunk) -> Span | None:
        """高级技师洪家光: a short unknown name after an office title, ending the chunk."""
        if len(ch.words) < 2 or not self._title_in.search(ch.text):
            return None  # no title in the chunk (most chunks)
        for k in range(len(ch.words) - 1, 0, -1):
            ts, te = ch.words[k - 1]
            if text[ts:te] not in self.person_titles:
                continue
            name = text[te : ch.end]
            if not (2 <= len(name) <= 3) or not all(CJK.match(c) for c in name):
                return None
            if name in self.index or self.suffix_type(name) or name in self.breakers:
                return None
            tag = self.tags.get(name)
            if tag is not None and not tag.startswith("nr"):
                return None  # 副主席|任期: a dictionary word that is not a personal name
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
