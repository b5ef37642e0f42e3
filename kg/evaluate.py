"""`kg eval`: score a graph against hand-made gold graphs, by the rules of the schema.

The figures agree exactly with the project's reference scorer (shared/tools/kgscore.py):
names match after removing 《》“” quotes and white space, label or alias against gold name or
alias; each gold item matches at most one output item (a maximum bipartite matching), so
duplicates cost precision; `collaboratesWith` matches either way round. When every node lists
its documents, each gold file is scored against the nodes whose `docs` and the edges whose
`evidence` cite its document, and the counts are summed over documents (micro-average);
otherwise all gold files are pooled and scored against the whole graph.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from .cli import UserError, log
from .model import SYMMETRIC_PREDICATES

_QUOTES_AND_SPACE = re.compile(r"[《》〈〉“”\"'‘’「」『』\s]")
METRICS = ("entities_untyped", "entities_typed", "relations_untyped", "relations_typed")
LENIENT_SHARE = 0.6  # --lenient: the shorter name is at least this share of the longer


def normalise_name(name: Any) -> str:
    """A name as the scorer compares it: 《工会法》 and “工会法” are 工会法."""
    return _QUOTES_AND_SPACE.sub("", str(name))


def doc_key(value: Any) -> str:
    """'corpus/x.txt', 'x.txt' and 'x' all name document 'x' (a gold file's `doc`, a node's `docs`)."""
    base = str(value).replace("\\", "/").rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[0] if "." in base else base


# --------------------------------------------------------------------------- the graph as scored


@dataclass
class OutNode:
    label: str
    type: str | None
    names: set[str]  # normalised label and aliases


@dataclass
class GraphPart:
    """The nodes and distinct (source, predicate, target) edges that one document supports."""

    nodes: dict[Any, OutNode]
    edges: list[tuple[Any, str | None, Any]]


def _read_json(path: str | Path, unreadable: str, invalid: str) -> Any:
    """A JSON file, or a one-line UserError naming it."""
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except OSError as exc:
        raise UserError(f"{path}: {unreadable} ({exc.strerror})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: {invalid} ({exc})") from None


def graph_data(graph: nx.Graph | dict[str, Any] | str | Path) -> dict[str, Any]:
    """Node-link data of a NetworkX graph, of a graph.json file, or the data itself."""
    if isinstance(graph, nx.Graph):
        from .export.nodelink import to_data

        return to_data(graph)
    if isinstance(graph, (str, Path)):
        graph = _read_json(graph, "cannot read graph", "not a graph.json")
    if not isinstance(graph, dict) or not isinstance(graph.get("nodes"), list):
        raise UserError("not NetworkX node-link data: no \"nodes\" list")
    return graph


def _edge_docs(edge: dict[str, Any]) -> set[str]:
    evidence = edge.get("evidence") or []
    if isinstance(evidence, dict):
        evidence = [evidence]
    docs = {doc_key(ev["doc"]) for ev in evidence if isinstance(ev, dict) and ev.get("doc")}
    if edge.get("doc"):
        docs.add(doc_key(edge["doc"]))
    return docs


def graph_part(data: dict[str, Any], doc: str | None = None) -> GraphPart:
    """The whole graph, or (with `doc`) the nodes and edges that cite that document."""
    nodes = {}
    for n in data["nodes"]:
        if doc is not None and doc not in {doc_key(d) for d in n.get("docs") or []}:
            continue
        label = n.get("label", n["id"])
        names = {normalise_name(label)} | {normalise_name(a) for a in n.get("aliases") or []}
        nodes[n["id"]] = OutNode(label, n.get("type"), names - {""})
    edges = {
        (e["source"], e.get("predicate"), e["target"])
        for e in data.get("edges", data.get("links", []))
        if doc is None or doc in _edge_docs(e)
    }
    return GraphPart(nodes, sorted(edges, key=str))


def has_provenance(data: dict[str, Any]) -> bool:
    """Every node lists its documents: the graph can be scored document by document."""
    return bool(data["nodes"]) and all(n.get("docs") for n in data["nodes"])


# --------------------------------------------------------------------------- gold


@dataclass
class GoldEntity:
    type: str
    names: set[str]  # normalised name and aliases


@dataclass
class Gold:
    doc: str  # document key, or "" for pooled gold
    entities: dict[str, GoldEntity] = field(default_factory=dict)  # canonical name -> entity
    relations: set[tuple[str, str, str]] = field(default_factory=set)

    def add(self, data: dict[str, Any]) -> None:
        """Merge one gold file: entities by canonical name (first type wins), relations by triple."""
        for ent in data["entities"]:
            slot = self.entities.setdefault(ent["name"], GoldEntity(ent["type"], set()))
            slot.names |= {normalise_name(ent["name"])} | {normalise_name(a) for a in ent.get("aliases") or []}
        for rel in data["relations"]:
            self.relations.add((rel["s"], rel["p"], rel["o"]))


def read_gold(path: str | Path) -> dict[str, Any]:
    """One gold file, checked enough that scoring cannot fail half-way."""
    data = _read_json(path, "cannot read gold file", "gold file is not valid JSON")
    if not isinstance(data, dict) or not data.get("doc"):
        raise UserError(f"{path}: gold file has no \"doc\"")
    for key, fields in (("entities", ("name", "type")), ("relations", ("s", "p", "o"))):
        items = data.get(key)
        if not isinstance(items, list):
            raise UserError(f"{path}: gold file has no \"{key}\" list")
        for i, item in enumerate(items, start=1):
            if not isinstance(item, dict) or not all(isinstance(item.get(f), str) for f in fields):
                raise UserError(f"{path}: {key} item {i} needs {', '.join(fields)}")
    return data


def gold_files(gold: str | Path) -> list[Path]:
    """A gold folder's *.json files in sorted order, or a single gold file."""
    path = Path(gold)
    if path.is_dir():
        files = sorted(path.glob("*.json"))
        if not files:
            raise UserError(f"{gold}: no gold files (*.json) in this folder")
        return files
    if path.is_file():
        return [path]
    raise UserError(f"{gold}: no such gold folder or file")


