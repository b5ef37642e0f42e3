"""Node positions computed in Python, for graphs too big for the browser's physics.

vis-network's force simulation needs minutes on a few thousand nodes (pyvis #204), while igraph's
grid Fruchterman-Reingold lays out 10,000 nodes in about a second. Starting points come from a
seeded generator, so the same graph always gets the same positions (and the same bytes).
"""

from __future__ import annotations

import math
import random

import networkx as nx


def positions(G: nx.Graph, spacing: float = 60.0, seed: int = 7) -> dict[str, tuple[int, int]]:
    """Node -> (x, y) in screen pixels, centred on 0, about `spacing` pixels between neighbours."""
    import igraph as ig  # only big graphs need it; keep the import off the common path

    nodes = list(G.nodes)
    if not nodes:
        return {}
    index = {n: i for i, n in enumerate(nodes)}
    pairs = sorted({(min(index[u], index[v]), max(index[u], index[v])) for u, v in G.edges() if u != v})
    g = ig.Graph(n=len(nodes), edges=pairs)
    rng = random.Random(seed)
    side = math.sqrt(len(nodes))
    start = [[rng.uniform(-side, side), rng.uniform(-side, side)] for _ in nodes]
    coords = g.layout_fruchterman_reingold(seed=start, niter=500, grid=len(nodes) > 1000).coords
    xs = [c[0] for c in coords]
    ys = [c[1] for c in coords]
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    # FR's natural edge length is about 1 unit; scale it to `spacing` pixels
    return {n: (round((x - cx) * spacing), round((y - cy) * spacing)) for n, (x, y) in zip(nodes, coords)}
