"""Segmentation: spaCy's blank Chinese pipeline with the jieba segmenter.

Every lexicon name, alias, pattern suffix and trigger word is added to jieba's dictionary so
that names are not split and chunk boundaries fall where the rules expect. Each Segmenter has
its own `jieba.Tokenizer`, handed to spaCy's tokenizer, so two rule sets in one process do not
leak words into each other; it is built once per process and rules version (`get_segmenter`).
"""

from __future__ import annotations

import logging

from .rules import Rules

# High enough that a lexicon word beats jieba's own splits of the same characters.
_USER_FREQ = 200000


class Segmenter:
    """Tokenises text into (start, end) character spans with spaCy zh + jieba."""

    def __init__(self, rules: Rules) -> None:
        import jieba
        import spacy

        jieba.setLogLevel(logging.WARNING)
        self.jieba = jieba.Tokenizer()
        self.jieba.initialize()
        for word in sorted(rules.dictionary_words):
            if len(word) > 1 and " " not in word:
                self.jieba.add_word(word, freq=_USER_FREQ)
        self.nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
        self.nlp.tokenizer.jieba_seg = self.jieba  # this rule set's dictionary, not the global one

    def tokens(self, text: str) -> list[tuple[int, int]]:
        """Token spans of `text` (whitespace tokens dropped)."""
        doc = self.nlp.make_doc(text)
        return [(t.idx, t.idx + len(t.text)) for t in doc if not t.is_space]


def get_segmenter(rules: Rules) -> Segmenter:
    """One Segmenter per process and rules version (jieba's dictionary is global)."""
    cached = _CACHE.get(rules.version)
    if cached is None:
        cached = _CACHE[rules.version] = Segmenter(rules)
    return cached


_CACHE: dict[str, Segmenter] = {}
