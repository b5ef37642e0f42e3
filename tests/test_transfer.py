"""Results sent from workers (and written to the cache) are compact pickles that read back equal."""

from __future__ import annotations

import pickle
from pathlib import Path

from kg.engines import dump_result
from kg.extract import extract
from kg.model import Document
from kg.rules import load_rules

ROOT = Path(__file__).resolve().parent.parent


def test_compact_pickles_read_back_equal_and_smaller() -> None:
    rules = load_rules()
    path = sorted((ROOT / "corpus").glob("*.txt"))[0]
    result = extract(Document(id=path.stem, path=str(path), text=path.read_text(encoding="utf-8")), rules)
    assert result.entities and result.relations
    data = dump_result(result)
    back = pickle.loads(data)  # a plain pickle: no custom unpickler needed
    assert back == result
    assert [sorted(e.aliases) for e in back.entities.values()] == [sorted(e.aliases) for e in result.entities.values()]
    assert len(data) < len(pickle.dumps(result, pickle.HIGHEST_PROTOCOL))
