"""How long until a big graph's graph.html is drawn and still, against pyvis's defaults.

Not a test: it prints figures. It builds a synthetic graph in the build's exact shape (via
GraphBuilder, hub-heavy like a real corpus), writes it with kg.export.html and with a plain pyvis
`Network()` (defaults, except `cdn_resources="in_line"`: pyvis's default loads vis-network from a
CDN and draws nothing offline), then opens each in headless Chromium with the network disabled
and polls node positions until two samples 500 ms apart agree.

    .venv/bin/python benchmarks/bench_html.py --nodes 10000 --pyvis-timeout 180
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.export import html as html_export  # noqa: E402
from kg.export.palette import node_size, type_style  # noqa: E402
from kg.graph import GraphBuilder  # noqa: E402
from kg.model import ENTITY_TYPES, PREDICATES, DocResult, EntityInfo, Relation  # noqa: E402

CHARS = (
    "国家中央全省市县区职工工人劳动技能建设发展改革创新服务保障组织委员会工作部门协会联合总社团"
    "青年妇女农民产业技术安全教育培训就业权益维护竞赛示范基地平台项目计划规划方案制度机制条例"
    "法规意见通知精神思想理论会议大会论坛学院大学集团公司企业科学研究信息网络数字经济文化卫生"
)
SUFFIX = {
    "Person": ["", ""],
    "PartyBody": ["党委", "党组", "组织部"],
    "StateBody": ["部", "局", "人民政府", "委员会"],
    "Union": ["工会", "总工会", "工会联合会"],
    "Organization": ["集团", "公司", "学院", "协会"],
    "WorkerGroup": ["职工", "工人", "劳动者"],
    "Program": ["行动", "工程", "竞赛", "计划"],
    "Policy": ["条例", "办法", "意见", "制度"],
    "Event": ["大会", "会议", "论坛"],
    "Concept": ["精神", "思想", "理念"],
}
TYPE_WEIGHTS = [4, 6, 10, 10, 14, 10, 16, 14, 6, 10]


def synthetic_graph(n_nodes: int, seed: int = 1, edges_per_node: float = 1.6) -> nx.MultiDiGraph:
    """A graph shaped like a big build: preferential attachment (hubs), 50 entities per document,
    Chinese names, some English labels and aliases, one evidence sentence per relation."""
    rng = random.Random(seed)
    names: list[str] = []
    types: list[str] = []
    seen: set[str] = set()
    while len(names) < n_nodes:
        t = rng.choices(ENTITY_TYPES, TYPE_WEIGHTS)[0]
        name = "".join(rng.choice(CHARS) for _ in range(rng.randint(2, 6))) + rng.choice(SUFFIX[t])
        if name not in seen:
            seen.add(name)
            names.append(name)
            types.append(t)
    n_docs = max(1, n_nodes // 50)
    ends: list[int] = [0]
    rels: list[tuple[int, str, int]] = []
    for i in range(1, n_nodes):
        for _ in range(max(1, round(rng.expovariate(1 / edges_per_node)))):
            j = rng.choice(ends)
            if i != j:
                rels.append((i, rng.choice(PREDICATES), j) if rng.random() < 0.5 else (j, rng.choice(PREDICATES), i))
                ends += [i, j]
    per_doc: dict[int, list[tuple[int, str, int]]] = {d: [] for d in range(n_docs)}
    for r in rels:
        per_doc[rng.randrange(n_docs)].append(r)
    home = {i: rng.randrange(n_docs) for i in range(n_nodes)}  # every entity appears somewhere
    builder = GraphBuilder()
    for d in range(n_docs):
        sentences: list[str] = []
        ents: dict[str, EntityInfo] = {}
        relations: list[Relation] = []

        def mention(i: int, sent: int, ents: dict[str, EntityInfo] = ents) -> None:
            name = names[i]
            if name not in ents:
                en = f"entity {i}" if i % 3 == 0 else ""
                aliases = {name[:3] + "简称"} if i % 7 == 0 else set()
                ents[name] = EntityInfo(types[i], aliases, en, "", 1 + int(rng.paretovariate(1.5)) % 40,
                                        (sent, 0, len(name)))

        for s, p, o in per_doc[d]:
            sent = len(sentences)
            sentences.append(f"{names[s]}与{names[o]}的{p}关系在本文第{sent + 1}句中得到说明。")
            mention(s, sent)
            mention(o, sent)
            relations.append(Relation(names[s], p, names[o], sent))
        for i in (i for i, h in home.items() if h == d):
            if names[i] not in ents:
                sentences.append(f"文中提到{names[i]}。")
                mention(i, len(sentences) - 1)
        offsets, pos = [], 0
        for s in sentences:
            offsets.append((pos, pos + len(s)))
            pos += len(s)
        builder.add(DocResult(f"doc{d:04d}", f"corpus/doc{d:04d}.txt", {"title": f"文档{d}"}, pos, offsets,
                              sentences, ents, relations))
    G = builder.graph()
    G.graph["rules_version"] = "bench"
    return G


def pyvis_default_html(G: nx.MultiDiGraph) -> str:
    """What a user gets from pyvis with its defaults: Network(), add_node/add_edge, generate_html."""
    from pyvis.network import Network

    net = Network(cdn_resources="in_line")
    for n, d in G.nodes(data=True):
        net.add_node(n, label=d["label"], title=d["type"], color=type_style(d["type"]).color,
                     size=node_size(d["mentions"]))
    for u, v, d in G.edges(data=True):
        net.add_edge(u, v, title=d["predicate"], value=d["weight"])
    return net.generate_html()


def measure(html_path: Path, shot: Path, timeout: float) -> dict:
    script = ROOT / "tests" / "js" / "bench_html.mjs"
    out = subprocess.run(["node", str(script), str(html_path), str(shot), str(timeout)],
                         capture_output=True, text=True, timeout=timeout + 90)
    if out.returncode != 0:
        raise SystemExit(f"bench_html.mjs failed:\n{out.stderr}")
    return json.loads(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nodes", type=int, default=10000)
    ap.add_argument("--pyvis-timeout", type=float, default=180.0, help="give up on pyvis after this many s")
    ap.add_argument("--skip-pyvis", action="store_true")
    ap.add_argument("--out", type=Path, default=ROOT / "output")
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # figures appear as they are measured
    args.out.mkdir(parents=True, exist_ok=True)

    t = time.perf_counter()
    G = synthetic_graph(args.nodes)
    print(f"graph: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges "
          f"(made in {time.perf_counter() - t:.1f} s)")
    with tempfile.TemporaryDirectory() as tmp:
        ours = Path(tmp) / "kg.html"
        t = time.perf_counter()
        html_export.write(G, ours)
        print(f"kg html:    written in {time.perf_counter() - t:.1f} s, {ours.stat().st_size / 1e6:.1f} MB")
        r = measure(ours, args.out / f"bench_kg_{args.nodes}.png", 120)
        print(f"kg html:    drawn {r['drawn_ms'] / 1000:.1f} s, still {r['still_ms'] / 1000:.1f} s "
              f"after navigation (still: {r['still']}, console errors: {len(r['errors'])})")
        if args.skip_pyvis:
            return
        theirs = Path(tmp) / "pyvis.html"
        t = time.perf_counter()
        theirs.write_text(pyvis_default_html(G), encoding="utf-8")
        print(f"pyvis html: written in {time.perf_counter() - t:.1f} s, {theirs.stat().st_size / 1e6:.1f} MB")
        r = measure(theirs, args.out / f"bench_pyvis_{args.nodes}.png", args.pyvis_timeout)
        drawn = f"{r['drawn_ms'] / 1000:.1f} s" if r["drawn_ms"] is not None else "never"
        still = f"{r['still_ms'] / 1000:.1f} s" if r["still"] else f"not still after {args.pyvis_timeout:.0f} s"
        print(f"pyvis html: drawn {drawn}, still {still} after navigation "
              f"(blocked requests: {len(r['requests'])}, console errors: {len(r['errors'])})")


if __name__ == "__main__":
    main()
