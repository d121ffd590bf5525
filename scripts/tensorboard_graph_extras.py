#!/usr/bin/env python3
"""Prints, as JSON, what TensorBoard's graphs plugin serves for LOGDIR beside the op graph: the
Keras conceptual graphs (its `graph?conceptual=true` answer, a GraphDef built from the model JSON)
and the RunMetadata of each `tagged_run_metadata` (its `run_metadata` answer), joined per node as
TensorBoard's graph dashboard joins step statistics with the graph.

Usage: .venv/bin/python scripts/tensorboard_graph_extras.py LOGDIR

Output: {run: {"conceptual": {tag: [{"name", "class", "inputs"}]},
               "stats": {tag: {node: {"computeMicros", "memoryBytes", "start", "end"}}}}}
The join (the graph dashboard's, in its frontend): per node name, over every device's node_stats,
memoryBytes is the sum of memory[].total_bytes (positive ones), and when all_end_rel_micros > 0 the
execution spans all_start_micros .. all_start_micros + all_end_rel_micros; computeMicros is the
latest end minus the earliest start (null if none).
"""
import json
import sys

from google.protobuf import text_format
from tensorboard import context
from tensorboard.backend.event_processing import data_provider, plugin_event_multiplexer
from tensorboard.compat.proto import config_pb2, graph_pb2
from tensorboard.plugins import base_plugin
from tensorboard.plugins.graph import graphs_plugin


def main():
    logdir = sys.argv[1]
    multiplexer = plugin_event_multiplexer.EventMultiplexer()
    multiplexer.AddRunsFromDirectory(logdir)
    multiplexer.Reload()
    provider = data_provider.MultiplexerDataProvider(multiplexer, logdir)
    plugin = graphs_plugin.GraphsPlugin(base_plugin.TBContext(data_provider=provider, multiplexer=multiplexer, logdir=logdir))
    ctx = context.RequestContext()
    out = {}
    for run, info in plugin.info_impl(ctx, "").items():
        entry = out.setdefault(run, {"conceptual": {}, "stats": {}})
        for tag, flags in info["tags"].items():
            if flags.get("conceptual_graph"):
                pbtxt, _ = plugin.graph_impl(ctx, run, tag, True, "")
                graph = text_format.Parse(pbtxt, graph_pb2.GraphDef())
                entry["conceptual"][tag] = [
                    {"name": node.name, "class": node.attr["keras_class"].s.decode(), "inputs": list(node.input)}
                    for node in graph.node]
            if flags.get("profile"):
                pbtxt, _ = plugin.run_metadata_impl(ctx, "", run, tag)
                metadata = text_format.Parse(pbtxt, config_pb2.RunMetadata())
                nodes = {}
                for device in metadata.step_stats.dev_stats:
                    for stats in device.node_stats:
                        node = nodes.setdefault(stats.node_name, {"bytes": 0, "start": None, "end": None})
                        node["bytes"] += sum(m.total_bytes for m in stats.memory if m.total_bytes > 0)
                        if stats.all_end_rel_micros > 0:
                            start = stats.all_start_micros
                            end = start + stats.all_end_rel_micros
                            node["start"] = start if node["start"] is None else min(node["start"], start)
                            node["end"] = end if node["end"] is None else max(node["end"], end)
                entry["stats"][tag] = {
                    name: {"computeMicros": None if n["start"] is None else n["end"] - n["start"], "memoryBytes": n["bytes"],
                           "start": n["start"], "end": n["end"]}
                    for name, n in nodes.items()}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
