"""`kg query`: SPARQL over a build's RDF on an embedded Oxigraph store (pyoxigraph).

The first query against a build loads its graph.nt into an on-disk Oxigraph store under
`<build>/.kg-store/`; later queries (and `kg serve`) open that store read-only, so querying a
big graph does not pay for parsing it every time. The store is keyed on the RDF file's size,
mtime and inode (a new build replaces the file atomically), and stale stores are removed.

Prefixes kg:, id:, doc:, stmt:, rdf:, rdfs:, owl:, xsd:, skos:, dcterms:, prov:, foaf:, void:
are predeclared; a PREFIX in the query wins.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import sys
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .cli import UserError
from .vocab import DEFAULT_BASE_IRI, QUERIES_DIR, VOID, DataIRIs, make_compactor, standard_prefixes

RDF_FILES = (("graph.nt", ox.RdfFormat.N_TRIPLES), ("graph.ttl", ox.RdfFormat.TURTLE),
             ("graph.jsonld", ox.RdfFormat.JSON_LD))
STORE_DIR = ".kg-store"
FORMATS = ("table", "csv", "tsv", "json", "ttl", "nt")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("query", help="run a SPARQL query against a build's RDF (embedded Oxigraph)",
                       description="Run a SPARQL 1.1 query against the RDF of a build. "
                                   "Prefixes kg: id: doc: stmt: rdfs: skos: dcterms: prov: … are predeclared.")
    p.add_argument("query", help="a .rq file, a query string, '-' for stdin, or the name of an example "
                                 "in queries/ (e.g. acftu-partners)")
    p.add_argument("--build", "-b", default="output", help="build folder (default: output/)")
    p.add_argument("--format", "-f", choices=FORMATS, default="table",
                   help="SELECT/ASK: table (Markdown-style, default), csv, tsv, json (SPARQL results "
                        "formats); CONSTRUCT/DESCRIBE: table or ttl (Turtle), nt, json (JSON-LD)")
    p.add_argument("--max-width", type=int, default=60, metavar="N",
                   help="truncate table cells to N columns (0: never; default 60)")
    p.add_argument("--no-cache", action="store_true", help="load the RDF into memory instead of using .kg-store/")
    p.set_defaults(func=cmd_query)


# ---------------------------------------------------------------- the store

def rdf_source(build: str | Path) -> tuple[Path, ox.RdfFormat]:
    """The build's RDF file to load, preferring N-Triples (the fastest to parse)."""
    folder = Path(build)
    if not folder.is_dir():
        raise UserError(f"{folder}: no such build folder (run `kg build CORPUS --out {folder}`)")
    for name, fmt in RDF_FILES:
        path = folder / name
        if path.is_file():
            return path, fmt
    raise UserError(f"{folder}: no graph.nt, graph.ttl or graph.jsonld (run `kg build CORPUS --out {folder}`)")


def _store_key(src: Path) -> str:
    st = src.stat()
    raw = f"{src.name}:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}:{ox.__version__}"
    return hashlib.sha1(raw.encode()).hexdigest()[:16]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _prune(root: Path, keep: str) -> None:
    """Remove stores of older builds and temporary folders left by dead processes."""
    for child in root.iterdir():
        if child.name == keep:
            continue
        m = re.fullmatch(r"tmp-(\d+)-\w+", child.name)
        if m and _pid_alive(int(m.group(1))):
            continue
        shutil.rmtree(child, ignore_errors=True)


def fallback_store_root(build: str | Path) -> Path:
    """Where stores go when the build folder is not writable: one folder per build, in the temp dir."""
    digest = hashlib.sha1(str(Path(build).resolve()).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"kg-store-{digest}"


def _load(store: ox.Store, src: Path, fmt: ox.RdfFormat) -> None:
    try:
        store.bulk_load(path=str(src), format=fmt)
    except (SyntaxError, ValueError) as exc:
        raise UserError(f"{src}: cannot load: {_first_line(str(exc))}") from None


def ensure_store(build: str | Path) -> Path:
    """Path of an on-disk Oxigraph store holding the build's RDF; created on first use.

    Built in a temporary folder and renamed into place, so a reader never opens a half-loaded
    store. Falls back to the system temp folder when the build folder is read-only.
    """
    src, fmt = rdf_source(build)
    key = _store_key(src)
    for root in (Path(build) / STORE_DIR, fallback_store_root(build)):
        if (root / key).is_dir():
            return root / key
    try:
        root = Path(build) / STORE_DIR
        root.mkdir(exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f"tmp-{os.getpid()}-", dir=root))
    except OSError:
        root = fallback_store_root(build)
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f"tmp-{os.getpid()}-", dir=root))
    target = root / key
    try:
        store = ox.Store(str(tmp))
        _load(store, src, fmt)
        store.flush()
        del store  # closes the database before the folder moves
        try:
            os.rename(tmp, target)
        except OSError:  # another process got there first
            if not target.is_dir():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _prune(root, key)
    return target


