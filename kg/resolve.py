"""Resolution: canonical names, self-references, the document's speaker, bylines, headings.

- Every alias resolves to its lexicon entry's canonical name (中华全国总工会 → 全国总工会,
  总书记 → 习近平 where the lexicon says so).
- 本法 / 本条例 … resolve to the document's own title when that title names a Policy.
- The speaker (for implied subjects): front matter `speaker:`, else the organisation in an
  author's byline (全国总工会党组书记… 陈刚 → 全国总工会).
- A run-on heading glued to the next sentence is cut before the new sentence's agent.
"""

from __future__ import annotations

import re

from .entities import EntityFinder
from .model import Document
from .relations import Found
from .rules import Rules
from .sentences import Sentence
from .spans import NAME_MARKS, Analysis, Span, clean_name

_CJK_NAME = re.compile(r"^[\u3400-\u9fff·]{2,4}$")
_FUNCTION_CHARS = set("的和与及在对把向给同为由将让使从以经、，。；：“”《》（）")
_MIN_HEADING = 10
_CLAUSE_MARK = re.compile("[，；：。]")
_PRONOUNS: dict[str, tuple[str, ...]] = {}  # rules version -> speaker pronouns (heading_cuts runs per sentence)


class Resolver:
    def __init__(self, doc: Document, rules: Rules, finder: EntityFinder) -> None:
        self.index = rules.surface_index
        self.finder = finder
        self.self_refs = rules.words("self_references")
        self.title = self._title(doc)

    def _title(self, doc: Document) -> str:
        """The document's own name, when it is a Policy (a law, regulation, opinion …)."""
        title = doc.meta.get("title") or ""
        first = doc.text.lstrip().split("\n", 1)[0].strip()
        for cand in (title, first):
            name = clean_name(cand)
            if 2 < len(name) <= 40 and self.finder._type_of_name(name) == "Policy":
                return self.index[name].name if name in self.index else name
        return ""

    def canonical(self, sp: Span) -> str:
        if sp.surface in self.self_refs or sp.name in self.self_refs:
            return self.title
        name = sp.name
        if name in self.index:
            return self.index[name].name
        return name

    def type_of(self, sp: Span, name: str) -> str:
        if name in self.index:
            return self.index[name].type
        if name == self.title:
            return "Policy"
        return sp.type

    def label_en(self, sp: Span, name: str) -> str:
        return self.index[name].label_en if name in self.index else sp.label_en

    def lexicon_id(self, sp: Span, name: str) -> str:
        return self.index[name].id if name in self.index else ""

    def aliases(self, sp: Span, name: str) -> set[str]:
        """The span's surface, and those of its aliases the lexicon entry (if any) knows, but not `name`."""
        surface = clean_name(sp.surface)
        out = {surface} if surface and surface != name else set()
        if sp.aliases:
            entry = self.index.get(name)
            known = None if entry is None else {entry.name, *entry.aliases}
            for a in sp.aliases:
                form = clean_name(a)
                if form and form != name and (known is None or form in known):
                    out.add(form)
        return out


class Anaphora:
    """A bare head (大会, 决定) refers back to the last entity whose name ends with it."""

    def __init__(self, rules: Rules) -> None:
        self.heads = tuple(sorted(rules.words("anaphoric_heads"), key=len, reverse=True))
        self.head_set = frozenset(self.heads)
        # a chunk can be a bare head only if it ends in a head's last character or in a mark
        # that clean_name drops (checked first: clean_name on every chunk was most of `resolve`)
        self.maybe_head_ends = frozenset(h[-1] for h in self.heads) | frozenset(NAME_MARKS)
        self.last: dict[str, Span] = {}

    def resolve(self, chunks: list) -> None:
        for ch in chunks:
            end = ch.text[-1:]
            bare = clean_name(ch.text) if end in self.maybe_head_ends or end.isspace() else ""
            if bare in self.head_set and (ch.main is None or ch.main.name == bare):
                ante = self.last.get(bare) or self.last.get(bare[-2:])
                if ante is not None:
                    ch.main = Span(
                        ch.start,
                        ch.end,
                        ante.name,
                        ante.type,
                        "anaphor",
                        ch.text,
                        (bare,),
                        ante.label_en,
                        ante.lexicon_id,
                    )
                    ch.spans.insert(0, ch.main)
                continue
            if ch.main is not None and ch.main.name.endswith(self.heads):
                for head in self.heads:
                    if ch.main.name.endswith(head) and ch.main.name != head:
                        self.last[head] = ch.main


def infer_speaker(
    doc: Document, sentences: list[Sentence], analyses: list[Analysis], resolver: Resolver
) -> Span | None:
    """Whom the document speaks for: `speaker:` in front matter, else the author's organisation."""
    declared = (doc.meta.get("speaker") or "").strip()
    if declared:
        return _known(declared, resolver, doc.text)
    title = doc.meta.get("author_title") or ""
    if title:
        orgs = _organisations(title, resolver)
        if orgs:
            return _known(resolver.index[orgs[0][2]].name, resolver, doc.text)
    return None


def _organisations(title: str, resolver: Resolver) -> list[tuple[int, int, str]]:
    """Bodies named in an office title, earliest first and, at one place, the shortest
    (全国总工会党组书记 speaks for 全国总工会)."""
    found = [
        (s, e, f)
        for s, e, f in resolver.finder.lexicon_matches(title, set(range(len(title) + 1)))
        if resolver.index[f].type in resolver.finder.actor_types
        and resolver.index[f].type not in ("Person", "WorkerGroup")
    ]
    return sorted(found, key=lambda m: (m[0], m[1] - m[0]))


