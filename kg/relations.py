"""Find relations at clause level: trigger verbs, fixed constructions, and names.

- Verbs (triggers.yaml `verbs`): the clause's agent → each entity in the object slot after the
  verb; the first of the verb's relations whose type constraints fit is used.
- Templates (`templates`): 在{A}领导下, 会同{A}, 以{A}为重点, {A}是{B}的重要组成部分, …
- Names: a programme or body named after a group targets it (农民工入会集中行动 → 农民工);
  a body named after a larger one is part of it (全国总工会机关 → 全国总工会).
- Implied subjects: a clause with no agent takes the previous clause's agent; a sentence
  with none takes the document's speaker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import ahocorasick

from .rules import Rules
from .sentences import split_clauses
from .spans import Analysis, Chunk, Span

# Prepositions that make the next noun phrase something other than the clause's agent.
_MAX_BEFORE_AGENT = 6  # an agent opens its clause, after at most a few adverbs or a time word
_NOT_AGENT_BEFORE = (
    "了",
    "使",
    "让",
    "令",
    "要求",
    "号召",
    "在",
    "对",
    "向",
    "给",
    "与",
    "同",
    "从",
    "经",
    "把",
    "为",
    "以",
    "会同",
    "联合",
    "代表",
    "将",
    "关于",
    "围绕",
    "按照",
    "依照",
    "根据",
    "通过",
    "面向",
    "针对",
    "和",
    "及",
    "或者",
    "是",
    "的",
)


_NO_CONSTRAINT: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())  # (a relation no rule names)


# the types of a name whose inner names it targets or is part of (`RelationFinder.from_names`)
_NAMED_AFTER = frozenset(("Program", "Organization", "Union", "StateBody"))


@dataclass
class Found:
    s: Span
    p: str
    o: Span
    sentence: int


@dataclass
class DocState:
    """What carries from clause to clause: the speaker and the last agent."""

    speaker: Span | None
    carry: list[Span] = field(default_factory=list)


class RelationFinder:
    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.constraints = rules.constraints
        self.verbs = rules.verbs
        self.templates = rules.templates
        self.actor_types = rules.actor_types
        self.speaker_words = tuple(rules.words("speaker_pronouns"))
        self.leading_offices = rules.words("leading_offices")
        # each template with the literal words any match must contain: most clauses contain none
        # of them, and a regex that opens with a lazy slot ({A}是{B}…) costs O(n²) to rule out
        self.checked_templates = [(t, frozenset(_required_literals(t.pattern))) for t in self.templates]
        self.literals = ahocorasick.Automaton()
        for w in sorted({w for _, req in self.checked_templates for w in req}):
            self.literals.add_word(w, w)
        if len(self.literals):
            self.literals.make_automaton()
        self.always = [i for i, (_, req) in enumerate(self.checked_templates) if not req]
        self.by_literal: dict[str, list[int]] = {}  # literal -> templates that need it
        for i, (_, req) in enumerate(self.checked_templates):
            for w in req:
                self.by_literal.setdefault(w, []).append(i)
        index = rules.surface_index
        self.word_entities = {w: index[n] for w, n in (rules.patterns.get("token_aliases") or {}).items() if n in index}

    def fits(self, s: Span, p: str, o: Span) -> bool:
        subj_ok, obj_ok = self.constraints.get(p, _NO_CONSTRAINT)
        return s.type in subj_ok and o.type in obj_ok and s.name != o.name

    # -- one sentence ----------------------------------------------------------------
    def sentence(self, text: str, start: int, end: int, si: int, an: Analysis, state: DocState) -> list[Found]:
        out: list[Found] = []
        # Agents carry from clause to clause within a sentence; a new sentence starts from the
        # speaker (measured: carrying across sentences costs precision on news and laws).
        state.carry = [state.speaker] if state.speaker is not None else []
        pending_leaders: list[tuple[list[Span], str]] = []
        pending_approvers: list[Span] = []
        clauses = split_clauses(text, start, end)
        for _ci, (cs, ce) in enumerate(clauses):
            chunks = [c for c in an.chunks if cs <= c.start and c.end <= ce]
            verbs = [v for v in an.verbs if cs <= v[0] and v[1] <= ce]
            subjects = self._subjects(text, cs, ce, chunks, verbs, state, an.softs)
            explicit = bool(subjects)
            if explicit:
                for leaders, p in pending_leaders:
                    out += [Found(a, p, b, si) for a in leaders for b in subjects if self.fits(a, p, b)]
                pending_leaders = []
                state.carry = subjects
            agents = subjects or state.carry
            verb_objects: list[Span] = []
            for vi, (vs, _ve, word) in enumerate(verbs):
                preds = self.verbs.get(word, ())
                if not preds:
                    continue  # (nothing below happens for a verb without relations)
                stop = verbs[vi + 1][0] if vi + 1 < len(verbs) else ce
                objects = [
                    c
                    for c in chunks
                    if vs < c.start and c.end <= stop and c.main is not None and not text.startswith("的", c.end)
                ]  # X的领导: X modifies, it is no object
                for ch in objects:
                    obj = ch.main
                    assert obj is not None
                    if ch.quote_only:
                        obj.type = _coerce(self.constraints[preds[0]][1])
                    for p in preds:
                        # (any agent `fits`, written out: the object's type first, then each agent)
                        subj_ok, obj_ok = self.constraints.get(p, _NO_CONSTRAINT)
                        if (
                            obj.type in obj_ok and any(a.type in subj_ok and a.name != obj.name for a in agents)
                        ) or (not agents and obj.type in self.constraints[p][1]):
                            out += [Found(a, p, obj, si) for a in agents if self.fits(a, p, obj)]
                            if p in ("issues", "launches"):
                                verb_objects.append(obj)
                            break
            for approver in pending_approvers:
                out += [Found(approver, "approves", o, si) for o in verb_objects if self.fits(approver, "approves", o)]
            if verb_objects:
                pending_approvers = []
            out += self._templates(text, cs, ce, chunks, agents, si, pending_leaders, pending_approvers)
        return out

    def _subjects(
        self, text: str, cs: int, ce: int, chunks: list[Chunk], verbs, state: DocState, softs: list[int]
    ) -> list[Span]:
        """Actors before the clause's first verb, not governed by a preposition or any other
        verb (推动|更多劳动模范… is an object); 我们 = the speaker."""
        first_verb = verbs[0][0] if verbs else ce
        for p in softs:  # the first verb or soft breaker
            if cs <= p < first_verb:
                first_verb = p
        head = text[cs:first_verb]
        if state.speaker is not None and any(w in head for w in self.speaker_words):
            return [state.speaker]
        found: list[Span] = []
        list_id = None
        for ch in chunks:
            main = ch.main
            if main is None and ch.spans and ch.spans[0].start == ch.start:
                main = ch.spans[0]  # 党|和国家: a known actor opening an untyped phrase
            if ch.start >= first_verb or main is None or main.type not in self.actor_types:
                continue
            before = text[cs : ch.start].rstrip()
            if list_id is None:
                bare = before.removesuffix("广大").removesuffix("全体").removesuffix("我国")
                if bare.endswith(_NOT_AGENT_BEFORE) or "、" in before[-1:] or len(bare) > _MAX_BEFORE_AGENT:
                    continue  # 对|X, 使|X, 肯定了|X, a long run of words before X: not the agent
                list_id = ch.list_id
            elif ch.list_id != list_id and not before.endswith(("和", "及", "与", "、", "以及")):
                break
            found.append(main)
        return found

    def _templates(self, text, cs, ce, chunks, agents, si, pending_leaders, pending_approvers) -> list[Found]:
        out: list[Found] = []
        clause = text[cs:ce]
        present = {w for _, w in self.literals.iter(clause)} if len(self.literals) else set()
        if not present and not self.always:
            return out  # no template can match (most clauses)
        candidates = set(self.always)
        for w in present:
            candidates.update(self.by_literal[w])
        for i in sorted(candidates):  # in the rules' order
            t, required = self.checked_templates[i]
            if not required <= present:
                continue
            for m in t.regex.finditer(clause):
                slots = {
                    name: self._slot(chunks, cs + m.start(name), cs + m.end(name), m.end(name) < m.end())
                    for name in ("A", "B")
                    if name in t.regex.groupindex and m.group(name) is not None
                }
                subj = self._role(t.s, slots, agents)
                if t.o == "NEXT_SUBJECT":
                    pending_leaders.append((subj, t.p))
                    continue
                if t.o == "OBJECT":
                    pending_approvers.extend(subj)
                    continue
                obj = self._role(t.o, slots, agents)
                out += [Found(a, t.p, b, si) for a in subj for b in obj if self.fits(a, t.p, b)]
        return out

    @staticmethod
    def _role(role: str, slots: dict[str, list[Span]], agents: list[Span]) -> list[Span]:
        return list(agents) if role == "SUBJECT" else slots.get(role, [])

    @staticmethod
    def _slot(
        chunks: list[Chunk], a: int, b: int, before_literal: bool, text: str = "", tokens: dict | None = None
    ) -> list[Span]:
        """Entities in a template slot: the list of names next to the construction's words
        (the last list before them, or the first after), else any mention inside."""
        inside = [c for c in chunks if c.main is not None and a <= c.main.start and c.main.end <= b]
        if inside:
            near = inside[-1] if before_literal else inside[0]
            return [c.main for c in inside if c.list_id == near.list_id and c.main is not None]
        found = [s for c in chunks for s in c.spans if a <= s.start and s.end <= b]
        if not found and tokens is not None:
            # 在|党的|领导下 where a longer name (党的领导) hides the word: the slot's text itself
            word = text[a:b].strip().removesuffix("的")
            if word in tokens:
                entry = tokens[word]
                found = [Span(a, a + len(word), entry.name, entry.type, "token", word, (), entry.label_en, entry.id)]
        return found

    # -- names -------------------------------------------------------------------------
    def from_names(self, spans: list[tuple[Span, int]]) -> list[Found]:
        """targets from a group named inside a programme/body; partOf from a body's name."""
        out: list[Found] = []
        by_sentence: dict[int, list[Span]] = {}
        for sp, si in spans:
            by_sentence.setdefault(si, []).append(sp)
        for sp, si in spans:
            same = by_sentence[si]  # names inside a name sit in its sentence
            if sp.office is not None:
                body, office = sp.office
                p = "leads" if office in self.leading_offices else "partOf"
                if self.fits(sp, p, body):
                    out.append(Found(sp, p, body, si))
            if sp.type == "Event":
                hosts = [
                    o
                    for o in same
                    if o is not sp
                    and sp.start <= o.start
                    and o.end <= sp.end
                    and o.type in ("StateBody", "PartyBody", "Union", "Organization")
                    and not re.sub(r"第[一二三四五六七八九十百\d]+[届次]", "", sp.surface[: o.start - sp.start])
                ]
                out += [Found(h, "convenes", sp, si) for h in hosts[:1]]
                continue
            if sp.source == "lexicon" and sp.type not in ("Program", "Organization", "Union"):
                continue
            if sp.type not in _NAMED_AFTER and (
                sp.type in self.actor_types or ("与" not in sp.surface and "同" not in sp.surface)
            ):
                continue  # neither a name that targets or is part of what it names, nor a joint one (`_joint`)
            a, b = sp.start, sp.end  # (a shorter span is never sp itself)
            inner = [o for o in same if a <= o.start and o.end <= b and o.end - o.start < b - a]
            if len(inner) > 1:  # two actors at least
                out += self._joint(sp, inner, si)
            for o in inner:
                if (
                    o.type == "WorkerGroup"
                    and sp.type in ("Program", "Organization", "Union")
                    and o.start > sp.start - 1
                ):
                    if self.fits(sp, "targets", o):
                        out.append(Found(sp, "targets", o, si))
                elif (
                    o.start == sp.start
                    and o.type in self.actor_types
                    and sp.type in ("Union", "Organization", "StateBody")
                    and self.fits(sp, "partOf", o)
                ):
                    out.append(Found(sp, "partOf", o, si))
        return out

    def _joint(self, sp: Span, inner: list[Span], si: int) -> list[Found]:
        """政府与工会联席会议制度: two actors joined by 与/同 inside a name act jointly."""
        if sp.type in self.actor_types:
            return []
        actors = sorted((o for o in inner if o.type in self.actor_types), key=lambda o: o.start)
        return [
            Found(a, "collaboratesWith", b, si)
            for a, b in zip(actors, actors[1:], strict=False)
            if sp.surface[a.end - sp.start : b.start - sp.start] in ("与", "同") and self.fits(a, "collaboratesWith", b)
        ]


_GROUP = re.compile(r"\{[AB]\}|\([^()]*\)\??|.\?")  # slots, groups, optional characters
_REGEX_SYNTAX = set(".^$*+?{}[]\\|()")


def _required_literals(pattern: str) -> tuple[str, ...]:
    """Plain literal runs of a template pattern that every match contains (会同{A} -> 会同;
    {A}（以下(?:统)?称{B}） -> （以下, 称, ）); runs with any regex syntax are left out."""
    return tuple(w for w in _GROUP.split(pattern) if w and not _REGEX_SYNTAX & set(w))


def _coerce(types: frozenset[str]) -> str:
    for t in ("Program", "Concept", "Policy", "Event"):
        if t in types:
            return t
    return sorted(types)[0]