# --------------------------------------------------------------------------- scoring


def max_matching(candidates: Sequence[Iterable[Any]]) -> dict[int, Any]:
    """gold index -> output item, a maximum matching of gold items to their candidate outputs."""
    B = nx.Graph()
    gold_nodes = [("gold", i) for i in range(len(candidates))]
    B.add_nodes_from(gold_nodes)
    for i, outs in enumerate(candidates):
        B.add_edges_from((("gold", i), ("out", o)) for o in sorted(outs, key=str))
    matching = nx.bipartite.hopcroft_karp_matching(B, top_nodes=gold_nodes)
    return {g[1]: matching[g][1] for g in gold_nodes if g in matching}


def prf(tp: int, n_pred: int, n_gold: int) -> dict[str, Any]:
    """Precision, recall and F1 rounded as the reference scorer rounds them, with the counts."""
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": round(p, 4), "r": round(r, 4), "f1": round(f, 4), "tp": tp, "pred": n_pred, "gold": n_gold}


def _lenient_hits(gold_names: set[str], nodes: dict[Any, OutNode]) -> set[Any]:
    """Nodes with a name that contains, or is contained in, a gold name of similar length."""
    hits = set()
    for nid, node in nodes.items():
        for a in node.names:
            for b in gold_names:
                short, long_ = sorted((a, b), key=len)
                if short and short in long_ and len(short) >= LENIENT_SHARE * len(long_):
                    hits.add(nid)
    return hits


