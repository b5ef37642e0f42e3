"""The `kg` command. Each subcommand lives in its own module and registers itself here.

Errors the user can act on (bad input, bad rules, bad query) are one line on stderr and a
non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from pathlib import Path

from . import __version__
from .model import NODE_EVIDENCE

# Modules that define `register(subparsers)`; each adds one subcommand with set_defaults(func=...).
COMMAND_MODULES = ["kg.cli", "kg.evaluate", "kg.query", "kg.serve", "kg.validate"]
OWN_COMMANDS = frozenset({"build"})  # registered by this module's register()


class UserError(Exception):
    """A problem the user can fix; printed as one line, exit status 2."""


def log(args: argparse.Namespace, msg: str) -> None:
    if not getattr(args, "quiet", False):
        print(msg, file=sys.stderr, flush=True)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("build", help="build the graph of a corpus and write every export")
    p.add_argument("inputs", nargs="+", help="files (.txt .md .jsonl) and folders, in any mix")
    p.add_argument("--out", default="output", help="output folder (default: output/)")
    p.add_argument("--rules", help="rules folder (default: the project's ontology/)")
    p.add_argument("--formats", help="comma-separated subset of: json,ttl,nt,jsonld,html,gexf,graphml")
    p.add_argument("--base-iri", help="base IRI of entity IRIs in the RDF exports (default: kg.export.rdf's)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    p.add_argument("--jobs", "-j", type=_positive_int, default=os.cpu_count() or 1,
                   help="extraction processes (default: the machine's cores, %(default)s)")
    p.add_argument("--engine", choices=["local", "dask"], default="local",
                   help="local: a process pool on this machine (default); dask: a dask.distributed cluster")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="Dask scheduler to use with --engine dask (default: start a LocalCluster of --jobs workers)")
    p.add_argument("--cache-dir", help="per-document cache folder (default: OUT/.kgcache)")
    p.add_argument("--no-cache", action="store_true", help="re-extract every document; read and write no cache")
    p.add_argument("--node-evidence", type=_count, default=NODE_EVIDENCE, metavar="N",
                   help="documents whose first mention a node's evidence lists; 0 lists all "
                        "(default: %(default)s; `docs` always lists every document)")
    p.set_defaults(func=cmd_build)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def cmd_build(args: argparse.Namespace) -> int:
    from .cache import CacheError
    from .engines import EngineError
    from .export import EXPORTERS, export_build
    from .pipeline import run_build
    from .rules import load_rules

    formats = None
    if args.formats:
        formats = [f.strip() for f in args.formats.split(",") if f.strip()]
        unknown = sorted(set(formats) - set(EXPORTERS))
        if unknown:
            raise UserError(f"unknown format(s) {', '.join(unknown)}; choose from {', '.join(EXPORTERS)}")
    for item in args.inputs:
        if not Path(item).exists():
            raise UserError(f"{item}: no such file or folder")
    t0 = time.perf_counter()
    rules = load_rules(args.rules)
    cache_dir = None if args.no_cache else (args.cache_dir or os.path.join(args.out, ".kgcache"))
    try:
        result = run_build(args.inputs, rules=rules, progress=not args.quiet, jobs=args.jobs,
                           engine=args.engine, scheduler=args.scheduler, cache_dir=cache_dir,
                           node_evidence=args.node_evidence, make_graph=False)
    except (EngineError, CacheError) as exc:
        raise UserError(str(exc)) from exc
    for err in result.errors:
        print(f"kg: skipped {err}", file=sys.stderr)
    builder = result.builder
    assert builder is not None
    options = {"base_iri": args.base_iri} if args.base_iri else {}
    written, kept, nodes, edges = export_build(builder, args.out, formats, args.node_evidence,
                                               {"rules_version": rules.version}, result.outputs_path, **options)
    log(args, f"kg: {result.documents} document(s) ({result.extracted} extracted, {result.cached} from cache; "
              f"{result.engine}), {nodes} nodes, {edges} edges in {time.perf_counter() - t0:.1f}s")
    for path in written:
        log(args, f"  wrote {path}")
    for path in kept:
        log(args, f"  kept {path} (up to date)")
    return 1 if result.errors else 0


def make_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command; with `command` one of this module's own ("build"), of it
    alone: the other modules import networkx, rdflib and pyoxigraph (~0.3 s a rebuild need not wait)."""
    parser = argparse.ArgumentParser(prog="kg", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"kg {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in [__name__] if command in OWN_COMMANDS else COMMAND_MODULES:
        try:
            module = sys.modules[__name__] if name == __name__ else importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # that subcommand is not written yet
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = make_parser(argv[0] if argv else None)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from .rules import RulesError

    try:
        return int(args.func(args) or 0)
    except (UserError, RulesError) as exc:
        print(f"kg: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("kg: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `kg eval … | head`: the reader left; that is not an error
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