def _known(name: str, resolver: Resolver, text: str) -> Span:
    """A span for a name given outside the text (offsets of its first mention, else 0..0)."""
    entry = resolver.index.get(name)
    canonical = entry.name if entry else name
    typ = entry.type if entry else (resolver.finder.suffix_type(name) or "Organization")
    pos = text.find(name)
    start, end = (pos, pos + len(name)) if pos >= 0 else (0, 0)
    return Span(
        start, end, canonical, typ, "meta", name, (), entry.label_en if entry else "", entry.id if entry else ""
    )


def byline_relations(
    doc: Document, sentences: list[Sentence], resolver: Resolver
) -> tuple[list[tuple[Span, int]], list[Found]]:
    """Entities and relations from metadata lines: source, editor, and the author's offices."""
    mentions: list[tuple[Span, int]] = []
    found: list[Found] = []
    meta_sents = [(i, s) for i, s in enumerate(sentences) if s.meta]
    if not meta_sents:
        return mentions, found

    kinds = {"source": "Organization", "programme": "Organization", "editor": "Person", "author": "Person"}
    for a, b, key in doc.meta_spans:
        typ = kinds.get(key)
        value = doc.text[a:b].strip()
        si = next((i for i, sent in meta_sents if sent.start <= a < sent.end), -1)
        if typ is None or not value or si < 0 or (typ == "Person" and not _CJK_NAME.match(value)):
            continue
        entry = resolver.index.get(value)
        sp = Span(a, b, entry.name if entry else value, entry.type if entry else typ, "meta", value)
        mentions.append((sp, si))
        if key == "author":
            offices = _offices(doc, sp, si, resolver)
            found += offices
            mentions += [(f.o, si) for f in offices]
    return mentions, found


def _offices(doc: Document, person: Span, si: int, resolver: Resolver) -> list[Found]:
    """全国总工会党组书记、副主席 陈刚 → 陈刚 leads 全国总工会党组, 陈刚 partOf 全国总工会."""
    title = (doc.meta.get("author_title") or "").strip()
    if not title:
        return []
    base = doc.text.find(title)
    orgs = _organisations(title, resolver)
    if not orgs:
        return []
    s, e, form = orgs[0]
    entry = resolver.index[form]
    org = Span(
        base + s if base >= 0 else 0,
        base + e if base >= 0 else 0,
        entry.name,
        entry.type,
        "meta",
        form,
        (),
        entry.label_en,
        entry.id,
    )
    leading = resolver.finder.rules.words("leading_offices")
    out: list[Found] = []
    part_of_done = False
    for office in title[e:].split("、"):
        office = office.strip()
        body = next((b for b in ("党组", "党委") if office.startswith(b) and len(office) > len(b)), "")
        if body:
            sub = Span(org.start, org.end, entry.name + body, "PartyBody", "meta", form + body)
            rest = office[len(body) :]
            out.append(Found(person, "leads" if rest in leading else "partOf", sub, si))
        elif office in leading:
            out.append(Found(person, "leads", org, si))
        elif not part_of_done:
            out.append(Found(person, "partOf", org, si))
            part_of_done = True
    return out


def heading_cuts(text: str, sent: Sentence, an: Analysis, rules: Rules) -> list[tuple[Sentence, Analysis]]:
    """Cut a sentence where a run-on heading ends: before an agent (or 我们) that starts a
    new sentence with no punctuation before it."""
    actor_types = rules.actor_types
    pronouns = _PRONOUNS.get(rules.version)
    if pronouns is None:
        pronouns = _PRONOUNS[rules.version] = tuple(rules.words("speaker_pronouns"))
    verb_starts: set[int] | None = None
    verb_ends: set[int] = set()
    cuts: list[int] = []
    candidates = [
        c.start for c in an.chunks if c.main is not None and c.main.type in actor_types and c.main.start == c.start
    ]
    sub = text[sent.start : sent.end]
    for w in pronouns:
        if w in sub:
            candidates += [m.start() + sent.start for m in re.finditer(re.escape(w), sub)]
    for p in sorted(set(candidates)):
        # the clause so far is shorter than a heading: p is too close to the start or to a mark
        if p - sent.start < _MIN_HEADING or _CLAUSE_MARK.search(text, p - _MIN_HEADING, p):
            continue
        before = text[p - 1]
        if before in _FUNCTION_CHARS or not ("\u3400" <= before <= "\u9fff"):
            continue
        chunk = next((c for c in an.chunks if c.start == p), None)
        after = chunk.end if chunk else p + 2
        # an agent is followed by its verb; right after another verb it must be followed at once
        if verb_starts is None:
            verb_starts, verb_ends = {v[0] for v in an.verbs}, {v[1] for v in an.verbs}
        reach = 0 if p in verb_ends else 4
        if not any(0 <= v - after <= reach for v in verb_starts) and not text.startswith(pronouns, p):
            continue
        cuts.append(p)
    if not cuts:
        return [(sent, an)]
    out = []
    bounds = [sent.start, *cuts, sent.end]
    for a, b in zip(bounds, bounds[1:], strict=False):
        piece = Sentence(a, b, False)
        part = Analysis([c for c in an.chunks if a <= c.start < b], [v for v in an.verbs if a <= v[0] < b])
        out.append((piece, part))
    return out
