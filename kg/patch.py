"""Patching graph.json: where each node's and edge's JSON sits in a written file (Index), and
copying the unchanged ones from the previous file into the next (Previous, Out).

Why: a rebuild after editing one document of a large archive changes a few nodes and edges of a
graph.json of 150 MB; encoding it all again took seconds. kg.graph's GraphBuilder notes what its
documents' changes touched and writes those; the rest is copied from the file the same merge
wrote, only if that file is untouched since (its stamp) and was written with the same options.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .atomic import file_stamp, keep_pickle, kept_pickle


class Out:
    """graph.json being written: knows where each item lands, and copies runs of items that sit
    one after the other in the previous file (", " apart) with one write."""

    def __init__(self, fh: Any, before: Previous | None) -> None:
        self.fh = fh
        self.before = before
        self.at = 0  # bytes written, counting the pending run
        self.run: list[int] | None = None  # [start, end] in the previous file, not written yet

    def write(self, data: bytes) -> None:
        self.flush()
        self.fh.write(data)
        self.at += len(data)

    def item(self, data: bytes, sep: bool) -> tuple[int, int]:
        """Write one encoded item (after ", " unless first); its (offset, length)."""
        if sep:
            self.write(b", ")
        start = self.at
        self.write(data)
        return start, len(data)

    def copy(self, span: tuple[int, int], sep: bool) -> tuple[int, int]:
        """Copy the previous file's item at `span`; its (offset, length) in this one."""
        start, length = span
        if self.run is not None and sep and self.run[1] + 2 == start:
            self.run[1] = start + length
            self.at += 2
        else:
            if sep:
                self.write(b", ")
            else:
                self.flush()
            self.run = [start, start + length]
        new = (self.at, length)
        self.at += length
        return new

    def flush(self) -> None:
        if self.run is not None:
            assert self.before is not None
            start, end = self.run
            while start < end:  # a megabyte at a time: a run can be most of the file
                data = self.before.read((start, min(end - start, 1 << 20)))
                if not data:
                    raise OSError("the previous graph.json is shorter than its index says")
                self.fh.write(data)
                start += len(data)
            self.run = None


Spans = dict[str, tuple[int, int]]  # node name -> (offset, length) of its JSON in graph.json
EdgeSpans = dict[tuple[str, str, str], tuple[int, int]]


class Index:
    """Where each node's and edge's JSON sits in a graph.json (offset, length), and which builder
    state and options wrote it: what lets the next build copy what did not change."""

    def __init__(self, token: str, target: Path, node_evidence: int) -> None:
        self.token = token
        self.path = os.path.abspath(target)
        self.node_evidence = node_evidence
        self.stamp: tuple[int, int, int, int] | None = None
        self.nodes: Spans = {}
        self.edges: EdgeSpans = {}

    def save(self, where: str) -> None:
        """Stamp the file just written and keep the index; failing to only costs the next build time."""
        self.stamp = file_stamp(self.path)
        if self.stamp is not None:
            keep_pickle(where, self)


class Previous:
    """The graph.json the builder's state last wrote, with its index: bytes of nodes and edges that
    no document added or taken out since touched are copied from it, not encoded again."""

    def __init__(self, index: Index, fh: Any) -> None:
        self.index = index
        self.fh = fh

    @classmethod
    def open(cls, index_path: str, token: str, target: Path, node_evidence: int) -> Previous | None:
        """None unless the index at `index_path` is that of `target` as the graph named `token`
        wrote it (same options, file not touched since)."""
        index = kept_pickle(index_path)
        if not (isinstance(index, Index) and index.token == token
                and index.path == os.path.abspath(target) and index.node_evidence == node_evidence):
            return None  # absent, unreadable, from other code or another graph: write it all
        try:
            fh = open(target, "rb")
        except OSError:
            return None
        if index.stamp is None or file_stamp(fh.fileno()) != index.stamp:
            fh.close()
            return None
        return cls(index, fh)

    def unchanged(self, names: set[str], keys: set[tuple[str, str, str]], old_ids: dict[str, str],
                  ids: dict[str, str]) -> tuple[Spans, EdgeSpans]:
        """Spans of the nodes and edges whose JSON is what it was: not among the touched `names`
        and `keys`, and (edges) between nodes whose ids did not change from `old_ids` (a node
        that came or went changes which edges are drawn)."""
        moved = {name for name in names if old_ids.get(name) != ids.get(name)}
        nodes = {name: span for name, span in self.index.nodes.items() if name not in names}
        edges = {key: span for key, span in self.index.edges.items()
                 if key not in keys and key[0] not in moved and key[2] not in moved}
        return nodes, edges

    def read(self, span: tuple[int, int]) -> bytes:
        return os.pread(self.fh.fileno(), span[1], span[0])

    def close(self) -> None:
        self.fh.close()
