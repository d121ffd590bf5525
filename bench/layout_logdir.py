#!/usr/bin/env python3
"""Writes a board benchmark logdir in the event layout of another writer, with that writer's own
protobuf classes (not Lumen's writer), for bench/board_bench.py --layouts:

  tf2            TensorFlow 2's tf.summary.scalar: one event per scalar; its value a DT_FLOAT tensor of
                 shape [] in tensor_content, with metadata naming the scalars plugin (data_class
                 DATA_CLASS_SCALAR) on every event; histograms as the histograms plugin's [k, 3]
                 DT_DOUBLE tensors.
  tf2-float-val  the same with the number in float_val (as TensorBoard's own summary API and
                 PyTorch's new_style=True write it).
  tf1            TensorFlow 1's merged summaries (tf.compat.v1.summary.merge_all): one event per step
                 holding every tag's simple_value; legacy HistogramProto histograms.
  pytorch        torch.utils.tensorboard's SummaryWriter.add_scalar: one event per scalar, its Summary
                 built by torch.utils.tensorboard.summary.scalar (simple_value); legacy histograms.
  tensorboardx   tensorboardX's add_scalar: the Summary built by tensorboardX.summary.scalar, its
                 Event by tensorboardX's own protobuf classes; legacy histograms.

Messages come from TensorBoard's copy of TensorFlow's protos (tensorboard.compat.proto), except the
pytorch and tensorboardx layouts, whose Summaries the libraries build themselves (one per tag, then
its number set per point on that message). Records are framed as TFRecords (masked CRC-32C, from
google-crc32c). Same shape of data as Lumen's board-bench-logdir: RUNS runs (run00, ...), TAGS tags
(scalar/0, ...), STEPS steps at about 20 ms a step with up to 1 ms of jitter, float32 values with
noise, a 30-bucket histogram of 1,000 normal samples every HISTOGRAM_EVERY steps.

  layout_logdir.py DIRECTORY --layout tf2 [--runs 20 --tags 10 --steps 50000 --histogram-every 500]
"""

import argparse
import os
import struct
import sys

import google_crc32c
import numpy as np
from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2

LAYOUTS = ["tf2", "tf2-float-val", "tf1", "pytorch", "tensorboardx"]


def masked_crc(data):
    crc = google_crc32c.value(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


class RecordFile:
    def __init__(self, path):
        self.file = open(path, "wb")
        self.records = 0

    def write(self, data):
        header = struct.pack("<Q", len(data))
        self.file.write(header + struct.pack("<I", masked_crc(header)) + data + struct.pack("<I", masked_crc(data)))
        self.records += 1

    def close(self):
        self.file.close()


def scalars_metadata():
    return summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars"),
        data_class=summary_pb2.DATA_CLASS_SCALAR)


def tf2_value(tag, float_val):
    tensor = tensor_pb2.TensorProto(dtype=types_pb2.DT_FLOAT, tensor_shape=tensor_shape_pb2.TensorShapeProto())
    if float_val:
        tensor.float_val.append(0.0)
    else:
        tensor.tensor_content = struct.pack("<f", 0.0)
    return summary_pb2.Summary.Value(tag=tag, tensor=tensor, metadata=scalars_metadata())


def histogram_tensor_value(samples):
    counts, edges = np.histogram(samples, bins=30)
    buckets = np.stack([edges[:-1], edges[1:], counts.astype(np.float64)], axis=1)
    tensor = tensor_pb2.TensorProto(
        dtype=types_pb2.DT_DOUBLE,
        tensor_shape=tensor_shape_pb2.TensorShapeProto(dim=[
            tensor_shape_pb2.TensorShapeProto.Dim(size=30), tensor_shape_pb2.TensorShapeProto.Dim(size=3)]),
        tensor_content=buckets.astype("<f8").tobytes())
    metadata = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="histograms"),
        data_class=summary_pb2.DATA_CLASS_TENSOR)
    return summary_pb2.Summary.Value(tag="weights", tensor=tensor, metadata=metadata)


def histogram_proto_value(samples):
    counts, edges = np.histogram(samples, bins=30)
    histo = summary_pb2.HistogramProto(
        min=float(samples.min()), max=float(samples.max()), num=float(samples.size), sum=float(samples.sum()),
        sum_squares=float(np.dot(samples, samples)), bucket_limit=edges[1:].tolist(), bucket=counts.tolist())
    return summary_pb2.Summary.Value(tag="weights", histo=histo)


