// Parse a GEXF file with graphology-gexf (the importer Gephi Lite uses) and print the graph as JSON.
// usage: node read_gexf.mjs GRAPH.gexf
import { readFileSync } from "node:fs";
import Graph from "graphology";
import gexf from "graphology-gexf";

const graph = gexf.parse(Graph, readFileSync(process.argv[2], "utf8"));
console.log(JSON.stringify({
  type: graph.type,
  multi: graph.multi,
  nodes: graph.mapNodes((key, attrs) => ({ key, ...attrs })),
  edges: graph.mapEdges((key, attrs, source, target) => ({ key, source, target, ...attrs })),
}));