def score_part(part: GraphPart, gold: Gold, lenient: bool = False) -> dict[str, Any]:
    """The four figures for one gold graph against one graph part, and what was missed."""
    by_name: dict[str, set[Any]] = {}
    for nid, node in part.nodes.items():
        for name in node.names:
            by_name.setdefault(name, set()).add(nid)

    ent_names = sorted(gold.entities)
    resolve: dict[str, set[Any]] = {}
    for name in ent_names:
        gold_names = gold.entities[name].names
        resolve[name] = set().union(*(by_name.get(n, set()) for n in gold_names))
        if lenient:
            resolve[name] |= _lenient_hits(gold_names, part.nodes)
    ent_untyped = max_matching([resolve[n] for n in ent_names])
    ent_typed = max_matching(
        [{i for i in resolve[n] if part.nodes[i].type == gold.entities[n].type} for n in ent_names]
    )

    rel_keys = sorted(gold.relations)
    any_edge, same_edge, seen_edges = [], [], []
    for s, p, o in rel_keys:
        s_ids, o_ids = resolve.get(s, set()), resolve.get(o, set())
        between, typed, seen = set(), set(), set()
        for k, (es, ep, eo) in enumerate(part.edges):
            forward = es in s_ids and eo in o_ids
            backward = es in o_ids and eo in s_ids
            if forward or backward:
                between.add(k)
                seen.add(str(ep) if forward else f"{ep} the other way round")
                if ep == p and (forward or p in SYMMETRIC_PREDICATES):
                    typed.add(k)
        any_edge.append(between)
        same_edge.append(typed)
        seen_edges.append(seen)
    rel_untyped, rel_typed = max_matching(any_edge), max_matching(same_edge)

    n_nodes, n_edges = len(part.nodes), len(part.edges)
    result: dict[str, Any] = {
        "entities_untyped": prf(len(ent_untyped), n_nodes, len(ent_names)),
        "entities_typed": prf(len(ent_typed), n_nodes, len(ent_names)),
        "relations_untyped": prf(len(rel_untyped), n_edges, len(rel_keys)),
        "relations_typed": prf(len(rel_typed), n_edges, len(rel_keys)),
        "graph": {"nodes": n_nodes, "edges": n_edges},
    }

    missed_entities = []
    for g, name in enumerate(ent_names):
        if g in ent_typed:
            continue
        want = gold.entities[name].type
        types = sorted({str(part.nodes[i].type) for i in resolve[name]})
        why = ("not found" if not types else f"found as {', '.join(types)}" if want not in types
               else "its node already matches another gold entity")
        missed_entities.append(f"{name} [{want}]: {why}")
    missed_relations = []
    for g, (s, p, o) in enumerate(rel_keys):
        if g in rel_typed:
            continue
        found_as = sorted(seen_edges[g])
        unknown = [end for end in (s, o) if end not in gold.entities]
        why = (f"edge between them: {'; '.join(found_as)}" if found_as
               else f"{', '.join(unknown)}: not a gold entity name" if unknown else "no edge between them")
        missed_relations.append(f"{s} -{p}-> {o}  ({why})")
    matched = set(ent_untyped.values())
    extra = sorted(f"{n.label} [{n.type}]" for nid, n in part.nodes.items() if nid not in matched)
    result["misses"] = {"entities": missed_entities, "relations": missed_relations, "extra_nodes": extra}
    return result


def score_graph(
    graph: nx.Graph | dict[str, Any] | str | Path,
    gold_paths: Iterable[str | Path],
    *,
    lenient: bool = False,
) -> dict[str, Any]:
    """Score a graph (NetworkX, node-link data, or graph.json path) against gold files.

    Returns the pooled figures under the reference scorer's keys (entities_untyped,
    entities_typed, relations_untyped, relations_typed, graph), plus `mode`
    ("per-document" or "pooled") and `documents`: one entry per gold file with its own
    figures and `misses`. In pooled mode `documents` is empty and `misses` is at the top.
    """
    data = graph_data(graph)
    golds = [read_gold(p) for p in gold_paths]
    whole = graph_part(data)
    result: dict[str, Any]
    if has_provenance(data):
        documents = []
        totals = dict.fromkeys(METRICS, (0, 0, 0))
        for gold_data in golds:
            gold = Gold(doc_key(gold_data["doc"]))
            gold.add(gold_data)
            scored = score_part(graph_part(data, gold.doc), gold, lenient)
            documents.append({"doc": gold.doc, **scored})
            for k in METRICS:
                totals[k] = tuple(a + scored[k][f] for a, f in zip(totals[k], ("tp", "pred", "gold"), strict=True))
        result = {k: prf(*totals[k]) for k in METRICS}
        result.update(mode="per-document", documents=documents)
    else:
        pooled = Gold("")
        for gold_data in golds:
            pooled.add(gold_data)
        result = score_part(whole, pooled, lenient)
        result.update(mode="pooled", documents=[])
    result["graph"] = {"nodes": len(whole.nodes), "edges": len(whole.edges)}
    return result


