"""Sentences and clauses.

Sentences end at 。！？； and line breaks (never inside “…” or 《…》); clauses at ，、： too.
Run-on headings — a heading glued to the next sentence with no punctuation, common in
articles pasted from the web — are cut later, once entities are known (see
`heading_cuts`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SENTENCE_END = frozenset("。！？；!?;")  # (frozen: `_marks` looks its pattern up by the set itself)
CLAUSE_END = SENTENCE_END | frozenset("，：,:")
_OPEN = {"“": "”", "《": "》", "「": "」", "（": "）", "(": ")"}


@dataclass
class Sentence:
    start: int
    end: int
    meta: bool = False  # a byline or other metadata span, not content


def _marks(stops: frozenset[str]) -> re.Pattern[str]:
    """The characters `_spans` acts on: stops, brackets and line breaks (every other one is skipped)."""
    key = frozenset(stops)
    rx = _MARKS.get(key)
    if rx is None:
        chars = set(stops) | set(_OPEN) | set(_OPEN.values()) | {"\n"}
        rx = _MARKS[key] = re.compile("[" + "".join(re.escape(c) for c in sorted(chars)) + "]")
    return rx


_MARKS: dict[frozenset[str], re.Pattern[str]] = {}


def _spans(text: str, start: int, end: int, stops: frozenset[str]) -> list[tuple[int, int]]:
    """Split text[start:end] after each stop character outside quotes and brackets."""
    out = []
    depth: list[str] = []
    s = start
    for m in _marks(stops).finditer(text, start, end):
        i = m.start()
        ch = text[i]
        if depth and ch == depth[-1]:
            depth.pop()
        elif ch in _OPEN and len(depth) < 4:
            depth.append(_OPEN[ch])
        elif ch == "\n":
            depth.clear()
            if i > s:
                out.append((s, i))
            s = i + 1
        elif ch in stops and not depth:
            out.append((s, i + 1))
            s = i + 1
    if s < end:
        out.append((s, end))
    # every piece is non-empty; most neither start nor end with white space
    trimmed = []
    for a, b in out:
        if text[a].isspace() or text[b - 1].isspace():
            a, b = _trim(text, a, b)
            if b <= a:
                continue
        trimmed.append((a, b))
    return trimmed


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


def split_sentences(text: str, meta_spans: list[tuple[int, int, str]] | None = None) -> list[Sentence]:
    """Sentences of the document, with metadata spans (bylines) as sentences of their own."""
    cuts = sorted((a, b) for a, b, _ in (meta_spans or []) if b > a)
    pieces: list[tuple[int, int, bool]] = []
    pos = 0
    for a, b in cuts:
        if a > pos:
            pieces.append((pos, a, False))
        pieces.append((max(a, pos), b, True))
        pos = max(pos, b)
    if pos < len(text):
        pieces.append((pos, len(text), False))
    out: list[Sentence] = []
    for a, b, is_meta in pieces:
        for s, e in [_trim(text, a, b)] if is_meta else _spans(text, a, b, SENTENCE_END):
            if e > s:
                out.append(Sentence(s, e, is_meta))
    return out


def split_clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Clauses of one sentence: cut at ，：； outside quotes and brackets."""
    return _spans(text, start, end, CLAUSE_END)
