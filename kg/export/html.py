"""Interactive HTML view (`graph.html`): one self-contained, offline file.

Why not pyvis's own output: its `in_line` mode still links Bootstrap from a CDN, `show()` and
`write_html` have notebook and encoding bugs, `filter_menu`/`select_menu` break on non-Latin
names, and `add_edge` is quadratic (a 10,000-node graph takes over a minute to assemble). So this
module takes only pyvis's bundled vis-network and writes the page itself: the graph goes in as
JSON inside a `<script type="application/json">` block with `<`, `>` and `&` escaped, and the
page's own script (templates/graph.js) builds every label, tooltip and panel with textContent.

Graphs up to `physics_max_nodes` nodes are laid out by vis-network's physics in the browser, which
then stops; bigger ones get positions from kg.export.layout and no physics, so they draw in seconds.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx

from ..atomic import atomic_open
from ..model import ENTITY_TYPES, PREDICATES
from .layout import positions
from .palette import node_size, predicate_style, type_style

PHYSICS_MAX_NODES = 1000  # above this, layout in Python: physics on 1,000 nodes takes ~5 s here
EDGE_LABELS_MAX_EDGES = 150  # edge labels on by default only while they stay legible
MAX_EVIDENCE = 20  # sentences kept per node or edge; the count says how many more there are

_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def write(G: nx.MultiDiGraph, path: str | Path, *, physics_max_nodes: int = PHYSICS_MAX_NODES, **_: Any) -> None:
    """Write `render(G)` a piece at a time: a whole archive's page is hundreds of MB as one string."""
    with atomic_open(path, "w") as fh:
        fh.writelines(render_pieces(G, physics_max_nodes=physics_max_nodes))


def render(G: nx.MultiDiGraph, *, physics_max_nodes: int = PHYSICS_MAX_NODES, title: str | None = None) -> str:
    """The whole page as a string; same graph, same string."""
    return "".join(render_pieces(G, physics_max_nodes=physics_max_nodes, title=title))


def render_pieces(G: nx.MultiDiGraph, *, physics_max_nodes: int = PHYSICS_MAX_NODES,
                  title: str | None = None) -> Iterator[str]:
    """The page in pieces: the template's text, with each @@KG_NAME@@ replaced (the data a node or
    edge at a time)."""
    data = payload(G, physics=G.number_of_nodes() <= physics_max_nodes, title=title)
    parts: dict[str, Callable[[], Iterable[str]]] = {
        "TITLE": lambda: [html.escape(data["title"])],
        "DATA": lambda: script_json_pieces(data),
        "VIS": lambda: [_vis_network_js()],
        "APP": lambda: [_template("graph.js")],
    }
    for i, piece in enumerate(re.split(r"@@KG_([A-Z]+)@@", _template("graph.html"))):
        if i % 2 == 0:
            yield piece
        else:
            yield from parts[piece]()


