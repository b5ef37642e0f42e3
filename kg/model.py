"""Plain data passed between the pipeline stages.

Everything here is picklable and free of library objects, so a per-document result can be
sent to another process, cached on disk, or shipped to a Dask worker unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ENTITY_TYPES: tuple[str, ...] = (
    "Person",
    "PartyBody",
    "StateBody",
    "Union",
    "Organization",
    "WorkerGroup",
    "Program",
    "Policy",
    "Event",
    "Concept",
)

PREDICATES: tuple[str, ...] = (
    "leads",
    "issues",
    "launches",
    "implements",
    "targets",
    "collaboratesWith",
    "establishes",
    "partOf",
    "participatesIn",
    "convenes",
    "addresses",
    "approves",
    "reportsTo",
)

SYMMETRIC_PREDICATES: frozenset[str] = frozenset({"collaboratesWith"})

# Documents whose first mention of an entity its node's evidence lists (0: all; see kg.graph).
NODE_EVIDENCE = 20

# Metadata keys a document may carry (front matter, bylines, SOURCES.jsonl, .jsonl fields).
META_KEYS: tuple[str, ...] = ("title", "date", "source", "author", "speaker", "editor", "url")


@dataclass
class Document:
    """One text as loaded: `text` is what every character offset in the graph points into."""

    id: str  # file stem; for a .jsonl archive "stem:LINE" unless the line has an `id`
    path: str  # the file it came from (as given on the command line, joined)
    text: str  # decoded text with YAML front matter removed; bylines stay in (see meta_spans)
    meta: dict[str, str] = field(default_factory=dict)
    # (start, end, key) spans of `text` that are metadata (原标题：…, 来源：…, 责任编辑：…), not content
    meta_spans: list[tuple[int, int, str]] = field(default_factory=list)
    encoding: str = "utf-8"


@dataclass(frozen=True)
class LoadError:
    """A file that could not be read; the build reports it and goes on with the others."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class Mention:
    """An entity mention resolved to its canonical name."""

    name: str  # canonical label
    type: str
    surface: str  # the text as written
    start: int  # offsets into Document.text
    end: int
    sentence: int  # index into DocResult.sentences


@dataclass
class Relation:
    """A typed relation between two canonical names, with the sentence that supports it."""

    s: str
    p: str
    o: str
    sentence: int  # index into DocResult.sentences


@dataclass
class EntityInfo:
    """What one document says about one canonical entity."""

    type: str
    aliases: set[str] = field(default_factory=set)
    label_en: str = ""
    lexicon_id: str = ""
    mentions: int = 0
    first: tuple[int, int, int] = (0, 0, 0)  # (sentence index, start, end) of the first mention


@dataclass
class DocResult:
    """Everything extracted from one document: the unit that is cached and merged."""

    doc_id: str
    path: str
    meta: dict[str, str]
    chars: int
    sentences: list[tuple[int, int]]  # (start, end) offsets into the document text
    sentence_texts: list[str]
    entities: dict[str, EntityInfo]
    relations: list[Relation]
