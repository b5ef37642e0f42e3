"""The data the entity and relation stages pass around: spans (mentions) and chunks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

NAME_MARKS = '《》〈〉“”"「」『』‘’'  # dropped from names, with white space
_STRIP_MARKS = re.compile("[" + NAME_MARKS + r"\s]")


def clean_name(text: str) -> str:
    """Canonical form of a surface: no 《》“” marks, no white space."""
    return _STRIP_MARKS.sub("", text)


@dataclass(slots=True)
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


@dataclass(slots=True)
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


@dataclass(slots=True)
class Analysis:
    """One sentence analysed: chunks, and the trigger verbs that separate them."""

    chunks: list[Chunk]
    verbs: list[tuple[int, int, str]]  # absolute (start, end, word)
    softs: list[int] = field(default_factory=list)  # absolute starts of verbs that are not triggers


def unique_spans(spans: list[Span]) -> list[Span]:
    """`spans` without repeated objects (a new list; first occurrence kept)."""
    if len(spans) < 3:  # most chunks hold one or two spans
        return spans[:1] if len(spans) == 2 and spans[0] is spans[1] else spans[:]
    seen: set[int] = set()
    out = []
    for s in spans:
        if id(s) not in seen:
            seen.add(id(s))
            out.append(s)
    return out