# --------------------------------------------------------------------------- the command

_LABELS = {
    "entities_untyped": "entities untyped",
    "entities_typed": "entities typed",
    "relations_untyped": "relations untyped",
    "relations_typed": "relations typed",
}


def format_figures(figures: dict[str, Any], indent: str = "  ") -> list[str]:
    lines = []
    for k in METRICS:
        v = figures[k]
        lines.append(f"{indent}{_LABELS[k]:18} P={v['p']:.3f} R={v['r']:.3f} F1={v['f1']:.3f}  "
                     f"(matched {v['tp']}, output {v['pred']}, gold {v['gold']})")
    return lines


def format_misses(misses: dict[str, list[str]], indent: str = "  ") -> list[str]:
    lines = []
    for kind, title in (("entities", "missed entities"), ("relations", "missed relations"),
                        ("extra_nodes", "extra nodes")):
        rows = misses[kind]
        lines.append(f"{indent}{title} ({len(rows)}):")
        lines += [f"{indent}  {row}" for row in rows]
    return lines


def format_report(result: dict[str, Any], misses: bool = False) -> str:
    """The text `kg eval` prints: each document, then the micro-average over documents."""
    lines = []
    for doc in result["documents"]:
        part = doc["graph"]
        lines.append(f"{doc['doc']}  ({part['nodes']} nodes, {part['edges']} edges cite it)")
        lines += format_figures(doc)
        if misses:
            lines += format_misses(doc["misses"], "    ")
        lines.append("")
    n = len(result["documents"])
    if result["mode"] == "per-document":
        lines.append(f"pooled over {n} document{'s' if n != 1 else ''} (micro-average)")
    else:
        lines.append("pooled (the graph's nodes do not all list their documents: whole graph against all gold)")
    lines += format_figures(result)
    if misses and result["mode"] == "pooled":
        lines += format_misses(result["misses"], "    ")
    lines.append(f"graph: {result['graph']['nodes']} nodes, {result['graph']['edges']} edges")
    return "\n".join(lines)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval", help="score a graph against gold graphs (precision, recall, F1 per document and pooled)"
    )
    p.add_argument("--gold", required=True, metavar="DIR", help="folder of gold graphs (*.json), or one gold file")
    p.add_argument("inputs", nargs="*", help="files and folders to build and score (or use --graph)")
    p.add_argument("--graph", metavar="GRAPH.json", help="score an existing graph.json instead of building")
    p.add_argument("--misses", action="store_true", help="list missed gold entities/relations and extra nodes")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.add_argument("--lenient", action="store_true",
                   help="also match a name that contains, or is contained in, a gold name (60%% of its length)")
    p.add_argument("--rules", metavar="DIR", help="rules folder for the build (default: the project's ontology/)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    p.set_defaults(func=cmd_eval)


def cmd_eval(args: argparse.Namespace) -> int:
    if bool(args.inputs) == bool(args.graph):
        raise UserError("give either inputs to build or --graph GRAPH.json, not both or neither")
    paths = gold_files(args.gold)
    status = 0
    if args.graph:
        data = graph_data(args.graph)
    else:
        from .export.nodelink import to_data
        from .pipeline import run_build
        from .rules import load_rules

        for item in args.inputs:
            if not Path(item).exists():
                raise UserError(f"{item}: no such file or folder")
        built = run_build(args.inputs, rules=load_rules(args.rules), progress=not args.quiet)
        for err in built.errors:
            print(f"kg: skipped {err}", file=sys.stderr)
        status = 1 if built.errors else 0
        data = to_data(built.graph)
    result = score_graph(data, paths, lenient=args.lenient)
    known = (data.get("graph") or {}).get("documents")
    if isinstance(known, dict) and result["mode"] == "per-document":
        for doc in result["documents"]:
            if doc["doc"] not in known:
                log(args, f"kg: note: no document '{doc['doc']}' in the graph; its gold counts as missed")
    if args.json:
        if not args.misses:
            result.pop("misses", None)
            for doc in result["documents"]:
                doc.pop("misses")
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        print(format_report(result, misses=args.misses))
    return status
