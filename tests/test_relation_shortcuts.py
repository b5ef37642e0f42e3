"""The relation finder's shortcuts give what the plain computation gives.

`RelationFinder.from_names` does not look for names inside a name that can neither target,
be part of, nor join (与/同) what it names; here every name is looked into instead, and the
relations of the bundled corpus and of sentences made for these rules must come out the same.
"""

from __future__ import annotations

from pathlib import Path

import kg.relations
from kg.extract import extract
from kg.model import Document
from kg.rules import load_rules

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
EXTRA = (
    "建立政府与工会联席会议制度，健全政府同工会联席会议制度。全国总工会机关和全国总工会农民工入会集中行动。"
    "中国工会第十七次全国代表大会在北京召开，中央军委主席习近平出席。"
)


def _relations(docs: list[Document]) -> list:
    rules = load_rules()
    return [[(r.s, r.p, r.o, r.sentence) for r in extract(doc, rules).relations] for doc in docs]


def test_from_names_match_every_name_looked_into(monkeypatch) -> None:
    docs = [Document(p.stem, str(p), p.read_text(encoding="utf-8")) for p in sorted(CORPUS.glob("*.txt"))]
    docs.append(Document("extra", "extra.txt", EXTRA))
    got = _relations(docs)
    assert any(p in ("collaboratesWith", "targets", "partOf") for rels in got for _, p, _, _ in rels)
    # every type counts as one whose inner names are looked into: nothing is skipped
    monkeypatch.setattr(kg.relations, "_NAMED_AFTER", _Everything())
    assert _relations(docs) == got


class _Everything(frozenset):
    def __contains__(self, item: object) -> bool:
        return True
