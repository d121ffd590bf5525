#!/usr/bin/env python3
"""Prints, as JSON, what the board's API should serve for LOGDIR, computed by TensorBoard itself.

Usage: .venv/bin/python scripts/tensorboard_api_values.py LOGDIR

Each directory under LOGDIR holding an event file is one run (key: its path relative to LOGDIR,
"." for LOGDIR), loaded with TensorBoard's `EventAccumulator` keeping every event. Per run:

  scalars     {tag: [[wall_time, step, value], ...]}  (legacy simple_value and "scalars" tensors)
  histograms  {tag: [[wall_time, step, [[left, right, count], ...], [9 percentiles]], ...]}:
              legacy histograms migrated by TensorBoard's `data_compat.migrate_value`, tensor
              histograms as written; percentiles by the distributions plugin's
              `compressor.compress_histogram` at its nine basis points
  images      {tag: [[wall_time, step, width, height, the PNG in base64], ...]}, one per image
  text        {tag: [[wall_time, step, [string, ...]], ...]}
  hparams     the session_start_info hparams {name: value}, or null
  graph       whether the run has a GraphDef

Floats are repr strings, so readers don't depend on a JSON parser's rounding.
"""

import base64
import json
import os
import sys

from tensorboard import data_compat
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.compat.proto import summary_pb2
from tensorboard.plugins.distribution import compressor
from tensorboard.plugins.hparams import plugin_data_pb2
from tensorboard.util import tensor_util


def r(x):
    return repr(float(x))


def buckets_and_percentiles(buckets):
    """The [left, right, count] rows and the nine percentiles TensorBoard draws."""
    rows = [[r(left), r(right), r(count)] for left, right, count in buckets.reshape(-1, 3)]
    percentiles = [r(value) for _, value in compressor.compress_histogram(buckets.reshape(-1, 3))]
    return rows, percentiles


def load(path):
    accumulator = event_accumulator.EventAccumulator(
        path, size_guidance={key: 0 for key in event_accumulator.DEFAULT_SIZE_GUIDANCE})
    accumulator.Reload()
    tags = accumulator.Tags()
    run = {"scalars": {}, "histograms": {}, "images": {}, "text": {}, "hparams": None,
           "graph": bool(tags.get("graph"))}
    for tag in tags.get("scalars", []):
        run["scalars"][tag] = [[r(e.wall_time), e.step, r(e.value)] for e in accumulator.Scalars(tag)]
    for tag in tags.get("histograms", []):
        rows = []
        for e in accumulator.Histograms(tag):
            h = e.histogram_value
            value = summary_pb2.Summary.Value(tag=tag, histo=summary_pb2.HistogramProto(
                min=h.min, max=h.max, num=h.num, sum=h.sum, sum_squares=h.sum_squares,
                bucket_limit=h.bucket_limit, bucket=h.bucket))
            buckets = tensor_util.make_ndarray(data_compat.migrate_value(value).tensor)
            rows.append([r(e.wall_time), e.step, *buckets_and_percentiles(buckets)])
        run["histograms"][tag] = rows
    for tag in tags.get("images", []):
        run["images"][tag] = [[r(e.wall_time), e.step, e.width, e.height,
                               base64.b64encode(e.encoded_image_string).decode()]
                              for e in accumulator.Images(tag)]
    for tag in tags.get("tensors", []):
        plugin = accumulator.SummaryMetadata(tag).plugin_data.plugin_name
        for e in accumulator.Tensors(tag):
            array = tensor_util.make_ndarray(e.tensor_proto)
            if plugin == "scalars":
                run["scalars"].setdefault(tag, []).append([r(e.wall_time), e.step, r(array.item())])
            elif plugin == "histograms":
                run["histograms"].setdefault(tag, []).append([r(e.wall_time), e.step, *buckets_and_percentiles(array)])
            elif plugin == "images":
                width, height = int(array.flat[0]), int(array.flat[1])
                for png in array.flat[2:]:
                    run["images"].setdefault(tag, []).append(
                        [r(e.wall_time), e.step, width, height, base64.b64encode(png).decode()])
            elif plugin == "text":
                run["text"].setdefault(tag, []).append(
                    [r(e.wall_time), e.step, [s.decode("utf-8") for s in array.reshape(-1)]])
    try:
        contents = accumulator.PluginTagToContent("hparams")
    except KeyError:
        contents = {}
    for content in contents.values():
        data = plugin_data_pb2.HParamsPluginData.FromString(content)
        if data.WhichOneof("data") == "session_start_info":
            values = {}
            for name, value in data.session_start_info.hparams.items():
                kind = value.WhichOneof("kind")
                values[name] = r(value.number_value) if kind == "number_value" else getattr(value, kind)
            run["hparams"] = values
    return run


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    runs = {}
    for directory, _, files in sorted(os.walk(sys.argv[1])):
        if any("tfevents" in name for name in files):
            runs[os.path.relpath(directory, sys.argv[1])] = load(directory)
    json.dump(runs, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
