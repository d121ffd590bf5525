#!/usr/bin/env python3
"""Prints what TensorBoard itself reads from the event files under LOGDIR, as JSON.

Usage: .venv/bin/python scripts/tensorboard_fixture_values.py LOGDIR

Each directory under LOGDIR that holds an event file is one run, loaded with TensorBoard's own
`EventAccumulator` (size_guidance 0: keep every event). Output, per run (key: the run directory
relative to LOGDIR, "." for LOGDIR itself):

  scalars           {tag: [[step, value], ...]}  legacy simple_value (ea.Scalars) and rank-0
                    tensors of plugin "scalars" (ea.Tensors + make_ndarray)
  histograms        {tag: [[step, min, max, num, sum, sum_squares, bucket_limits, buckets], ...]}
                    legacy HistogramProto (ea.Histograms)
  tensor_histograms {tag: [[step, [[left, right, count], ...]], ...]}  tensors of plugin
                    "histograms" (TF2 tf.summary.histogram)
  images            {tag: [[step, width, height, count], ...]}  legacy Summary.Image (ea.Images,
                    count 1) and string tensors [width, height, png, ...] of plugin "images"
  text              {tag: [[step, [string, ...]], ...]}  string tensors of plugin "text"
  graph_nodes       node names of the run's GraphDef (ea.Graph), or null
  has_meta_graph    whether the run has a MetaGraphDef
  hparams           {tag: {"data": which field of HParamsPluginData is set, "names": hparam
                    names (experiment hparam_infos or session_start_info hparams), sorted}}

Floats are printed as repr strings (exact round trip), so readers need not trust a JSON parser's
number precision.
"""

import json
import os
import sys

from tensorboard.backend.event_processing import event_accumulator as ea_module
from tensorboard.plugins.hparams import plugin_data_pb2
from tensorboard.util import tensor_util


def f(x):
    return repr(float(x))


def load_run(path):
    guidance = {key: 0 for key in ea_module.DEFAULT_SIZE_GUIDANCE}
    ea = ea_module.EventAccumulator(path, size_guidance=guidance)
    ea.Reload()
    tags = ea.Tags()
    run = {
        "scalars": {},
        "histograms": {},
        "tensor_histograms": {},
        "images": {},
        "text": {},
        "graph_nodes": None,
        "has_meta_graph": bool(tags.get("meta_graph")),
        "hparams": {},
    }
    for tag in tags.get("scalars", []):
        run["scalars"][tag] = [[e.step, f(e.value)] for e in ea.Scalars(tag)]
    for tag in tags.get("histograms", []):
        run["histograms"][tag] = [
            [e.step, f(h.min), f(h.max), f(h.num), f(h.sum), f(h.sum_squares),
             [f(x) for x in h.bucket_limit], [f(x) for x in h.bucket]]
            for e in ea.Histograms(tag)
            for h in [e.histogram_value]
        ]
    for tag in tags.get("images", []):
        run["images"][tag] = [[e.step, e.width, e.height, 1] for e in ea.Images(tag)]
    for tag in tags.get("tensors", []):
        plugin = ea.SummaryMetadata(tag).plugin_data.plugin_name
        events = ea.Tensors(tag)
        arrays = [(e.step, tensor_util.make_ndarray(e.tensor_proto)) for e in events]
        if plugin == "scalars":
            run["scalars"][tag] = [[step, f(a.item())] for step, a in arrays]
        elif plugin == "histograms":
            run["tensor_histograms"][tag] = [
                [step, [[f(l), f(r), f(c)] for l, r, c in a.reshape(-1, 3)]] for step, a in arrays
            ]
        elif plugin == "images":
            run["images"][tag] = [
                [step, int(a.flat[0]), int(a.flat[1]), a.size - 2] for step, a in arrays
            ]
        elif plugin == "text":
            run["text"][tag] = [
                [step, [s.decode("utf-8") for s in a.reshape(-1)]] for step, a in arrays
            ]
        # Other plugins (hparams: empty tensors, data in metadata) are reported below.
    graph = ea.Graph() if tags.get("graph") else None
    if graph is not None:
        run["graph_nodes"] = [node.name for node in graph.node]
    try:
        hparams_content = ea.PluginTagToContent("hparams")
    except KeyError:  # no summary of this plugin in the run
        hparams_content = {}
    for tag, content in sorted(hparams_content.items()):
        data = plugin_data_pb2.HParamsPluginData.FromString(content)
        which = data.WhichOneof("data")
        if which == "experiment":
            names = [info.name for info in data.experiment.hparam_infos]
        elif which == "session_start_info":
            names = list(data.session_start_info.hparams.keys())
        else:
            names = []
        run["hparams"][tag] = {"data": which, "names": sorted(names)}
    return run


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    logdir = sys.argv[1]
    runs = {}
    for directory, _, files in sorted(os.walk(logdir)):
        if any("tfevents" in name for name in files):
            runs[os.path.relpath(directory, logdir)] = load_run(directory)
    json.dump(runs, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
