"""Lists (A、B、C): how the items of a coordination get their names and types.

- a bare modifier takes the last item's head (区域性、行业性工会联合会 → two unions);
- short unknown words among personal names are names too (丁薛祥、尤权、…);
- short parallel phrases under one head are one name (党史、新中国史…宣传教育);
- items listed before 等 and a typed category take its type (…等直接联系群众制度).
`ListRules` is mixed into `kg.entities.EntityFinder`.
"""

from __future__ import annotations

from .chunks import CJK
from .spans import Chunk, Span, clean_name


class ListRules:
    """List methods of EntityFinder (tables are set by EntityFinder.__init__)."""

    def _etc_lists(self, text: str, chunks: list[Chunk]) -> None:
        """A、B、C等 HEAD: untyped items listed before 等 and a typed category take its type
        (机关干部基层联系点、定期接待群众来访等直接联系群众制度)."""
        for i in range(len(chunks) - 1):
            cat = chunks[i + 1]
            between = text[chunks[i].end : cat.start]
            if between not in ("等", "等各类", "等系列") or cat.main is None or cat.main.end != cat.end:
                continue
            typ = cat.main.type
            if typ in self.actor_types or cat.main.name.endswith(self.etc_generic):
                continue
            items = [c for c in chunks[: i + 1] if c.list_id == chunks[i].list_id]
            for c in items:
                if c.main is not None and c.main.start == c.start and c.main.end == c.end:
                    continue
                name = clean_name(c.text)
                if 4 <= len(name) <= 16:
                    c.main = Span(c.start, c.end, name, typ, "suffix", c.text)
                    c.spans.insert(0, c.main)

    def _shared_heads(self, text: str, chunks: list[Chunk]) -> None:
        """Lists (A、B、C): a bare modifier takes the last item's head (区域性、行业性工会联合会);
        a short unknown word among names is a name too (丁薛祥、尤权、…); parallel phrases
        under one head are one name (技术工人培养、使用、评价、考核机制)."""
        if len({ch.list_id for ch in chunks}) == len(chunks):
            return  # no list in the sentence (most sentences)
        by_list: dict[int, list[Chunk]] = {}
        for ch in chunks:
            by_list.setdefault(ch.list_id, []).append(ch)
        for items in by_list.values():
            if len(items) < 2:
                continue
            persons = [c for c in items if c.main is not None and c.main.type == "Person"]
            if len(persons) >= 2:
                for c in items:
                    if c.main is None and 2 <= len(c.text) <= 3 and all(CJK.match(x) for x in c.text):
                        c.main = Span(c.start, c.end, c.text, "Person", "person", c.text)
                        c.spans.insert(0, c.main)
                continue
            if self._merge_list(text, items):
                continue
            last = items[-1]
            if last.main is None or last.main.source not in ("suffix", "lexicon"):
                continue
            head = self._head_of(last, items[0])
            if not head:
                continue
            modifier = clean_name(last.text)[: -len(head)] if clean_name(last.text).endswith(head) else ""
            lexical_head = head in self.index
            if (
                not modifier
                or not (lexical_head and len(modifier) <= 5)
                and not all(clean_name(c.text)[-1:] == modifier[-1:] for c in items[:-1] if c.main is None)
            ):
                continue
            for ch in items[:-1]:
                if ch.main is not None or not 2 <= len(ch.text) <= 6 or not CJK.search(ch.text):
                    continue
                name = clean_name(ch.text) + head
                sp = Span(ch.start, ch.end, name, last.main.type, "shared", ch.text, ())
                ch.main = sp
                ch.spans = [sp] + ch.spans

    def _merge_list(self, text: str, items: list[Chunk]) -> bool:
        """Short untyped phrases listed before a typed non-actor name share it: one name."""
        last = items[-1]
        if last.main is None or last.main.type in self.actor_types or last.main.source not in ("suffix", "lexicon"):
            return False
        head = items[:-1]
        if any(c.main is not None or len(c.text) > 6 or not CJK.search(c.text) for c in head):
            return False
        if clean_name(head[0].text)[-1:] in self.shared_markers:
            return False  # 区域性、行业性…: modifiers of one head, distributed instead
        if last.main.start != last.start:
            return False
        start = head[0].start
        raw = text[start : last.main.end]
        if "和" in raw or "及" in raw:
            return False
        name = clean_name(raw)
        merged = Span(start, last.main.end, name, last.main.type, "suffix", raw)
        for c in head:
            c.main = None
        last.main = merged
        last.start = start
        last.text = text[start : last.end]
        last.spans.insert(0, merged)
        return True

    def _head_of(self, ch: Chunk, first: Chunk) -> str:
        """The head the list shares: a lexicon name ending the last item, else what follows
        the modifier's shape (…性), else the bare type suffix."""
        surface = clean_name(ch.text)
        for sp in sorted(ch.spans, key=lambda s: s.start):
            if sp is not ch.main and sp.end == ch.end and sp.source == "lexicon" and len(sp.surface) < len(surface):
                return sp.surface
        marker = clean_name(first.text)[-1:]
        if marker in self.shared_markers and marker in surface[:-1]:
            return surface[surface.index(marker) + 1 :]
        for suf, _ in self._suffixes_by_last.get(surface[-1:], ()):  # rules.suffixes, by last character
            if surface.endswith(suf) and len(surface) > len(suf):
                return suf
        return ""
