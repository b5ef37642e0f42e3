"""Stable ASCII identifiers for entities.

An id depends only on the canonical Chinese label (or a lexicon's explicit id), never on
what else is in the build, so the same entity gets the same id and IRI tomorrow.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@cache
def node_id(label: str, lexicon_id: str = "") -> str:
    """`lexicon_id` when the lexicon gives one, else pinyin slug + 6 hex digits of the label's hash.

    The hash keeps homophones (工会 / 公会) apart; the slug keeps ids readable in SPARQL.
    """
    if lexicon_id:
        return lexicon_id
    slug = _NON_ALNUM.sub("-", _pinyin(label).lower()).strip("-")[:40].rstrip("-")
    digest = hashlib.sha1(label.encode("utf-8")).hexdigest()[:6]
    return f"{slug}-{digest}" if slug else f"e-{digest}"


def _pinyin(label: str) -> str:
    """`"".join(pypinyin.lazy_pinyin(label))` (toneless, characters without pinyin kept), each of the
    words pypinyin cuts `label` into converted once per process: names share their words (省, 总工会),
    and converting is most of lazy_pinyin's time (≈ 5 x faster on 20k names; equal, tests/test_ids.py)."""
    # Imported when first needed: its phrase dictionary is ~55 MB of memory, which a build holds
    # only once it makes node ids, not while its workers extract.
    from pypinyin.seg.simpleseg import seg

    return "".join(map(_word_pinyin, seg(label)))


@cache
def _word_pinyin(word: str) -> str:
    """lazy_pinyin of one of pypinyin's own words: converting it is all lazy_pinyin does with it."""
    from pypinyin import Style, lazy_pinyin

    return "".join(lazy_pinyin(word, style=Style.NORMAL, errors=list))


def prepare() -> None:
    """Import pypinyin now (~0.3 s): for a process that would otherwise sit waiting."""
    import pypinyin  # noqa: F401


def doc_slug(doc_id: str) -> str:
    """ASCII form of a document id, for IRIs (ids are file stems, which may be Chinese)."""
    if doc_id.isascii() and re.fullmatch(r"[A-Za-z0-9._:-]+", doc_id):
        return doc_id.replace(":", "-")
    return node_id(doc_id)
