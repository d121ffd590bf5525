#!/usr/bin/env python3
"""Writes the goldens of the board's /api/graph from TensorBoard's own loader.

    .venv/bin/python scripts/make_graph_goldens.py

For each run below, TensorBoard's `EventAccumulator(run).Reload().Graph()` gives the GraphDef
(for a gzip event file, a decompressed copy is loaded: TensorBoard reads plain files only). The
golden, `fixtures/graphs/<name>.golden.json`, holds:

  ops            the op count
  metaGraphMatches  whether the run's MetaGraphDef holds the same graph_def (null: no meta graph)
  expanded       every node as TensorBoard has it: name, op, device, output shapes (from the
                 `_output_shapes` attr: dims with -1 unknown, null for an unknown rank; [] without
                 the attr) and inputs (input names with `^` and `:k` removed, each once, in order,
                 only names of nodes in the graph)
  expandedEdges  one per (source, target, control): count of inputs, shape of the source's
                 output (`?×784`, `scalar`) if all agree and known, else null
  collapsed      the top level with every scope collapsed: for each top-level scope (a prefix of
                 a node name before its first "/") {"name", "op": "scope", "ops": ops inside,
                 an op named like the scope included}; for each other op without a "/"
                 {"name", "op"}; in order of first appearance; and the edges between them (as
                 above) in `collapsedEdges`

These are the semantics the board documents; the test (`GraphViewTests`) checks its answer
against them.
"""
import glob
import gzip
import json
import os
import shutil
import sys
import tempfile

from tensorboard.backend.event_processing import event_accumulator

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS = {
    # TensorFlow 2.21 graph mode (tf.compat.v1.summary.FileWriter), see fixtures/README.md.
    "tf1_filewriter_mlp": os.path.join(ROOT, "fixtures/interop/tf1_filewriter_mlp"),
    # Lumen's FileWriter (train-digits --mode graph), see fixtures/README.md.
    "lumen_mlp_graph": os.path.join(ROOT, "fixtures/graphs/lumen_mlp_graph"),
}


def load(run_dir):
    files = sorted(glob.glob(os.path.join(run_dir, "*tfevents*")))
    temp = None
    if any(f.endswith(".gz") for f in files):
        temp = tempfile.mkdtemp()
        for f in files:
            target = os.path.join(temp, os.path.basename(f).removesuffix(".gz"))
            opener = gzip.open if f.endswith(".gz") else open
            with opener(f, "rb") as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
        run_dir = temp
    acc = event_accumulator.EventAccumulator(run_dir)
    acc.Reload()
    graph = acc.Graph()
    meta = None
    if acc.Tags().get("meta_graph"):
        meta = acc.MetaGraph().graph_def == graph
    if temp:
        shutil.rmtree(temp)
    return graph, meta


def shapes(node):
    if "_output_shapes" not in node.attr:
        return []
    return [None if s.unknown_rank else [d.size if d.size >= 0 else -1 for d in s.dim]
            for s in node.attr["_output_shapes"].list.shape]


def shape_text(dims):
    if dims is None:
        return None
    if not dims:
        return "scalar"
    return "×".join("?" if d < 0 else str(d) for d in dims)


def parse_input(text):
    control = text.startswith("^")
    name = text[1:] if control else text
    output = 0
    head, sep, tail = name.rpartition(":")
    if sep and tail.isdigit():
        name, output = head, int(tail)
    return name, output, control


def edges_between(graph, representative):
    """Edges between the representatives of the nodes' inputs, and each node's input list."""
    by_name = {n.name: n for n in graph.node}
    edges, index, inputs = [], {}, {}
    for node in graph.node:
        target = representative(node.name)
        for text in node.input:
            name, output, control = parse_input(text)
            if name not in by_name:
                continue
            source = representative(name)
            if source == target:
                continue
            seen = inputs.setdefault(target, [])
            if source not in seen:
                seen.append(source)
            out = shapes(by_name[name])
            shape = None if control or output >= len(out) else shape_text(out[output])
            key = (source, target, control)
            if key in index:
                edge = edges[index[key]]
                edge["count"] += 1
                if edge["shape"] != shape:
                    edge["agree"] = False
            else:
                index[key] = len(edges)
                edges.append({"source": source, "target": target, "control": control, "count": 1,
                              "shape": shape, "agree": True})
    for edge in edges:
        if not edge.pop("agree"):
            edge["shape"] = None
    return edges, inputs


def golden(graph, meta):
    names = [n.name for n in graph.node]
    expanded_edges, expanded_inputs = edges_between(graph, lambda name: name)
    expanded = [{
        "name": n.name, "op": n.op, "device": n.device, "outputShapes": shapes(n),
        "inputs": expanded_inputs.get(n.name, []),
    } for n in graph.node]

    # Top-level scopes: the part of a name before its first "/" (one at the start doesn't count).
    def head(name):
        i = name.find("/", 1)
        return name[:i] if i > 0 else None

    top_scopes = {head(name) for name in names if head(name) is not None}

    def top(name):
        # An op named like a scope sits in it.
        return name if name in top_scopes else (head(name) or name)

    collapsed_edges, _ = edges_between(graph, top)
    collapsed = []
    seen = set()
    for name, node in zip(names, graph.node):
        rep = top(name)
        if rep in seen:
            continue
        seen.add(rep)
        if rep in top_scopes:
            count = sum(1 for other in names if top(other) == rep)
            collapsed.append({"name": rep, "op": "scope", "ops": count})
        else:
            collapsed.append({"name": rep, "op": node.op})
    return {
        "ops": len(names), "metaGraphMatches": meta,
        "expanded": expanded, "expandedEdges": expanded_edges,
        "collapsed": collapsed, "collapsedEdges": collapsed_edges,
    }


def compact(data):
    """JSON with one list item per line, so that diffs of the goldens stay readable."""
    def dump(value):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    lines = []
    for i, (key, value) in enumerate(data.items()):
        end = "," if i + 1 < len(data) else ""
        if isinstance(value, list):
            items = [" " + dump(item) + ("," if j + 1 < len(value) else "") for j, item in enumerate(value)]
            lines.append(f"{dump(key)}:[\n" + "\n".join(items) + f"\n]{end}")
        else:
            lines.append(f"{dump(key)}:{dump(value)}{end}")
    return "{\n" + "\n".join(lines) + "\n}\n"


def main():
    out_dir = os.path.join(ROOT, "fixtures/graphs")
    os.makedirs(out_dir, exist_ok=True)
    for name, run_dir in RUNS.items():
        graph, meta = load(run_dir)
        if graph is None:
            sys.exit(f"{run_dir}: TensorBoard finds no graph")
        data = golden(graph, meta)
        path = os.path.join(out_dir, f"{name}.golden.json")
        with open(path, "w", encoding="utf-8") as f:
            f.write(compact(data))
        print(f"{path}: {data['ops']} ops, {len(data['collapsed'])} top-level nodes")


if __name__ == "__main__":
    main()
