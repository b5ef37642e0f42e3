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
in the ontology's class unions) get fixed labels. pyoxigraph does the Turtle and N-Triples
serialisation (rdflib is ~30x slower on big graphs); JSON-LD is written here, compacted with
the same prefixes, one node object per line.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
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

Term = ox.NamedNode | ox.BlankNode | ox.Literal
# A subject and its (predicate, object) pairs, in output order.
Group = tuple[ox.NamedNode | ox.BlankNode, list[tuple[ox.NamedNode, Term]]]

_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003134f]")
_INT = ox.NamedNode(str(XSD.integer))
_N = ox.NamedNode

# Vocabulary terms used below, made once.
A = _N(str(RDF.type))
LABEL, ALT = _N(str(RDFS.label)), _N(str(SKOS.altLabel))
STATEMENT, SUBJ, PRED, OBJ = (_N(str(RDF[x])) for x in ("Statement", "subject", "predicate", "object"))
DOCUMENT, ENTITY = _N(str(FOAF.Document)), _N(str(PROV.Entity))
DERIVED, QUOTED = _N(str(PROV.wasDerivedFrom)), _N(str(PROV.wasQuotedFrom))
REFERENCED = _N(str(DCTERMS.isReferencedBy))
SUPPORT, MENTIONS, FIRST = _N(KG["supportCount"]), _N(KG["mentionCount"]), _N(KG["firstMention"])
SENTENCE, START, END = _N(KG["sentence"]), _N(KG["startOffset"]), _N(KG["endOffset"])

# Document metadata key -> property. Anything else in the metadata is not exported.
_DOC_TEXT = {
    "title": DCTERMS.title,
    "source": DCTERMS.source,
    "author": DCTERMS.creator,
    "editor": DCTERMS.contributor,
    "speaker": KG["speaker"],
}


def _ev_key(ev: dict[str, Any]) -> tuple[str, int, int]:
    """Evidence order: document, then offsets."""
    return str(ev["doc"]), int(ev["start"]), int(ev["end"])


@lru_cache(maxsize=256)
def _kg(name: str) -> ox.NamedNode:
    """kg: term (class or predicate) as a NamedNode, made once."""
    return _N(str(KG) + name)


def _text(value: str, default_lang: str | None) -> ox.Literal:
    """Chinese text is tagged @zh; other text gets `default_lang` (or none)."""
    lang = "zh" if _CJK.search(value) else default_lang
    return ox.Literal(value, language=lang) if lang else ox.Literal(value)


def _date(value: str) -> ox.Literal:
    """xsd:date / gYearMonth / gYear when the value is one (also 2021年12月24日), else a string."""
    v = value.strip()
    m = re.fullmatch(r"(\d{4})(?:[-/.年](\d{1,2})(?:[-/.月](\d{1,2})日?)?月?)?年?", v)
    if m:
        y, mo, d = m.groups()
        try:
            if d:
                return ox.Literal(_dt.date(int(y), int(mo), int(d)).isoformat(), datatype=_N(str(XSD.date)))
            if mo and 1 <= int(mo) <= 12:
                return ox.Literal(f"{y}-{int(mo):02d}", datatype=_N(str(XSD.gYearMonth)))
            if not mo:
                return ox.Literal(y, datatype=_N(str(XSD.gYear)))
        except ValueError:
            pass
    return ox.Literal(v)


def _url(value: str) -> ox.NamedNode | ox.Literal:
    """A URL as an IRI (percent-encoding what an IRI may not contain), else a plain string."""
    iri = quote(value.strip(), safe=":/?#[]@!$&'()*+,;=%~-._")
    try:
        return _N(iri) if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", iri) else ox.Literal(value)
    except ValueError:
        return ox.Literal(value)


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

    groups: dict[Any, list[tuple[ox.NamedNode, Term]]] = {}
    for t in ox.parse(path=path, format=ox.RdfFormat.TURTLE):
        if t.subject == _N(ONTOLOGY_IRI):
            continue
        groups.setdefault(fix(t.subject), []).append((t.predicate, fix(t.object)))
    return tuple(groups.items())


def ontology_groups() -> tuple[Group, ...]:
    return _ontology_groups(str(ONTOLOGY_FILE), ONTOLOGY_FILE.stat().st_mtime_ns)