def open_store(build: str | Path, *, cache: bool = True) -> ox.Store:
    """A store with the build's RDF: the cached on-disk one (read-only), or a fresh in-memory one."""
    if cache:
        return ox.Store.read_only(str(ensure_store(build)))
    store = ox.Store()
    _load(store, *rdf_source(build))
    return store


def build_prefixes(store: ox.Store) -> dict[str, str]:
    """Standard prefixes plus id:/doc:/stmt: of the base IRI the build was made with."""
    base = DEFAULT_BASE_IRI
    for row in store.query(f"SELECT ?b WHERE {{ ?d <{VOID.uriSpace}> ?b }} LIMIT 1"):
        base = row["b"].value
    try:
        return DataIRIs(base).prefixes()
    except ValueError:
        return standard_prefixes()


# ---------------------------------------------------------------- running a query

def read_query(arg: str) -> str:
    """The query text: from stdin (`-`), a file, an example name in queries/, or the argument."""
    if arg == "-":
        return sys.stdin.read()
    path = Path(arg)
    try:
        is_file = "\n" not in arg and path.is_file()
    except (OSError, ValueError):  # a long query string is not a file name
        is_file = False
    if is_file:
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"{arg}: cannot read: {exc}") from None
    if re.fullmatch(r"[\w.-]+", arg):
        example = QUERIES_DIR / (arg if arg.endswith(".rq") else f"{arg}.rq")
        if example.is_file():
            return example.read_text(encoding="utf-8")
        if arg.endswith(".rq"):
            raise UserError(f"{arg}: no such file")
        raise UserError(f"{arg!r} is not a query, a file or an example in queries/")
    return arg


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


def syntax_error_message(exc: SyntaxError, query: str) -> str:
    """One line: where the query is wrong and what was expected there (Oxigraph's list, shortened)."""
    msg = " ".join(str(exc).split())
    m = re.match(r"error at (\d+):(\d+): (.*)", msg)
    if not m:
        return f"query syntax error: {msg[:200]}"
    line, col, detail = int(m.group(1)), int(m.group(2)), m.group(3)
    lines = query.splitlines() or [""]
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    if detail.startswith("expected one of "):
        items = re.findall(r'"(?:[^"\\]|\\.)*"|\[[^\]]*\]|[^,]+', detail[len("expected one of "):])
        items = [i.strip() for i in items if i.strip()]
        words = [i for i in items if " " in i and not i.startswith(("[", '"'))]
        tokens = [i for i in items if not i.startswith("[") and i not in words]
        if "Prefix not found" in words:
            name = re.search(r"([A-Za-z][\w.-]*)?:[\w.-]*\s*$", text[: max(col - 1, 0)])
            prefix = f"{name.group(1) or ''}:" if name else "a prefix"
            return (f"query syntax error at line {line}, column {col}: unknown prefix {prefix} "
                    f"(declare it with PREFIX; predeclared: {', '.join(standard_prefixes())}, id, doc, stmt)")
        parts = []
        if words:
            parts.append("; ".join(words))
        if tokens:
            shown = ", ".join(tokens[:8]) + (", …" if len(tokens) > 8 else "")
            parts.append(f"expected one of {shown}")
        detail = "; ".join(parts) or "unexpected input"
    elif re.fullmatch(r"expected \[.*\]", detail):
        detail = "unexpected input"
    near = text[max(col - 1, 0):][:20].strip()
    if near:
        where = f"line {line}, column {col} (near {near!r})"
    elif line >= len(lines):
        where = f"line {line}, column {col} (end of query)"
    else:
        where = f"line {line}, column {col}"
    return f"query syntax error at {where}: {detail}"


