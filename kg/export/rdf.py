"""RDF exports of the graph: `graph.ttl` (Turtle), `graph.nt` (N-Triples), `graph.jsonld`.

The model (documented in docs/rdf.md):

* every relation is a plain triple `id:s kg:p id:o`, so simple queries stay simple
  (`collaboratesWith` is symmetric: both directions are written);
* the same relation is also reified once as an `rdf:Statement` (`stmt:s.p.o`) carrying
  `kg:supportCount` and one `prov:wasDerivedFrom` per supporting sentence;
* a sentence (or mention) is a text span `doc:D#char=start,end` (RFC 5147 fragment): a
  `prov:Entity` with `prov:wasQuotedFrom doc:D`, `kg:sentence`, `kg:startOffset`,
  `kg:endOffset`; documents are `foaf:Document`s with Dublin Core metadata;
* the ontology's axioms (ontology/kg.ttl) are written into every export, so a reasoner or
  Protégé opening one file sees the classes.

Output is deterministic: triples are generated in a fixed, sorted order and blank nodes (only
in the ontology's class unions) get fixed labels. pyoxigraph does the Turtle serialisation
(rdflib is ~30x slower on big graphs); N-Triples are written here as pyoxigraph writes them
(write_many, tested against it), and JSON-LD is written here, compacted with the same prefixes,
one node object per line.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from array import array
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import networkx as nx
import pyoxigraph as ox

from ..atomic import atomic_open
from ..ids import doc_slug
from ..model import SYMMETRIC_PREDICATES
from ..vocab import (
    DCTERMS,
    FOAF,
    KG,
    ONTOLOGY_FILE,
    ONTOLOGY_IRI,
    OWL,
    PROV,
    RDF,
    RDFS,
    SKOS,
    VOID,
    XSD,
    DataIRIs,
    make_compactor,
)
from .flat import EdgeDocs

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal
# A subject and its (predicate, object) pairs, in output order.
Group = tuple[ox.NamedNode | ox.BlankNode, list[tuple[ox.NamedNode, OxTerm]]]
# The same with text terms (_TextTerms): what write_many streams.
TextTerm = tuple[str, Any]
TextGroup = tuple[TextTerm, list[tuple[TextTerm, TextTerm]]]
Term = OxTerm  # the name used before text terms existed

_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003134f]")
_N = ox.NamedNode
_INT_IRI, _STRING_IRI = str(XSD.integer), str(XSD.string)
_INT = _N(_INT_IRI)

# Document metadata key -> property. Anything else in the metadata is not exported.
_DOC_TEXT = {
    "title": DCTERMS.title,
    "source": DCTERMS.source,
    "author": DCTERMS.creator,
    "editor": DCTERMS.contributor,
    "speaker": KG["speaker"],
}

# What pyoxigraph escapes in a quoted literal (checked against it for every code point in tests/test_rdf.py).
_NT_ESCAPED = re.compile("[\x00-\x1f\"\\\\\x7f\ufffe\uffff]")
_NT_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}


def _nt_escape(m: re.Match[str]) -> str:
    c = m.group()
    return _NT_ESCAPES.get(c) or f"\\u{ord(c):04X}"


def nt_quoted(value: str) -> str:
    """`value` as a quoted N-Triples string, byte for byte as pyoxigraph writes it."""
    if _NT_ESCAPED.search(value) is None:
        return f'"{value}"'
    return '"' + _NT_ESCAPED.sub(_nt_escape, value) + '"'


def _ev_key(ev: dict[str, Any]) -> tuple[str, int, int]:
    """Evidence order: document, then offsets."""
    return str(ev["doc"]), int(ev["start"]), int(ev["end"])


class _OxTerms:
    """Terms as pyoxigraph objects (iter_groups: the reference that the text terms are tested against)."""

    def iri(self, value: str) -> ox.NamedNode:
        return _N(value)

    def doc(self, value: str) -> ox.NamedNode:
        return _N(value)

    def span(self, doc: ox.NamedNode, start: int, end: int) -> ox.NamedNode:
        return _N(f"{doc.value}#char={start},{end}")  # = DataIRIs.span(), without re-encoding

    def literal(self, value: str, language: str | None = None, datatype: str | None = None) -> ox.Literal:
        if language:
            return ox.Literal(value, language=language)
        return ox.Literal(value, datatype=_N(datatype)) if datatype else ox.Literal(value)

    def integer(self, n: int) -> ox.Literal:
        return ox.Literal(str(n), datatype=_INT)

    def from_ox(self, term: OxTerm) -> OxTerm:
        return term


class _TextTerms:
    """Terms as (N-Triples text, JSON-LD value) pairs, so that the three files are written without
    a pyoxigraph object per term (those took most of the export's time): an IRI's JSON-LD value is
    its compact form, a literal's what _jsonld_node makes of it. IRIs are still checked by
    pyoxigraph, once per distinct IRI (a bad one raises ValueError as before)."""

    def __init__(self, prefixes: dict[str, str]) -> None:
        self.shorten = make_compactor(prefixes)
        doc_ns = prefixes["doc"]
        # a span's compact IRI is its document's plus the fragment unless another namespace
        # could be a longer match (only one that starts with the documents' namespace could)
        self.spans_follow_docs = [ns for ns in prefixes.values() if ns.startswith(doc_ns)] == [doc_ns]

    def iri(self, value: str) -> TextTerm:
        _N(value)  # validates
        return f"<{value}>", self.shorten(value) or value

    def doc(self, value: str) -> TextTerm:
        _N(f"{value}#char=0,0")  # every span of the document is then valid too
        return self.iri(value)

    def span(self, doc: TextTerm, start: int, end: int) -> TextTerm:
        nt, short = doc
        fragment = f"#char={start},{end}"
        if self.spans_follow_docs and short.startswith("doc:"):
            return f"{nt[:-1]}{fragment}>", short + fragment
        iri = nt[1:-1] + fragment
        return f"<{iri}>", self.shorten(iri) or iri

    def literal(self, value: str, language: str | None = None, datatype: str | None = None) -> TextTerm:
        if language:
            return f"{nt_quoted(value)}@{language}", {"@value": value, "@language": language}
        if datatype and datatype != _STRING_IRI:
            _N(datatype)
            return f"{nt_quoted(value)}^^<{datatype}>", {"@value": value, "@type": self.shorten(datatype) or datatype}
        return nt_quoted(value), value

    def integer(self, n: int) -> TextTerm:
        return f'"{n}"^^<{_INT_IRI}>', n

    def from_ox(self, term: OxTerm) -> TextTerm:
        """A parsed term (the ontology's): its text is pyoxigraph's own."""
        if isinstance(term, ox.NamedNode):
            return str(term), self.shorten(term.value) or term.value
        if isinstance(term, ox.BlankNode):
            return str(term), f"_:{term.value}"
        if term.language:
            return str(term), {"@value": term.value, "@language": term.language}
        if term.datatype == _INT:
            return str(term), int(term.value)
        if term.datatype.value == _STRING_IRI:
            return str(term), term.value
        return str(term), {"@value": term.value, "@type": self.shorten(term.datatype.value) or term.datatype.value}


def _text(terms: Any, value: str, default_lang: str | None) -> Any:
    """Chinese text is tagged @zh; other text gets `default_lang` (or none)."""
    return terms.literal(value, "zh" if _CJK.search(value) else default_lang)


def _date(terms: Any, value: str) -> Any:
    """xsd:date / gYearMonth / gYear when the value is one (also 2021年12月24日), else a string."""
    v = value.strip()
    m = re.fullmatch(r"(\d{4})(?:[-/.年](\d{1,2})(?:[-/.月](\d{1,2})日?)?月?)?年?", v)
    if m:
        y, mo, d = m.groups()
        try:
            if d:
                return terms.literal(_dt.date(int(y), int(mo), int(d)).isoformat(), datatype=str(XSD.date))
            if mo and 1 <= int(mo) <= 12:
                return terms.literal(f"{y}-{int(mo):02d}", datatype=str(XSD.gYearMonth))
            if not mo:
                return terms.literal(y, datatype=str(XSD.gYear))
        except ValueError:
            pass
    return terms.literal(v)


def _url(terms: Any, value: str) -> Any:
    """A URL as an IRI (percent-encoding what an IRI may not contain), else a plain string."""
    iri = quote(value.strip(), safe=":/?#[]@!$&'()*+,;=%~-._")
    try:
        return terms.iri(iri) if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", iri) else terms.literal(value)
    except ValueError:
        return terms.literal(value)


@lru_cache(maxsize=4)
def _ontology_groups(path: str, mtime_ns: int) -> tuple[Group, ...]:
    """The ontology's triples grouped by subject, without its owl:Ontology header.

    Blank nodes (class unions) get labels `o1, o2, …` in file order, so bytes are stable.
    """
    labels: dict[str, ox.BlankNode] = {}

    def fix(t: Any) -> Any:
        if isinstance(t, ox.BlankNode):
            if t.value not in labels:
                labels[t.value] = ox.BlankNode(f"o{len(labels) + 1}")
            return labels[t.value]
        return t

    groups: dict[Any, list[tuple[ox.NamedNode, OxTerm]]] = {}
    for t in ox.parse(path=path, format=ox.RdfFormat.TURTLE):
        if t.subject == _N(ONTOLOGY_IRI):
            continue
        groups.setdefault(fix(t.subject), []).append((t.predicate, fix(t.object)))
    return tuple(groups.items())


def ontology_groups() -> tuple[Group, ...]:
    return _ontology_groups(str(ONTOLOGY_FILE), ONTOLOGY_FILE.stat().st_mtime_ns)


class _Builder:
    """Turns the NetworkX graph into subject groups, in a fixed order, of `terms`' terms."""

    def __init__(self, G: nx.MultiDiGraph, iris: DataIRIs, terms: _OxTerms | _TextTerms,
                 edge_docs: EdgeDocs | None = None) -> None:
        self.G = G
        self.edge_docs = edge_docs
        self.iris = iris
        self.t = t = terms
        self._nodes: dict[str, Any] = {}
        self._docs: dict[str, Any] = {}
        self._slugs: dict[str, str] = {}
        self._ints: dict[int, Any] = {}  # counts and offsets repeat a lot
        self._vocab: dict[str, Any] = {}
        # documents in the evidence keys (_evidence_keys), by number
        self._doc_ids: dict[str, int] = {}
        self._doc_names: list[str] = []
        # (doc, start, end) -> where to read the span's sentence again: (evidence sequence, index) of
        # its first writer (a SpilledEvidence reads it from disk); its triples are made when it is written, last
        self.spans: dict[tuple[str, int, int], tuple[Any, int]] = {}
        self.cited_docs: set[str] = set()
        # vocabulary terms used below, made once
        self.A = t.iri(str(RDF.type))
        self.LABEL, self.ALT = t.iri(str(RDFS.label)), t.iri(str(SKOS.altLabel))
        self.STATEMENT, self.SUBJ, self.PRED, self.OBJ = (t.iri(str(RDF[x]))
                                                          for x in ("Statement", "subject", "predicate", "object"))
        self.DOCUMENT, self.ENTITY = t.iri(str(FOAF.Document)), t.iri(str(PROV.Entity))
        self.DERIVED, self.QUOTED = t.iri(str(PROV.wasDerivedFrom)), t.iri(str(PROV.wasQuotedFrom))
        self.REFERENCED = t.iri(str(DCTERMS.isReferencedBy))
        self.SUPPORT, self.MENTIONS, self.FIRST = (t.iri(KG[x]) for x in ("supportCount", "mentionCount",
                                                                           "firstMention"))
        self.SENTENCE, self.START, self.END = (t.iri(KG[x]) for x in ("sentence", "startOffset", "endOffset"))

    def kg(self, name: str) -> Any:
        """kg: term (class or predicate), made once."""
        term = self._vocab.get(name)
        if term is None:
            term = self._vocab[name] = self.t.iri(str(KG) + name)
        return term

    def integer(self, n: Any) -> Any:
        lit = self._ints.get(n)
        if lit is None:
            lit = self._ints[n] = self.t.integer(int(n))
        return lit

    def slug(self, d: str) -> str:
        s = self._slugs.get(d)
        if s is None:
            s = self._slugs[d] = doc_slug(d)
        return s

    def node(self, n: str) -> Any:
        iri = self._nodes.get(n)
        if iri is None:
            iri = self._nodes[n] = self.t.iri(self.iris.entity(str(n)))
        return iri

    def doc(self, d: str) -> Any:
        iri = self._docs.get(d)
        if iri is None:
            iri = self._docs[d] = self.t.doc(self.iris.document(self.slug(d)))
        return iri

    def _evidence_keys(self, evidence: Any, docs_of: tuple[Any, Any, Any] | None = None) -> array:
        """The evidence items' (doc number, start, end, index) in evidence order, flat; with
        `docs_of` (an edge) and `edge_docs`, also the edge's documents, as flat.edge_docs has them.

        Why: an item of a SpilledEvidence is decoded from disk each time it is read; its key is
        needed twice (the documents cited, written first; its subject's group) and its sentence
        once more (the span, last); an edge's documents are also the GEXF and GraphML copies'
        (kg.export.export_from). Kept as numbers: a few MB for a whole archive."""
        items = []
        docs_are_str = True
        for i, ev in enumerate(evidence):
            d = ev["doc"]
            if not isinstance(d, str):
                d, docs_are_str = str(d), False
            items.append((d, int(ev["start"]), int(ev["end"]), i))
        items.sort()
        if docs_of is not None and self.edge_docs is not None:
            self.edge_docs.add(docs_of, sorted({item[0] for item in items}) if docs_are_str else None)
        keys = array("q")
        for d, start, end, i in items:
            k = self._doc_ids.get(d)
            if k is None:
                k = self._doc_ids[d] = len(self._doc_names)
                self._doc_names.append(d)
                self.cited_docs.add(d)
            keys.extend((k, start, end, i))
        return keys

    def spans_of(self, evidence: Any, keys: array) -> Iterator[Any]:
        """The span terms of `_evidence_keys(evidence)`; each new span remembers where its sentence is."""
        names, spans, span, doc = self._doc_names, self.spans, self.t.span, self.doc
        for j in range(0, len(keys), 4):
            d, start, end = names[keys[j]], keys[j + 1], keys[j + 2]
            key = (d, start, end)
            if key not in spans:
                spans[key] = (evidence, keys[j + 3])
            yield span(doc(d), start, end)

    def span_group(self, key: tuple[str, int, int]) -> tuple[Any, list[tuple[Any, Any]]]:
        d, start, end = key
        evidence, i = self.spans[key]
        doc = self.doc(d)
        return self.t.span(doc, start, end), [
            (self.A, self.ENTITY),
            (self.QUOTED, doc),
            (self.SENTENCE, self.t.literal(str(evidence[i].get("sentence", "")), "zh")),
            (self.START, self.integer(start)),
            (self.END, self.integer(end)),
        ]

    def header(self) -> tuple[Any, list[tuple[Any, Any]]]:
        """The export's own description: an owl:Ontology (for Protégé) and a void:Dataset."""
        t, iris, G = self.t, self.iris, self.G
        po = [
            (self.A, t.iri(str(OWL.Ontology))),
            (self.A, t.iri(str(VOID.Dataset))),
            (self.LABEL, t.literal("kg-labour knowledge graph", "en")),
            (self.LABEL, t.literal("劳动政策知识图谱", "zh")),
            (t.iri(str(DCTERMS.conformsTo)), t.iri(ONTOLOGY_IRI)),
            (t.iri(str(VOID.uriSpace)), t.literal(iris.base)),
            (t.iri(str(VOID.vocabulary)), t.iri(str(KG))),
        ]
        if G.graph.get("rules_version"):
            po.append((self.kg("rulesVersion"), t.literal(str(G.graph["rules_version"]))))
        return t.iri(iris.base), po

    def documents(self) -> list[tuple[Any, list[tuple[Any, Any]]]]:
        t = self.t
        docs: dict[str, dict[str, Any]] = dict(self.G.graph.get("documents") or {})
        for d in self.cited_docs - set(docs):
            docs[d] = {}
        identifier, date, page = t.iri(str(DCTERMS.identifier)), t.iri(str(DCTERMS.date)), t.iri(str(FOAF.page))
        text_props = {key: t.iri(str(prop)) for key, prop in _DOC_TEXT.items()}
        out = []
        for d in sorted(docs, key=lambda d: (self.slug(str(d)), str(d))):
            meta = docs[d] or {}
            po = [(self.A, self.DOCUMENT), (identifier, t.literal(str(d)))]
            for key, prop in text_props.items():
                if meta.get(key):
                    po.append((prop, _text(t, str(meta[key]), None)))
            if meta.get("date"):
                po.append((date, _date(t, str(meta["date"]))))
            if meta.get("url"):
                po.append((page, _url(t, str(meta["url"]))))
            if meta.get("path"):
                po.append((self.kg("path"), t.literal(str(meta["path"]))))
            if meta.get("chars") is not None:
                po.append((self.kg("charCount"), self.integer(meta["chars"])))
            out.append((self.doc(d), po))
        return out

    def groups(self) -> Iterator[tuple[Any, list[tuple[Any, Any]]]]:
        """Every group in output order, made as it is needed: only the spans wait for the end."""
        G, t = self.G, self.t
        yield self.header()
        for s, po in ontology_groups():
            yield t.from_ox(s), [(t.from_ox(p), t.from_ox(o)) for p, o in po]
        # relations: subject -> [(predicate name, object id)], both directions when symmetric
        out_edges: dict[str, set[tuple[str, str]]] = {}
        statements = []
        for s, o, key, data in G.edges(keys=True, data=True):
            p = str(data.get("predicate", key))
            out_edges.setdefault(s, set()).add((p, o))
            if p in SYMMETRIC_PREDICATES:
                out_edges.setdefault(o, set()).add((p, s))
            evidence = data.get("evidence") or ()
            weight = data.get("weight", len(evidence))
            statements.append((str(s), p, str(o), weight, evidence, self._evidence_keys(evidence, (s, o, key))))
        node_keys = {}
        for n, a in G.nodes(data=True):  # documents come first: every one the groups below cite
            self.cited_docs.update(str(d) for d in a.get("docs") or ())
            node_keys[n] = self._evidence_keys(a.get("evidence") or ())
        yield from self.documents()
        for n in sorted(G.nodes, key=str):
            a = G.nodes[n]
            po: list[tuple[Any, Any]] = []
            if a.get("type"):
                po.append((self.A, self.kg(str(a["type"]))))
            if a.get("label"):
                po.append((self.LABEL, t.literal(str(a["label"]), "zh")))
            if a.get("label_en"):
                po.append((self.LABEL, t.literal(str(a["label_en"]), "en")))
            for alias in sorted({str(x) for x in a.get("aliases") or ()} - {str(a.get("label"))}):
                po.append((self.ALT, _text(t, alias, "en")))
            if a.get("mentions") is not None:
                po.append((self.MENTIONS, self.integer(a["mentions"])))
            for d in sorted({str(d) for d in a.get("docs") or ()}, key=lambda d: (self.slug(d), d)):
                po.append((self.REFERENCED, self.doc(d)))
            first = self.FIRST
            po.extend((first, span) for span in self.spans_of(a.get("evidence") or (), node_keys.pop(n)))
            for p, o in sorted(out_edges.pop(n, ())):
                po.append((self.kg(p), self.node(o)))
            yield self.node(n), po
        statements.sort(key=lambda st: st[:3])
        derived = self.DERIVED
        for s, p, o, weight, evidence, keys in statements:
            po = [
                (self.A, self.STATEMENT),
                (self.SUBJ, self.node(s)),
                (self.PRED, self.kg(p)),
                (self.OBJ, self.node(o)),
                (self.SUPPORT, self.integer(weight)),
            ]
            po.extend((derived, span) for span in self.spans_of(evidence, keys))
            yield t.iri(self.iris.statement(s, p, o)), po
        del statements
        for key in sorted(self.spans, key=lambda k: (self.slug(k[0]), k[1], k[2])):
            yield self.span_group(key)


def iter_groups(G: nx.MultiDiGraph, base_iri: str | None = None) -> Iterator[Group]:
    """The export as (subject, [(predicate, object)]) groups, in output order, made one at a time."""
    return _Builder(G, _base_or_user_error(base_iri), _OxTerms()).groups()


def graph_groups(G: nx.MultiDiGraph, base_iri: str | None = None) -> list[Group]:
    """The export as (subject, [(predicate, object)]) groups, in output order."""
    return list(iter_groups(G, base_iri))


def triples(groups: Iterable[Group]) -> Iterator[ox.Triple]:
    for s, po in groups:
        for p, o in po:
            yield ox.Triple(s, p, o)


def graph_triples(G: nx.MultiDiGraph, base_iri: str | None = None) -> list[ox.Triple]:
    """Every triple of the export, in output order."""
    return list(triples(graph_groups(G, base_iri)))


def _base_or_user_error(base_iri: str | None) -> DataIRIs:
    try:
        return DataIRIs(base_iri)
    except ValueError as exc:
        from ..cli import UserError

        raise UserError(str(exc)) from None


def turtle_bytes(G: nx.MultiDiGraph, base_iri: str | None = None) -> bytes:
    groups = iter_groups(G, base_iri)
    data = ox.serialize(triples(groups), format=ox.RdfFormat.TURTLE, prefixes=DataIRIs(base_iri).prefixes())
    return sort_prefix_lines(data)


def sort_prefix_lines(data: bytes) -> bytes:
    """pyoxigraph writes @prefix lines in an order of its own: sort them by name."""
    lines = data.split(b"\n", 64)  # the header is a few lines; leave the rest in one piece
    n = 0
    while n < len(lines) - 1 and lines[n].startswith(b"@prefix "):
        n += 1
    return b"\n".join(sorted(lines[:n]) + lines[n:])


# Written together by write_many: one pass over the groups feeds all three.
RDF_FORMATS = ("ttl", "nt", "jsonld")
_NT_BATCH = 8192  # about how many triples of N-Triples text are written (and parsed for Turtle) at once


def ntriples(s: TextTerm, po: list[tuple[TextTerm, TextTerm]]) -> str:
    """A text group's N-Triples lines."""
    subject = s[0]
    return "".join([f"{subject} {p[0]} {o[0]} .\n" for p, o in po])


def write_many(G: nx.MultiDiGraph, paths: dict[str, str | Path], base_iri: str | None = None,
               edge_docs: EdgeDocs | None = None, **_: Any) -> None:
    """Write the formats of `paths` (graph.ttl, graph.nt, graph.jsonld: keys from RDF_FORMATS) in one
    pass over the groups, each made when it is needed and written to every file before the next.

    Why: the groups of a whole archive take several times the graph's memory, and holding them
    for three writers was a build's peak. The groups are of text terms (_TextTerms): each group's
    N-Triples lines are written as they are (its terms already in pyoxigraph's N-Triples form) and
    its JSON-LD line is made from the terms' JSON-LD values; for Turtle, pyoxigraph parses the
    N-Triples text a batch at a time and its Turtle serialiser pulls the triples (making each
    term a pyoxigraph object in Python was most of the export's time). Each file's bytes are those
    of pyoxigraph (and _jsonld_node) writing iter_groups' terms alone (tested); the groups
    themselves were checked by hand against the writers before this pass (documents cited only by
    evidence, slug collisions).

    edge_docs: filled with each edge's documents (for kg.export.flat's copies), read on the way."""
    unknown = set(paths) - set(RDF_FORMATS)
    if unknown:
        raise ValueError(f"not an RDF format of write_many: {', '.join(sorted(unknown))}")
    iris = _base_or_user_error(base_iri)  # a bad base IRI is an error before any file is opened
    prefixes = iris.prefixes()
    with ExitStack() as stack:
        files = {fmt: stack.enter_context(atomic_open(path, "w+b" if fmt == "ttl" else "wb"))
                 for fmt, path in paths.items()}
        nt = files.get("nt")
        jsonld = _JsonLdWriter(files["jsonld"], prefixes) if "jsonld" in files else None

        def batches() -> Iterator[bytes]:
            """The N-Triples text, a batch of groups at a time (also written as N-Triples and JSON-LD)."""
            lines: list[str] = []
            count = 0
            for s, po in _Builder(G, iris, _TextTerms(prefixes), edge_docs).groups():
                lines.append(ntriples(s, po))
                count += len(po)
                if jsonld is not None:
                    jsonld.add(s, po)
                if count >= _NT_BATCH:
                    yield "".join(lines).encode()
                    lines.clear()
                    count = 0
            if lines:
                yield "".join(lines).encode()

        def written() -> Iterator[bytes]:
            for data in batches():
                if nt is not None:
                    nt.write(data)
                yield data

        if "ttl" in files:
            fh = files["ttl"]
            # lenient: half the parsing time, and nothing to check: every IRI was checked by
            # pyoxigraph when its term was made, every literal escaped as pyoxigraph does
            parsed = (t for data in written() for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES, lenient=True))
            ox.serialize(parsed, fh, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
            _sort_prefix_lines_in_place(fh)
        else:
            for _data in written():
                pass
        if jsonld is not None:
            jsonld.close(G, base_iri)


def _sort_prefix_lines_in_place(fh: Any) -> None:
    """sort_prefix_lines on a written file: sorting whole lines keeps the header's length."""
    fh.flush()
    fh.seek(0)
    head = b""
    while True:  # through the first line that is not a @prefix line (or to the end)
        chunk = fh.read(1 << 16)
        head += chunk
        if not chunk or any(not line.startswith(b"@prefix ") for line in head.split(b"\n")[:-1]):
            break
    fh.seek(0)
    fh.write(sort_prefix_lines(head))


def write_turtle(G: nx.MultiDiGraph, path: str | Path, base_iri: str | None = None, **_: Any) -> None:
    """graph.ttl: Turtle with readable prefixes (kg:, id:, doc:, stmt: and the usual ones)."""
    write_many(G, {"ttl": path}, base_iri)


def write_ntriples(G: nx.MultiDiGraph, path: str | Path, base_iri: str | None = None, **_: Any) -> None:
    """graph.nt: one triple per line, the fastest format to load (kg query/serve use it)."""
    write_many(G, {"nt": path}, base_iri)


# ---------------------------------------------------------------- JSON-LD

def _jsonld_node(s: Any, po: list[tuple[ox.NamedNode, OxTerm]], shorten: Callable[[str], str | None]) -> dict[str, Any]:
    """A group of pyoxigraph terms as one compacted JSON-LD node object (the reference of _jsonld_text_node)."""
    def compact(iri: str) -> str:
        return shorten(iri) or iri

    node: dict[str, Any] = {"@id": f"_:{s.value}" if isinstance(s, ox.BlankNode) else compact(s.value)}
    types = [compact(o.value) for p, o in po if p.value == _TYPE_IRI and isinstance(o, ox.NamedNode)]
    if types:
        node["@type"] = types[0] if len(types) == 1 else types
    props: dict[str, list[Any]] = {}
    for p, o in po:
        if p.value == _TYPE_IRI and isinstance(o, ox.NamedNode):
            continue
        if isinstance(o, ox.NamedNode):
            v: Any = {"@id": compact(o.value)}
        elif isinstance(o, ox.BlankNode):
            v = {"@id": f"_:{o.value}"}
        elif o.language:
            v = {"@value": o.value, "@language": o.language}
        elif o.datatype == _INT:
            v = int(o.value)
        elif o.datatype.value == _STRING_IRI:
            v = o.value
        else:
            v = {"@value": o.value, "@type": compact(o.datatype.value)}
        props.setdefault(compact(p.value), []).append(v)
    for k, vs in props.items():
        node[k] = vs[0] if len(vs) == 1 else vs
    return node


_TYPE_IRI = str(RDF.type)
_TYPE_NT = f"<{_TYPE_IRI}>"


def _jsonld_text_node(s: TextTerm, po: list[tuple[TextTerm, TextTerm]]) -> dict[str, Any]:
    """_jsonld_node of a group of text terms, from their JSON-LD values."""
    node: dict[str, Any] = {"@id": s[1]}
    types = [o[1] for p, o in po if p[0] == _TYPE_NT and o[0][0] == "<"]
    if types:
        node["@type"] = types[0] if len(types) == 1 else types
    props: dict[str, list[Any]] = {}
    for (p, key), (o, value) in po:
        kind = o[0]
        if kind == "<":
            if p == _TYPE_NT:
                continue
            value = {"@id": value}
        elif kind == "_":
            value = {"@id": value}
        values = props.get(key)
        if values is None:
            props[key] = [value]
        else:
            values.append(value)
    for k, vs in props.items():
        node[k] = vs[0] if len(vs) == 1 else vs
    return node


def _json_safe(text: str) -> str:
    """JSON that stays inert inside an HTML <script> block or a JavaScript string."""
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def jsonld_lines(G: nx.MultiDiGraph, base_iri: str | None = None) -> Iterator[str]:
    """Compacted JSON-LD: the @context of prefixes, then one node object per line."""
    groups = graph_groups(G, base_iri)
    prefixes = DataIRIs(base_iri).prefixes()
    shorten = make_compactor(prefixes)
    merged: dict[Any, list[tuple[ox.NamedNode, OxTerm]]] = {}
    for s, po in groups:  # a subject appears once in JSON-LD
        merged.setdefault(s, []).extend(po)
    context = json.dumps({"@context": dict(sorted(prefixes.items()))}, ensure_ascii=False)
    yield context[:-1] + ',\n "@graph": [\n'
    last = len(merged) - 1
    for i, (s, po) in enumerate(merged.items()):
        line = json.dumps(_jsonld_node(s, po, shorten), ensure_ascii=False)
        yield "  " + _json_safe(line) + (",\n" if i < last else "\n")
    yield " ]\n}\n"


def write_jsonld(G: nx.MultiDiGraph, path: str | Path, base_iri: str | None = None, **_: Any) -> None:
    """graph.jsonld: JSON-LD 1.1, compacted with the Turtle prefixes (parsed by rdflib and pyoxigraph)."""
    write_many(G, {"jsonld": path}, base_iri)


class _JsonLdWriter:
    """jsonld_lines, a group (of text terms) at a time. JSON-LD gives a subject one node object, so
    jsonld_lines merges groups by subject; the groups' subjects are distinct in practice (documents,
    entities, statements and spans live in different namespaces), so each line is written as its
    group comes, and if a subject does come twice the file is rewritten by jsonld_lines itself."""

    def __init__(self, fh: Any, prefixes: dict[str, str]) -> None:
        self.fh = fh
        self.seen: set[int] = set()  # subjects' hashes: a collision only costs the rewrite
        self.pending = ""
        self.count = 0
        self.repeated = False
        self.encode = json.JSONEncoder(ensure_ascii=False).encode
        context = json.dumps({"@context": dict(sorted(prefixes.items()))}, ensure_ascii=False)
        fh.write((context[:-1] + ',\n "@graph": [\n').encode())

    def add(self, s: TextTerm, po: list[tuple[TextTerm, TextTerm]]) -> None:
        if self.repeated:
            return
        h = hash(s[0])
        if h in self.seen:
            self.repeated = True
            return
        self.seen.add(h)
        if self.count:
            self.fh.write((self.pending + ",\n").encode())
        self.count += 1
        self.pending = "  " + _json_safe(self.encode(_jsonld_text_node(s, po)))

    def close(self, G: nx.MultiDiGraph, base_iri: str | None) -> None:
        if self.repeated:
            self.fh.seek(0)
            self.fh.truncate()
            for line in jsonld_lines(G, base_iri):
                self.fh.write(line.encode())
        else:
            self.fh.write(((self.pending + "\n" if self.count else "") + " ]\n}\n").encode())