def _header(iris: DataIRIs, G: nx.MultiDiGraph) -> Group:
    """The export's own description: an owl:Ontology (for Protégé) and a void:Dataset."""
    po: list[tuple[ox.NamedNode, Term]] = [
        (A, _N(str(OWL.Ontology))),
        (A, _N(str(VOID.Dataset))),
        (LABEL, ox.Literal("kg-labour knowledge graph", language="en")),
        (LABEL, ox.Literal("劳动政策知识图谱", language="zh")),
        (_N(str(DCTERMS.conformsTo)), _N(ONTOLOGY_IRI)),
        (_N(str(VOID.uriSpace)), ox.Literal(iris.base)),
        (_N(str(VOID.vocabulary)), _N(str(KG))),
    ]
    if G.graph.get("rules_version"):
        po.append((_N(KG["rulesVersion"]), ox.Literal(str(G.graph["rules_version"]))))
    return _N(iris.base), po


class _Builder:
    """Turns the NetworkX graph into subject groups, in a fixed order."""

    def __init__(self, G: nx.MultiDiGraph, iris: DataIRIs) -> None:
        self.G = G
        self.iris = iris
        self._nodes: dict[str, ox.NamedNode] = {}
        self._docs: dict[str, ox.NamedNode] = {}
        self._slugs: dict[str, str] = {}
        self._ints: dict[int, ox.Literal] = {}  # counts and offsets repeat a lot
        # (doc, start, end) -> the span's sentence (the first writer of a span wins), or where to read
        # it again (kg.graph.EvidenceItem.source); its triples are made when it is written, last
        self.spans: dict[tuple[str, int, int], Any] = {}
        self.cited_docs: set[str] = set()

    def integer(self, n: Any) -> ox.Literal:
        lit = self._ints.get(n)
        if lit is None:
            lit = self._ints[n] = ox.Literal(str(int(n)), datatype=_INT)
        return lit

    def slug(self, d: str) -> str:
        s = self._slugs.get(d)
        if s is None:
            s = self._slugs[d] = doc_slug(d)
        return s

    def node(self, n: str) -> ox.NamedNode:
        iri = self._nodes.get(n)
        if iri is None:
            iri = self._nodes[n] = _N(self.iris.entity(str(n)))
        return iri

    def doc(self, d: str) -> ox.NamedNode:
        iri = self._docs.get(d)
        if iri is None:
            iri = self._docs[d] = _N(self.iris.document(self.slug(d)))
        return iri

    def span(self, ev: dict[str, Any]) -> ox.NamedNode:
        key = _ev_key(ev)
        if key not in self.spans:
            source = getattr(ev, "source", None)  # evidence kept on disk: keep where, not the text
            self.spans[key] = source if source is not None else str(ev.get("sentence", ""))
        d, start, end = key
        return _N(f"{self.doc(d).value}#char={start},{end}")  # = DataIRIs.span(), without re-encoding

    def span_group(self, key: tuple[str, int, int]) -> Group:
        d, start, end = key
        sentence = self.spans[key]
        if not isinstance(sentence, str):
            evidence, i = sentence
            sentence = str(evidence[i].get("sentence", ""))
        return _N(f"{self.doc(d).value}#char={start},{end}"), [
            (A, ENTITY),
            (QUOTED, self.doc(d)),
            (SENTENCE, ox.Literal(sentence, language="zh")),
            (START, self.integer(start)),
            (END, self.integer(end)),
        ]

    def documents(self) -> list[Group]:
        docs: dict[str, dict[str, Any]] = dict(self.G.graph.get("documents") or {})
        for d in self.cited_docs - set(docs):
            docs[d] = {}
        out = []
        for d in sorted(docs, key=lambda d: (self.slug(str(d)), str(d))):
            meta = docs[d] or {}
            po: list[tuple[ox.NamedNode, Term]] = [
                (A, DOCUMENT),
                (_N(str(DCTERMS.identifier)), ox.Literal(str(d))),
            ]
            for key, prop in _DOC_TEXT.items():
                if meta.get(key):
                    po.append((_N(str(prop)), _text(str(meta[key]), None)))
            if meta.get("date"):
                po.append((_N(str(DCTERMS.date)), _date(str(meta["date"]))))
            if meta.get("url"):
                po.append((_N(str(FOAF.page)), _url(str(meta["url"]))))
            if meta.get("path"):
                po.append((_N(KG["path"]), ox.Literal(str(meta["path"]))))
            if meta.get("chars") is not None:
                po.append((_N(KG["charCount"]), self.integer(meta["chars"])))
            out.append((self.doc(d), po))
        return out

    def groups(self) -> Iterator[Group]:
        """Every group in output order, made as it is needed: only the spans wait for the end."""
        G = self.G
        yield _header(self.iris, G)
        yield from ontology_groups()
        # relations: subject -> [(predicate name, object id)], both directions when symmetric
        out_edges: dict[str, set[tuple[str, str]]] = {}
        statements = []
        for s, o, key, data in G.edges(keys=True, data=True):
            p = str(data.get("predicate", key))
            out_edges.setdefault(s, set()).add((p, o))
            if p in SYMMETRIC_PREDICATES:
                out_edges.setdefault(o, set()).add((p, s))
            statements.append((str(s), p, str(o), data))
            self.cited_docs.update(str(ev["doc"]) for ev in data.get("evidence") or ())
        for _, a in G.nodes(data=True):  # documents come first: every one the groups below cite
            self.cited_docs.update(str(d) for d in a.get("docs") or ())
            self.cited_docs.update(str(ev["doc"]) for ev in a.get("evidence") or ())
        yield from self.documents()
        for n in sorted(G.nodes, key=str):
            a = G.nodes[n]
            po: list[tuple[ox.NamedNode, Term]] = []
            if a.get("type"):
                po.append((A, _kg(str(a["type"]))))
            if a.get("label"):
                po.append((LABEL, ox.Literal(str(a["label"]), language="zh")))
            if a.get("label_en"):
                po.append((LABEL, ox.Literal(str(a["label_en"]), language="en")))
            for alias in sorted({str(x) for x in a.get("aliases") or ()} - {str(a.get("label"))}):
                po.append((ALT, _text(alias, "en")))
            if a.get("mentions") is not None:
                po.append((MENTIONS, self.integer(a["mentions"])))
            for d in sorted({str(d) for d in a.get("docs") or ()}, key=lambda d: (self.slug(d), d)):
                po.append((REFERENCED, self.doc(d)))
            evidence = sorted(a.get("evidence") or (), key=_ev_key)
            for ev in evidence:
                po.append((FIRST, self.span(ev)))
            for p, o in sorted(out_edges.pop(n, ())):
                po.append((_kg(p), self.node(o)))
            yield self.node(n), po
        statements.sort(key=lambda t: t[:3])
        for s, p, o, data in statements:
            evidence = sorted(data.get("evidence") or (), key=_ev_key)
            po = [
                (A, STATEMENT),
                (SUBJ, self.node(s)),
                (PRED, _kg(p)),
                (OBJ, self.node(o)),
                (SUPPORT, self.integer(data.get("weight", len(evidence)))),
            ]
            po.extend((DERIVED, self.span(ev)) for ev in evidence)
            yield _N(self.iris.statement(s, p, o)), po
        del statements
        for key in sorted(self.spans, key=lambda k: (self.slug(k[0]), k[1], k[2])):
            yield self.span_group(key)


