"""Benchmark the RDF exports and `kg query` on a ~1M-triple graph. Not a test: prints figures.

    .venv/bin/python benchmarks/bench_rdf.py                 # ~1M triples
    .venv/bin/python benchmarks/bench_rdf.py --triples 100000 # quicker

Compares
  * our export (NetworkX graph -> triples -> graph.nt / graph.ttl / graph.jsonld) with
    pyoxigraph's own `Store.dump` of the same triples;
  * `kg query` (CLI end to end, cold and warm store; and in-process) with raw pyoxigraph
    running the same query on an in-memory store.
The graph is synthetic but in the exact shape of `GraphBuilder.graph()` (seeded, so repeatable).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx
import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.export import rdf  # noqa: E402
from kg.model import ENTITY_TYPES, PREDICATES, SYMMETRIC_PREDICATES  # noqa: E402
from kg.query import build_prefixes, open_store, render, run_query  # noqa: E402

HAN = "工会职工劳动模范全国总中央组织部国务院人力资源社会保障新就业形态者农民产业技能竞赛服务帮扶权益制度机制精神思想"

QUERIES = {
    "aggregate (relation-types.rq)": (ROOT / "queries" / "relation-types.rq").read_text(encoding="utf-8"),
    "top-k sort (most-mentioned.rq)": (ROOT / "queries" / "most-mentioned.rq").read_text(encoding="utf-8"),
    "lookup + evidence join": """
        SELECT ?partner ?doc ?start ?sentence WHERE {
          ?a rdfs:label ?name . FILTER (?name = "工会职工劳动模范"@zh)
          ?a kg:collaboratesWith ?p . ?p rdfs:label ?partner . FILTER (lang(?partner) = "zh")
          ?st rdf:predicate kg:collaboratesWith ; prov:wasDerivedFrom ?span .
          { ?st rdf:subject ?a ; rdf:object ?p } UNION { ?st rdf:subject ?p ; rdf:object ?a }
          ?span prov:wasQuotedFrom ?doc ; kg:startOffset ?start ; kg:sentence ?sentence .
        } ORDER BY ?partner ?start""",
}


def synthetic_graph(nodes: int, edges: int, docs: int, seed: int = 7) -> nx.MultiDiGraph:
    """A graph shaped like a real build: labels, aliases, evidence per document, weighted edges."""
    rnd = random.Random(seed)
    G = nx.MultiDiGraph()
    sent_len = 40
    doc_ids = [f"doc{d:05d}" for d in range(docs)]
    chars = 200 * sent_len
    G.graph["documents"] = {d: {"path": f"corpus/{d}.txt", "chars": chars, "title": f"文件{i}",
                                "date": f"20{10 + i % 15}-0{1 + i % 9}-1{i % 9}", "source": "学习时报"}
                            for i, d in enumerate(doc_ids)}
    G.graph["rules_version"] = "bench"

    def sentence(d: str, i: int) -> dict:
        return {"doc": d, "sentence": "".join(HAN[(i * 7 + k) % len(HAN)] for k in range(sent_len)),
                "start": i * sent_len, "end": (i + 1) * sent_len}

    ids = []
    for i in range(nodes):
        label = "".join(rnd.choice(HAN) for _ in range(rnd.randint(3, 12)))
        if i == 0:
            label = "工会职工劳动模范"
        nid = f"n{i:07d}-{i * 2654435761 % 16**6:06x}"
        ids.append(nid)
        ds = sorted(rnd.sample(doc_ids, rnd.randint(1, 2)))
        ev = []
        for d in ds:
            s = sentence(d, rnd.randrange(200))
            ev.append({**s, "start": s["start"] + 3, "end": s["start"] + 3 + len(label)})
        attrs = {"label": label, "type": ENTITY_TYPES[i % len(ENTITY_TYPES)],
                 "aliases": sorted({label[:2] + "组织"} if rnd.random() < 0.3 else set()),
                 "mentions": rnd.randint(1, 50), "docs": ds, "evidence": ev}
        if rnd.random() < 0.5:
            attrs["label_en"] = f"entity {i}"
        G.add_node(nid, **attrs)
    added = 0
    while added < edges:
        s = ids[0] if added < 20 else rnd.choice(ids)
        o, p = rnd.choice(ids), rnd.choice(PREDICATES) if added >= 20 else "collaboratesWith"
        if s == o or G.has_edge(s, o, p) or (p in SYMMETRIC_PREDICATES and G.has_edge(o, s, p)):
            continue
        ev = sorted((sentence(d, rnd.randrange(200)) for d in rnd.sample(doc_ids, rnd.randint(1, 3))),
                    key=lambda e: (e["doc"], e["start"]))
        G.add_edge(s, o, key=p, predicate=p, weight=len(ev), evidence=ev)
        added += 1
    return G


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--triples", type=int, default=1_000_000, help="approximate size (default 1M)")
    ap.add_argument("--keep", help="write the build here and keep it (default: a temp folder, removed)")
    args = ap.parse_args()
    # ~36 triples per node at these ratios, counting its edges, statements and text spans (measured)
    nodes = max(100, round(args.triples / 36.3))
    edges, docs = round(nodes * 1.3), max(10, nodes // 25)
    out = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-rdf-"))
    out.mkdir(parents=True, exist_ok=True)
    try:
        t_gen, G = timed(synthetic_graph, nodes, edges, docs)
        print(f"synthetic graph: {nodes} nodes, {edges} edges, {docs} documents ({t_gen:.1f}s to generate)")

        print("\n## Export (NetworkX graph -> file)")
        t_groups, groups = timed(rdf.graph_groups, G)
        n = sum(len(po) for _, po in groups)
        print(f"triples: {n:,}")
        print(f"  build triples from the graph (Python)   {t_groups:6.2f} s   (once, shared by the 3 writers)")
        t_nt, _ = timed(rdf.write_ntriples, G, out / "graph.nt")
        t_ttl, _ = timed(rdf.write_turtle, G, out / "graph.ttl")
        t_jsonld, _ = timed(rdf.write_jsonld, G, out / "graph.jsonld")
        for name, t in (("graph.nt", t_nt), ("graph.ttl", t_ttl), ("graph.jsonld", t_jsonld)):
            size = (out / name).stat().st_size / 1e6
            print(f"  kg write {name:<13}                   {t:6.2f} s   {size:7.1f} MB")
        print(f"  kg total, all three formats              {t_groups + t_nt + t_ttl + t_jsonld:6.2f} s")

        t_load, store = timed(lambda: (s := ox.Store(), s.bulk_load(path=str(out / "graph.nt"),
                                                                    format=ox.RdfFormat.N_TRIPLES))[0])
        print(f"  pyoxigraph bulk_load graph.nt (memory)   {t_load:6.2f} s")
        base = out / "oxdump"
        base.mkdir(exist_ok=True)
        for label, fmt, ext in (("N-Triples", ox.RdfFormat.N_TRIPLES, "nt"), ("Turtle", ox.RdfFormat.TURTLE, "ttl"),
                                ("JSON-LD", ox.RdfFormat.JSON_LD, "jsonld")):
            t, _ = timed(store.dump, str(base / f"dump.{ext}"), fmt, from_graph=ox.DefaultGraph(),
                         prefixes=build_prefixes(store) if fmt == ox.RdfFormat.TURTLE else None)
            print(f"  pyoxigraph Store.dump {label:<10}         {t:6.2f} s")
        t, _ = timed(lambda: ox.serialize(rdf.triples(groups), str(base / "ser.nt"), ox.RdfFormat.N_TRIPLES))
        print(f"  pyoxigraph serialize(our triples) .nt    {t:6.2f} s   (the serialisation part of kg's write)")

        print("\n## Query (same query, same data)")
        kg = [str(Path(sys.executable).parent / "kg")]
        t_cold, proc = timed(subprocess.run, [*kg, "query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                                              "-b", str(out), "-f", "csv"], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        print(f"  kg query, first run (loads .kg-store)    {t_cold:6.2f} s   (count = {proc.stdout.split()[-1]})")
        ro = open_store(out)
        prefixes = build_prefixes(store)
        for name, q in QUERIES.items():
            raw = statistics.median(timed(lambda q=q: list(store.query(q, prefixes=prefixes)))[0] for _ in range(3))
            rows = len(list(store.query(q, prefixes=prefixes)))
            disk = statistics.median(timed(lambda q=q: list(ro.query(q, prefixes=prefixes)))[0] for _ in range(3))
            inproc = statistics.median(
                timed(lambda q=q: render(run_query(ro, q, prefixes), "table", prefixes))[0] for _ in range(3))
            cli = []
            for _ in range(3):
                t, proc = timed(subprocess.run, [*kg, "query", q, "-b", str(out)], capture_output=True, text=True)
                assert proc.returncode == 0, proc.stderr
                cli.append(t)
            print(f"  {name} ({rows} rows)")
            print(f"    raw pyoxigraph, in-memory store        {raw:6.3f} s")
            print(f"    raw pyoxigraph, kg's on-disk store     {disk:6.3f} s")
            print(f"    kg in-process (query + table)          {inproc:6.3f} s")
            print(f"    kg query CLI, warm (process start incl.) {statistics.median(cli):5.3f} s")
        t_start, _ = timed(subprocess.run, [*kg, "--version"], capture_output=True)
        print(f"  (for scale: `kg --version` takes {t_start:.3f} s)")
    finally:
        if not args.keep:
            shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
