"""The RDF vocabulary of the graph: namespaces, IRI rules and the ontology files.

Two kinds of IRIs, kept apart on purpose:

* the vocabulary (`kg:Union`, `kg:collaboratesWith`) lives in a fixed namespace, so a query
  written today works against every build, whatever base IRI the build used;
* data IRIs (entities, documents, statements, text spans) hang off a configurable base IRI
  (`kg build --base-iri`), and depend only on the ids of the graph, so the same entity gets
  the same IRI in every build.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from rdflib import Namespace
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SH, SKOS, VOID, XSD

ONTOLOGY_DIR = Path(__file__).resolve().parent.parent / "ontology"
ONTOLOGY_FILE = ONTOLOGY_DIR / "kg.ttl"
SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"
QUERIES_DIR = Path(__file__).resolve().parent.parent / "queries"

# The ontology's own IRI and its term namespace (fixed: not affected by --base-iri).
ONTOLOGY_IRI = "https://w3id.org/kg-labour/ontology"
KG = Namespace(ONTOLOGY_IRI + "#")
# Default base of data IRIs; `kg build --base-iri` replaces it.
DEFAULT_BASE_IRI = "https://w3id.org/kg-labour/"

__all__ = [
    "DCTERMS", "DEFAULT_BASE_IRI", "FOAF", "KG", "ONTOLOGY_IRI", "OWL", "PROV", "RDF", "RDFS",
    "SH", "SKOS", "VOID", "XSD", "DataIRIs", "iri_segment", "make_compactor", "normalise_base",
    "standard_prefixes",
]

_IRI_BAD = re.compile(r"[\x00-\x20<>\"{}|^`\\]")


def normalise_base(base_iri: str | None) -> str:
    """The base IRI to use, ending in `/` or `#` so that prefixes and JSON-LD terms work.

    Raises ValueError for something that is not an absolute ASCII IRI: IRIs must stay ASCII.
    """
    base = (base_iri or DEFAULT_BASE_IRI).strip()
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", base) or not base.isascii() or _IRI_BAD.search(base):
        raise ValueError(f"base IRI {base_iri!r} is not an absolute ASCII IRI (e.g. {DEFAULT_BASE_IRI})")
    if not base.endswith(("/", "#")):
        base += "/"
    return base


_SAFE_SEGMENT = re.compile(r"[A-Za-z0-9._~-]+")


def iri_segment(value: str) -> str:
    """One ASCII path segment: ids are already ASCII; anything else is percent-encoded (UTF-8)."""
    return value if _SAFE_SEGMENT.fullmatch(value) else quote(value, safe="-_~")


def _stmt_segment(node_id: str) -> str:
    seg = iri_segment(node_id)
    return seg.replace(".", "%2E") if "." in seg else seg


class DataIRIs:
    """IRI factory for one build's data, given its base IRI."""

    def __init__(self, base_iri: str | None = None) -> None:
        self.base = normalise_base(base_iri)
        self.entity_ns = self.base + "id/"
        self.doc_ns = self.base + "doc/"
        self.stmt_ns = self.base + "stmt/"

    def entity(self, node_id: str) -> str:
        return self.entity_ns + iri_segment(node_id)

    def document(self, doc_slug: str) -> str:
        return self.doc_ns + iri_segment(doc_slug)

    def span(self, doc_slug: str, start: int, end: int) -> str:
        """A character range of a document, as an RFC 5147 fragment (`#char=start,end`)."""
        return f"{self.document(doc_slug)}#char={int(start)},{int(end)}"

    def statement(self, s: str, predicate: str, o: str) -> str:
        """The reified statement of one relation; `.` cannot occur inside the encoded ids."""
        return f"{self.stmt_ns}{_stmt_segment(s)}.{predicate}.{_stmt_segment(o)}"

    def prefixes(self) -> dict[str, str]:
        return {**standard_prefixes(), "id": self.entity_ns, "doc": self.doc_ns, "stmt": self.stmt_ns}


def make_compactor(prefixes: dict[str, str]) -> Callable[[str], str | None]:
    """`iri -> "prefix:local"` (longest namespace wins), or None when no prefix fits; memoised.

    One rule for every place that shortens IRIs: JSON-LD, `kg query` tables, `kg validate`.
    """
    ordered = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))
    cache: dict[str, str | None] = {}

    def compact(iri: str) -> str | None:
        if iri in cache:
            return cache[iri]
        c = None
        for name, ns in ordered:
            if iri.startswith(ns) and len(iri) > len(ns) and not iri[len(ns):].startswith("//"):
                c = f"{name}:{iri[len(ns):]}"
                break
        if len(cache) < 1_000_000:
            cache[iri] = c
        return c

    return compact


def standard_prefixes() -> dict[str, str]:
    """Prefixes every export declares and every `kg query` may use without declaring them."""
    return {
        "kg": str(KG),
        "rdf": str(RDF),
        "rdfs": str(RDFS),
        "owl": str(OWL),
        "xsd": str(XSD),
        "skos": str(SKOS),
        "dcterms": str(DCTERMS),
        "prov": str(PROV),
        "foaf": str(FOAF),
        "void": str(VOID),
    }