def iter_groups(G: nx.MultiDiGraph, base_iri: str | None = None) -> Iterator[Group]:
    """The export as (subject, [(predicate, object)]) groups, in output order, made one at a time."""
    return _Builder(G, _base_or_user_error(base_iri)).groups()


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
_NT_BATCH = 4096  # triples per pyoxigraph call for N-Triples


def write_many(G: nx.MultiDiGraph, paths: dict[str, str | Path], base_iri: str | None = None, **_: Any) -> None:
    """Write the formats of `paths` (graph.ttl, graph.nt, graph.jsonld: keys from RDF_FORMATS) in one
    pass over the groups, each made when it is needed and written to every file before the next.

    Why: the groups of a whole archive take several times the graph's memory, and holding them
    for three writers was a build's peak. pyoxigraph's Turtle serialiser pulls the groups; each
    one pulled is also written as N-Triples (by pyoxigraph, in batches: N-Triples has no header,
    so the pieces make the whole) and as a JSON-LD line. Each file's bytes are those of writing
    that format alone from the same groups (tested); the groups themselves were checked by hand
    against the writers before this pass (documents cited only by evidence, slug collisions)."""
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
        batch: list[ox.Triple] = []

        def pulled() -> Iterator[Group]:
            for s, po in iter_groups(G, base_iri):
                if nt is not None:
                    batch.extend(ox.Triple(s, p, o) for p, o in po)
                    if len(batch) >= _NT_BATCH:
                        nt.write(ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES))
                        batch.clear()
                if jsonld is not None:
                    jsonld.add(s, po)
                yield s, po

        if "ttl" in files:
            fh = files["ttl"]
            ox.serialize(triples(pulled()), fh, format=ox.RdfFormat.TURTLE, prefixes=prefixes)
            _sort_prefix_lines_in_place(fh)
        else:
            for _group in pulled():
                pass
        if nt is not None and batch:
            nt.write(ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES))
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

