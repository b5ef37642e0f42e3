"""One visual vocabulary for every view: colour and Chinese name per entity type and predicate,
and node size by mentions.

The HTML view and the Gephi files both read these tables, so a type has the same colour in the
browser, in Gephi and in the legend. Colours are Tableau-10 for types (distinct, readable on white)
and darker hues for predicates (thin lines need more contrast than node discs).
"""

from __future__ import annotations

import math
from typing import NamedTuple

from ..model import ENTITY_TYPES, PREDICATES


class Style(NamedTuple):
    color: str  # "#rrggbb"
    zh: str  # short Chinese name for legends and edge labels


TYPE_STYLE: dict[str, Style] = {
    "Person": Style("#f28e2b", "人物"),
    "PartyBody": Style("#e15759", "党组织"),
    "StateBody": Style("#4e79a7", "国家机关"),
    "Union": Style("#59a14f", "工会组织"),
    "Organization": Style("#76b7b2", "其他组织"),
    "WorkerGroup": Style("#edc948", "劳动者群体"),
    "Program": Style("#b07aa1", "项目活动"),
    "Policy": Style("#9c755f", "政策制度"),
    "Event": Style("#ff9da7", "会议"),
    "Concept": Style("#8c8c8c", "思想理念"),
}

PREDICATE_STYLE: dict[str, Style] = {
    "leads": Style("#c0392b", "领导"),
    "issues": Style("#8d6e63", "发布"),
    "launches": Style("#7b4fa0", "开展"),
    "implements": Style("#2e7d32", "贯彻落实"),
    "targets": Style("#b8860b", "面向"),
    "collaboratesWith": Style("#1f77b4", "协同"),
    "establishes": Style("#00897b", "设立"),
    "partOf": Style("#607d8b", "隶属"),
    "participatesIn": Style("#d81b60", "参与"),
    "convenes": Style("#e65100", "召开"),
    "addresses": Style("#5c6bc0", "致信讲话"),
    "approves": Style("#827717", "批准"),
    "reportsTo": Style("#37474f", "报告"),
}

# A type or predicate outside the schema (a rules bug, or an old graph) still gets drawn.
UNKNOWN = Style("#bbbbbb", "其他")

assert tuple(TYPE_STYLE) == ENTITY_TYPES and tuple(PREDICATE_STYLE) == PREDICATES


def type_style(entity_type: str) -> Style:
    return TYPE_STYLE.get(entity_type, UNKNOWN)


def predicate_style(predicate: str) -> Style:
    return PREDICATE_STYLE.get(predicate, UNKNOWN)


def rgb(color: str) -> tuple[int, int, int]:
    """'#rrggbb' -> (r, g, b), for GEXF's viz:color."""
    value = int(color.lstrip("#"), 16)
    return value >> 16, (value >> 8) & 0xFF, value & 0xFF


def node_size(mentions: int) -> float:
    """Grows with the log of mentions (1 -> 12, 7 -> 20, 100 -> 34.6, capped at 48), so hubs stand
    out without hiding everything else."""
    return round(min(48.0, 8.0 + 4.0 * math.log2(1 + max(int(mentions), 0))), 1)
