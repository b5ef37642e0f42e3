"""Per-document extraction: Document + Rules -> DocResult (pure; safe to run in any process).

PLACEHOLDER: lexicon look-up only; the full engine (segmentation, patterns, relations,
implied subjects) replaces the body of `extract` without changing its signature.
"""

from __future__ import annotations

import re

from .model import Document, DocResult, EntityInfo
from .rules import Rules

_SENT = re.compile(r"[^。！？；\n]+[。！？；]?")


def extract(doc: Document, rules: Rules) -> DocResult:
    sentences = [(m.start(), m.end()) for m in _SENT.finditer(doc.text) if m.group().strip()]
    entities: dict[str, EntityInfo] = {}
    index = rules.surface_index
    for si, (a, b) in enumerate(sentences):
        text = doc.text[a:b]
        for form, entry in index.items():
            pos = text.find(form)
            while pos >= 0:
                info = entities.setdefault(entry.name, EntityInfo(type=entry.type, label_en=entry.label_en,
                                                                  lexicon_id=entry.id,
                                                                  first=(si, a + pos, a + pos + len(form))))
                info.mentions += 1
                if form != entry.name:
                    info.aliases.add(form)
                pos = text.find(form, pos + len(form))
    return DocResult(doc_id=doc.id, path=doc.path, meta=dict(doc.meta), chars=len(doc.text),
                     sentences=sentences, sentence_texts=[doc.text[a:b] for a, b in sentences],
                     entities=entities, relations=[])