def run_query(store: ox.Store, query: str, prefixes: dict[str, str] | None = None) -> Any:
    """Execute; a syntax or evaluation error becomes a one-line UserError."""
    try:
        return store.query(query, prefixes=prefixes if prefixes is not None else build_prefixes(store))
    except SyntaxError as exc:
        raise UserError(syntax_error_message(exc, query)) from None
    except (ValueError, OSError, TypeError) as exc:
        raise UserError(f"query failed: {_first_line(str(exc))}") from None


# ---------------------------------------------------------------- output

def term_text(term: Any, shorten: Callable[[str], str | None]) -> str:
    """A readable cell: prefixed IRIs, bare literal values."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return shorten(term.value) or f"<{term.value}>"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _fit(text: str, max_width: int) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    if max_width <= 0 or display_width(text) <= max_width:
        return text
    out, width = [], 0
    for ch in text:
        w = display_width(ch)
        if width + w > max_width - 1:
            break
        out.append(ch)
        width += w
    return "".join(out) + "…"


def format_table(header: list[str], rows: list[list[str]], max_width: int = 60) -> str:
    """A Markdown pipe table, padded by display width so it also lines up in a terminal."""
    cells = [[_fit(c, max_width) for c in row] for row in [header, *rows]]
    widths = [max(3, *(display_width(r[i]) for r in cells)) for i in range(len(header))]

    def line(row: list[str]) -> str:
        return "| " + " | ".join(c + " " * (w - display_width(c)) for c, w in zip(row, widths, strict=True)) + " |"

    out = [line(cells[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out.extend(line(r) for r in cells[1:])
    return "\n".join(out) + "\n"


def solutions_table(solutions: Any, prefixes: dict[str, str], max_width: int = 60) -> tuple[str, int]:
    names = [v.value for v in solutions.variables]
    shorten = make_compactor(prefixes)
    rows = [[term_text(sol[n], shorten) for n in names] for sol in solutions]
    return format_table(names, rows, max_width), len(rows)


_RESULT_FORMATS = {"csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV,
                   "json": ox.QueryResultsFormat.JSON}


def _with_newline(data: bytes) -> bytes:
    return data if data.endswith(b"\n") else data + b"\n"


def render(result: Any, fmt: str, prefixes: dict[str, str], max_width: int = 60) -> tuple[bytes, str]:
    """Bytes for stdout, and a note for stderr."""
    if isinstance(result, ox.QuerySolutions):
        if fmt in _RESULT_FORMATS:
            return _with_newline(result.serialize(format=_RESULT_FORMATS[fmt])), ""
        if fmt != "table":
            raise UserError(f"--format {fmt} is for CONSTRUCT/DESCRIBE; SELECT results: table, csv, tsv, json")
        text, n = solutions_table(result, prefixes, max_width)
        return text.encode(), f"({n} row{'s' if n != 1 else ''})"
    if isinstance(result, ox.QueryBoolean):
        if fmt in _RESULT_FORMATS:
            return _with_newline(result.serialize(format=_RESULT_FORMATS[fmt])), ""
        return (b"true\n" if bool(result) else b"false\n"), ""
    # CONSTRUCT / DESCRIBE
    if fmt in ("table", "ttl"):
        from .export.rdf import sort_prefix_lines

        return sort_prefix_lines(ox.serialize(result, format=ox.RdfFormat.TURTLE, prefixes=prefixes)), ""
    if fmt == "nt":
        return ox.serialize(result, format=ox.RdfFormat.N_TRIPLES), ""
    if fmt == "json":
        return _with_newline(ox.serialize(result, format=ox.RdfFormat.JSON_LD)), ""
    raise UserError(f"--format {fmt} is for SELECT/ASK; CONSTRUCT/DESCRIBE results: table (Turtle), ttl, nt, "
                    "json (JSON-LD)")


def cmd_query(args: argparse.Namespace) -> int:
    text = read_query(args.query)
    store = open_store(args.build, cache=not args.no_cache)
    prefixes = build_prefixes(store)
    result = run_query(store, text, prefixes)
    try:  # results are lazy: evaluation errors surface while rendering
        out, note = render(result, args.format, prefixes, args.max_width)
    except (OSError, ValueError, TypeError) as exc:
        raise UserError(f"query failed: {_first_line(str(exc))}") from None
    sys.stdout.buffer.write(out)
    sys.stdout.flush()
    if note:
        print(note, file=sys.stderr)
    return 0
