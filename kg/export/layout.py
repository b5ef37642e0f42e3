"""Node positions computed in Python, for graphs too big for the browser's physics.

vis-network's force simulation needs minutes on a few thousand nodes (pyvis #204), while igraph's
grid Fruchterman-Reingold lays out 10,000 nodes in about a second. Starting points come from a
seeded generator, so the same graph always gets the same positions (and the same bytes).
"""

from __future__ import annotations

import math
import random

import networkx as nx


def positions(G: nx.Graph, spacing: float = 80.0, seed: int = 7) -> dict[str, tuple[int, int]]:
    """Node -> (x, y) in screen pixels, centred on 0, with about `spacing` x `spacing` pixels of
    room per node (FR packs hub-heavy graphs tightly; scaling by edge length would overlap nodes)."""
    import igraph as ig  # only big graphs need it; keep the import off the common path

    nodes = list(G.nodes)
    if not nodes:
        return {}
    index = {n: i for i, n in enumerate(nodes)}
    pairs = sorted({(min(index[u], index[v]), max(index[u], index[v])) for u, v in G.edges() if u != v})
    g = ig.Graph(n=len(nodes), edges=pairs)
    rng = random.Random(seed)
    side = math.sqrt(len(nodes)) / 2  # igraph's own start square; a wider one is 4x slower to settle
    start = [[rng.uniform(-side, side), rng.uniform(-side, side)] for _ in nodes]
    # FR also draws random numbers while it runs (from igraph's RNG, by default the global `random`):
    # give it a seeded generator for this call only
    ig.set_random_number_generator(random.Random(seed))
    try:
        coords = g.layout_fruchterman_reingold(seed=start, niter=500, grid=len(nodes) > 1000).coords
    finally:
        ig.set_random_number_generator(random)
    xs = [c[0] for c in coords]
    ys = [c[1] for c in coords]
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    area = max((max(xs) - min(xs)) * (max(ys) - min(ys)), 1e-9)
    scale = spacing * math.sqrt(len(nodes) / area)
    return {n: (round((x - cx) * scale), round((y - cy) * scale)) for n, (x, y) in zip(nodes, coords, strict=True)}