def _jsonld_node(s: Any, po: list[tuple[ox.NamedNode, Term]], shorten: Callable[[str], str | None]) -> dict[str, Any]:
    def compact(iri: str) -> str:
        return shorten(iri) or iri

    node: dict[str, Any] = {"@id": f"_:{s.value}" if isinstance(s, ox.BlankNode) else compact(s.value)}
    types = [compact(o.value) for p, o in po if p == A and isinstance(o, ox.NamedNode)]
    if types:
        node["@type"] = types[0] if len(types) == 1 else types
    props: dict[str, list[Any]] = {}
    for p, o in po:
        if p == A and isinstance(o, ox.NamedNode):
            continue
        if isinstance(o, ox.NamedNode):
            v: Any = {"@id": compact(o.value)}
        elif isinstance(o, ox.BlankNode):
            v = {"@id": f"_:{o.value}"}
        elif o.language:
            v = {"@value": o.value, "@language": o.language}
        elif o.datatype == _INT:
            v = int(o.value)
        elif o.datatype.value == str(XSD.string):
            v = o.value
        else:
            v = {"@value": o.value, "@type": compact(o.datatype.value)}
        props.setdefault(compact(p.value), []).append(v)
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
    merged: dict[Any, list[tuple[ox.NamedNode, Term]]] = {}
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
    """jsonld_lines, a group at a time. JSON-LD gives a subject one node object, so jsonld_lines
    merges groups by subject; the groups' subjects are distinct in practice (documents, entities,
    statements and spans live in different namespaces), so each line is written as its group
    comes, and if a subject does come twice the file is rewritten by jsonld_lines itself."""

    MEMO = 10_000  # groups per compactor: its memo of every IRI it shortened would grow with the graph

    def __init__(self, fh: Any, prefixes: dict[str, str]) -> None:
        self.fh = fh
        self.prefixes = prefixes
        self.seen: set[int] = set()  # subjects' hashes: a collision only costs the rewrite
        self.pending = ""
        self.count = 0
        self.repeated = False
        self.shorten = make_compactor(prefixes)
        context = json.dumps({"@context": dict(sorted(prefixes.items()))}, ensure_ascii=False)
        fh.write((context[:-1] + ',\n "@graph": [\n').encode())

    def add(self, s: Any, po: list[tuple[ox.NamedNode, Term]]) -> None:
        if self.repeated:
            return
        h = hash(s)
        if h in self.seen:
            self.repeated = True
            return
        self.seen.add(h)
        if self.count and self.count % self.MEMO == 0:
            self.shorten = make_compactor(self.prefixes)
        if self.count:
            self.fh.write((self.pending + ",\n").encode())
        self.count += 1
        self.pending = "  " + _json_safe(json.dumps(_jsonld_node(s, po, self.shorten), ensure_ascii=False))

    def close(self, G: nx.MultiDiGraph, base_iri: str | None) -> None:
        if self.repeated:
            self.fh.seek(0)
            self.fh.truncate()
            for line in jsonld_lines(G, base_iri):
                self.fh.write(line.encode())
        else:
            self.fh.write(((self.pending + "\n" if self.count else "") + " ]\n}\n").encode())
