"""`kg validate`: check a build's RDF against ontology/shapes.ttl with pyshacl.

Prints a short report grouped by problem (how many nodes, a few examples) instead of
pyshacl's one-block-per-result text, and exits 1 when there is a violation. Warnings (an
atypical subject or object type for a relation) are listed but do not fail the check.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cli import UserError
from .vocab import RDFS, SH, SHAPES_FILE, VOID, DataIRIs, make_compactor

SHAPES_NS = "https://w3id.org/kg-labour/shapes#"
_FORMATS = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld", ".json": "json-ld", ".rdf": "xml", ".owl": "xml"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check a build's RDF against the SHACL shapes (pyshacl)",
                       description="Validate the RDF of a build against ontology/shapes.ttl. "
                                   "Exit status 0: conforms (warnings allowed); 1: violations.")
    p.add_argument("--build", "-b", default="output", help="build folder (default: output/)")
    p.add_argument("--data", help="an RDF file (.ttl .nt .jsonld) to check instead of the build's graph.nt")
    p.add_argument("--shapes", default=str(SHAPES_FILE), help="SHACL shapes file (default: ontology/shapes.ttl)")
    p.add_argument("--examples", type=int, default=3, metavar="N", help="example nodes shown per problem (default 3)")
    p.set_defaults(func=cmd_validate)


@dataclass
class Problem:
    """Results of one constraint, grouped."""

    severity: str
    message: str
    path: str
    # (focus node, its own message when it differs from `message`), one per result
    results: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Report:
    conforms: bool
    triples: int
    violations: list[Problem]
    warnings: list[Problem]

    def text(self, source: str, shapes: str, examples: int = 3) -> str:
        nv = sum(len(p.results) for p in self.violations)
        nw = sum(len(p.results) for p in self.warnings)
        head = (f"{source}: conforms to {shapes}" if self.conforms else
                f"{source}: does not conform to {shapes}")
        lines = [f"{head} ({self.triples} triples; {nv} violation{'s' * (nv != 1)}, "
                 f"{nw} warning{'s' * (nw != 1)})"]
        for label, problems in (("violation", self.violations), ("warning", self.warnings)):
            for p in problems:
                where = f" [{p.path}]" if p.path else ""
                lines.append(f"  {label} x{len(p.results)}: {p.message}{where}")
                for focus, detail in p.results[:examples]:
                    lines.append("      " + ": ".join(x for x in (focus, detail) if x))
                if len(p.results) > examples:
                    lines.append(f"      … and {len(p.results) - examples} more")
        return "\n".join(lines) + "\n"


def load_data(path: Path) -> Any:
    import rdflib

    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UserError(f"{path}: unknown RDF format (use .ttl, .nt or .jsonld)")
    g = rdflib.Graph()
    try:
        g.parse(path, format=fmt)
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except Exception as exc:  # rdflib raises many types for bad input
        text = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise UserError(f"{path}: cannot parse: {text}") from None
    return g


def validate_graph(data: Any, shapes_path: str | Path = SHAPES_FILE) -> Report:
    """Run pyshacl (no inference: exports carry everything) and group the results."""
    import pyshacl
    import rdflib

    shapes = rdflib.Graph()
    try:
        shapes.parse(str(shapes_path), format="turtle")
    except FileNotFoundError:
        raise UserError(f"{shapes_path}: no such file") from None
    conforms, results, text = pyshacl.validate(data, shacl_graph=shapes, inference="none",
                                               allow_warnings=True, advanced=False)
    if not isinstance(results, rdflib.Graph):  # the shapes themselves are broken
        raise UserError(f"{shapes_path}: {' '.join(str(text).split())[:300]}")
    base = next((str(o) for o in data.objects(None, VOID.uriSpace)), None)
    try:
        shorten = make_compactor(DataIRIs(base).prefixes())
    except ValueError:
        shorten = make_compactor(DataIRIs().prefixes())

    def short(term: Any) -> str:
        if term is None:
            return ""
        if isinstance(term, rdflib.URIRef):
            return shorten(str(term)) or f"<{term}>"
        if isinstance(term, rdflib.BNode):
            return "(path)"
        return str(term)

    def shorten_iris(text: str) -> str:
        return re.sub(r"https?://[^\s<>\"{}|^`]+", lambda m: short(rdflib.URIRef(m.group(0))), text)

    groups: dict[tuple[str, ...], Problem] = {}
    seen: set[tuple[str, ...]] = set()
    rows = results.query(
        """SELECT ?sev ?focus ?path ?msg ?shape ?constraint ?value WHERE {
             ?r a sh:ValidationResult ; sh:resultSeverity ?sev ; sh:focusNode ?focus ; sh:sourceShape ?shape .
             OPTIONAL { ?r sh:resultPath ?path } OPTIONAL { ?r sh:resultMessage ?msg }
             OPTIONAL { ?r sh:sourceConstraint ?constraint } OPTIONAL { ?r sh:value ?value } }""",
        initNs={"sh": SH},
    )
    for sev, focus, path, msg, shape, constraint, value in sorted(rows, key=lambda r: [str(x) for x in r]):
        sev_name = "warning" if sev in (SH.Warning, SH.Info) else "violation"
        message = shorten_iris(str(msg)) if msg else "does not conform"
        # whole-graph checks have a fixed focus node in the shapes' namespace: show the culprit
        whole_graph = str(focus).startswith(SHAPES_NS)
        f = "" if whole_graph else short(focus)
        if whole_graph and value is not None and short(value) not in message:
            message = f"{short(value)}: {message}"
        if (sev_name, f, message, str(path)) in seen:  # shapes reached through two targets
            continue
        seen.add((sev_name, f, message, str(path)))
        # one group per shape (and SPARQL constraint): a message may quote the offending values
        key = (sev_name, str(shape), str(constraint or ""), str(path or ""))
        prob = groups.get(key)
        if prob is None:
            # a SPARQL constraint whose messages quote values is headed by its label
            label = shapes.value(constraint, RDFS.label) if constraint is not None else None
            header = str(label) if label is not None else message
            prob = groups[key] = Problem(sev_name, header, short(path))
        prob.results.append((f, "" if message == prob.message else message))
    problems = sorted(groups.values(), key=lambda p: (-len(p.results), p.message))
    return Report(bool(conforms), len(data), [p for p in problems if p.severity == "violation"],
                  [p for p in problems if p.severity == "warning"])


def data_file(args: argparse.Namespace) -> Path:
    if args.data:
        return Path(args.data)
    from .query import rdf_source

    return rdf_source(args.build)[0]


def cmd_validate(args: argparse.Namespace) -> int:
    path = data_file(args)
    report = validate_graph(load_data(path), args.shapes)
    shapes = Path(args.shapes)
    shown = shapes.name if shapes.resolve() == SHAPES_FILE.resolve() else str(shapes)
    sys.stdout.write(report.text(str(path), shown, args.examples))
    return 0 if report.conforms else 1

