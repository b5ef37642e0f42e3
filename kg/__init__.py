"""kg: Chinese political and labour-policy texts in, a typed knowledge graph with evidence out.

    import kg
    G = kg.build(["corpus/"])      # an nx.MultiDiGraph
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # not imported at run time: worker processes import `kg` and never need networkx
    import networkx as nx

__version__ = "0.1.0"
__all__ = ["build", "__version__"]


def build(inputs: Iterable[str] | str, **options) -> nx.MultiDiGraph:
    """Build the graph of `inputs` (files and folders); unreadable files are skipped."""
    from .pipeline import run_build

    if "make_graph" in options:
        raise TypeError("kg.build always returns the graph; use kg.pipeline.run_build(make_graph=False) for the merge")
    if isinstance(inputs, str):
        inputs = [inputs]
    return run_build(list(inputs), **options).graph