def script_json(data: Any) -> str:
    """JSON that is safe inside a <script> element: nothing in it can close the element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return _escape(text)


def _escape(text: str) -> str:
    return re.sub("[<>&\u2028\u2029]", lambda m: _JSON_ESCAPES[m.group(0)], text)


def script_json_pieces(data: dict[str, Any]) -> Iterator[str]:
    """script_json(data) in pieces, one per list item (each through the C encoder): the same text."""
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    yield "{"
    for i, (key, value) in enumerate(data.items()):
        yield _escape(("," if i else "") + encode(key) + ":")
        if isinstance(value, list) and value:
            for j, item in enumerate(value):
                yield _escape(("," if j else "[") + encode(item))
            yield "]"
        else:
            yield _escape(encode(value))
    yield "}"


def payload(G: nx.MultiDiGraph, *, physics: bool, title: str | None = None) -> dict[str, Any]:
    """The graph as graph.js reads it (format documented at the top of templates/graph.js)."""
    type_names = list(ENTITY_TYPES) + sorted({d.get("type", "") for _, d in G.nodes(data=True)} - set(ENTITY_TYPES))
    pred_names = list(PREDICATES) + sorted({k for _, _, k in G.edges(keys=True)} - set(PREDICATES))
    type_ix = {t: i for i, t in enumerate(type_names)}
    pred_ix = {p: i for i, p in enumerate(pred_names)}
    node_ix = {n: i for i, n in enumerate(G.nodes)}
    sentences: dict[tuple[str, str], int] = {}

    def sentence_ids(evidence: list[dict[str, Any]]) -> list[int]:
        return [sentences.setdefault((ev["doc"], ev["sentence"]), len(sentences)) for ev in evidence[:MAX_EVIDENCE]]

    pos = {} if physics else positions(G)
    nodes = []
    for n, d in G.nodes(data=True):
        node: dict[str, Any] = {
            "id": n,
            "l": d.get("label", n),
            "t": type_ix[d.get("type", "")],
            "m": int(d.get("mentions", 0)),
            "s": node_size(d.get("mentions", 0)),
            "d": list(d.get("docs", [])),
            "ev": sentence_ids(d.get("evidence", [])),
        }
        if d.get("label_en"):
            node["en"] = d["label_en"]
        if d.get("aliases"):
            node["al"] = list(d["aliases"])
        if n in pos:
            node["x"], node["y"] = pos[n]
        nodes.append(node)
    edges = [
        {"f": node_ix[u], "t": node_ix[v], "p": pred_ix[k], "w": int(d.get("weight", len(d.get("evidence", [])))),
         "ev": sentence_ids(d.get("evidence", []))}
        for u, v, k, d in G.edges(keys=True, data=True)
    ]
    type_counts = [0] * len(type_names)
    for node in nodes:
        type_counts[node["t"]] += 1
    pred_counts = [0] * len(pred_names)
    for edge in edges:
        pred_counts[edge["p"]] += 1
    docs = {
        doc: {k: str(meta[k]) for k in ("title", "date", "source") if meta.get(k)}
        for doc, meta in sorted(G.graph.get("documents", {}).items())
    }
    return {
        "title": title or "知识图谱",
        "physics": physics,
        "edgeLabels": len(edges) <= EDGE_LABELS_MAX_EDGES,
        # legend lists only what the graph has, in schema order
        "types": [{"name": t, "zh": type_style(t).zh, "color": type_style(t).color, "n": type_counts[i]}
                  for i, t in enumerate(type_names)],
        "predicates": [{"name": p, "zh": predicate_style(p).zh, "color": predicate_style(p).color, "n": pred_counts[i]}
                       for i, p in enumerate(pred_names)],
        "docs": docs,
        "sentences": [list(k) for k in sentences],
        "nodes": nodes,
        "edges": edges,
    }


@cache
def _template(name: str) -> str:
    return (resources.files(__package__) / "templates" / name).read_text(encoding="utf-8")


@cache
def _vis_network_js() -> str:
    """vis-network as bundled with pyvis (newest copy), minus its source-map comment (a file the
    browser might try to fetch)."""
    lib = resources.files("pyvis") / "lib"
    found = sorted(
        (p for p in lib.iterdir() if p.name.startswith("vis-") and (p / "vis-network.min.js").is_file()),
        key=lambda p: tuple(int(x) for x in re.findall(r"\d+", p.name)),
    )
    if not found:
        raise RuntimeError("pyvis's bundled vis-network.min.js not found; reinstall pyvis>=0.3.2")
    js = (found[-1] / "vis-network.min.js").read_text(encoding="utf-8")
    js = re.sub(r"\n//# sourceMappingURL=\S*\s*$", "\n", js)
    if re.search(r"</script|<!--", js, re.IGNORECASE):
        raise RuntimeError("vis-network.min.js cannot be inlined: it contains </script or <!--")
    return js