def library_scalar_summary(layout, tag):
    """The Summary the library itself builds for one scalar (its number set per point later)."""
    if layout == "pytorch":
        try:
            from torch.utils.tensorboard import summary as torch_summary
        except ImportError:
            sys.exit("layout_logdir: the pytorch layout needs torch (scripts/setup installs it)")
        return torch_summary.scalar(tag, 0.0)
    from tensorboardX import summary as tbx_summary
    return tbx_summary.scalar(tag, 0.0)


def event_class(layout):
    if layout == "tensorboardx":
        from tensorboardX.proto import event_pb2 as tbx_event_pb2
        return tbx_event_pb2.Event
    if layout == "pytorch":
        from tensorboard.compat.proto import event_pb2 as torch_event_pb2  # what torch.utils.tensorboard imports
        return torch_event_pb2.Event
    return event_pb2.Event


def write_run(path, layout, run, args):
    rng = np.random.default_rng(run + 1)
    start = 1_700_000_000.0 + run * 3600
    steps = np.arange(args.steps)
    wall_times = start + steps * 0.02 + rng.random(args.steps) * 0.001
    values = np.empty((args.steps, args.tags), dtype=np.float32)
    for t in range(args.tags):
        decay = np.exp(-steps / (5_000 * (t + 1)))
        values[:, t] = (decay + 0.05 * rng.standard_normal(args.steps) + t).astype(np.float32)
    values = values.astype(np.float64)  # each exactly its float32
    tags = [f"scalar/{t}" for t in range(args.tags)]
    Event = event_class(layout)
    suffix = ".v2" if layout.startswith("tf2") else ""
    os.makedirs(path, exist_ok=True)
    out = RecordFile(os.path.join(path, f"events.out.tfevents.{int(start)}.bench.{run}{suffix}"))
    out.write(Event(wall_time=start, file_version="brain.Event:2").SerializeToString())

    # One Event per tag (one in all for tf1), built once; each point sets its numbers on it.
    if layout in ("tf2", "tf2-float-val"):
        events = [Event(summary=summary_pb2.Summary(value=[tf2_value(tag, layout == "tf2-float-val")])) for tag in tags]
        tensors = [e.summary.value[0].tensor for e in events]
        if layout == "tf2":
            def set_value(t, v):
                tensors[t].tensor_content = struct.pack("<f", v)
        else:
            def set_value(t, v):
                tensors[t].float_val[0] = v
    elif layout == "tf1":
        events = [Event(summary=summary_pb2.Summary(
            value=[summary_pb2.Summary.Value(tag=tag, simple_value=0.0) for tag in tags]))]
    else:
        events = [Event(summary=library_scalar_summary(layout, tag)) for tag in tags]
        values_of = [e.summary.value[0] for e in events]

        def set_value(t, v):
            values_of[t].simple_value = v

    for step in range(args.steps):
        wall_time = float(wall_times[step])
        row = values[step].tolist()
        if layout == "tf1":
            event = events[0]
            for t in range(args.tags):
                event.summary.value[t].simple_value = row[t]
            event.wall_time = wall_time
            event.step = step
            out.write(event.SerializeToString())
        else:
            for t in range(args.tags):
                set_value(t, row[t])
                event = events[t]
                event.wall_time = wall_time
                event.step = step
                out.write(event.SerializeToString())
        if args.histogram_every > 0 and step % args.histogram_every == 0:
            samples = rng.standard_normal(1000) * (1 + step / args.steps)
            value = histogram_tensor_value(samples) if layout.startswith("tf2") else histogram_proto_value(samples)
            histogram_event = event_pb2.Event(wall_time=wall_time, step=step)
            histogram_event.summary.value.append(value)
            out.write(histogram_event.SerializeToString())
    out.close()
    return out.records


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory")
    parser.add_argument("--layout", choices=LAYOUTS, required=True)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--tags", type=int, default=10)
    parser.add_argument("--steps", type=int, default=50_000)
    parser.add_argument("--histogram-every", type=int, default=500)
    args = parser.parse_args()
    records = sum(write_run(os.path.join(args.directory, f"run{run:02d}"), args.layout, run, args)
                  for run in range(args.runs))
    print(f"{args.layout}: {args.runs} runs, {records} records")


if __name__ == "__main__":
    main()
