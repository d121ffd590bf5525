#!/usr/bin/env python3
"""Reads a run directory with TensorBoard's own loader and prints what it found as JSON.

Used by Tests/LumenTests/SummaryWriterTests.swift to check that event files written by Lumen's
SummaryWriter (with compression: .none) are read by stock TensorBoard: every tag, step and value,
histograms bucket for bucket, images decoded with Pillow, text, hparams parsed with the hparams
plugin's own protos, and the graph.

    .venv/bin/python scripts/read_events_with_tensorboard.py RUN_DIR

Floats are printed as strings (Python's repr, which round-trips exactly), since not every JSON
parser reads doubles exactly. Exits 3 (printing the reason) when tensorboard or Pillow can't be imported.
"""
import glob
import io
import json
import os
import sys

try:
    from tensorboard.backend.event_processing import event_accumulator, event_file_loader
    from tensorboard.plugins.hparams import plugin_data_pb2
    from google.protobuf import json_format
    from PIL import Image
except ImportError as error:  # pragma: no cover
    print(f"missing module: {error}")
    sys.exit(3)


def F(value):
    """A float as the string that reads back as exactly that double."""
    return repr(float(value))


def main(run_dir):
    acc = event_accumulator.EventAccumulator(
        run_dir,
        size_guidance={
            event_accumulator.COMPRESSED_HISTOGRAMS: 0,
            event_accumulator.IMAGES: 0,
            event_accumulator.AUDIO: 0,
            event_accumulator.SCALARS: 0,
            event_accumulator.HISTOGRAMS: 0,
            event_accumulator.TENSORS: 0,
        },
    )
    acc.Reload()
    tags = acc.Tags()
    out = {"scalars": {}, "histograms": {}, "images": {}, "tensors": {}, "hparams": {}, "graph": None, "file_versions": []}
    for tag in tags["scalars"]:
        out["scalars"][tag] = [[e.step, F(e.value), F(e.wall_time)] for e in acc.Scalars(tag)]
    for tag in tags["histograms"]:
        out["histograms"][tag] = [
            {
                "step": e.step,
                "min": F(e.histogram_value.min),
                "max": F(e.histogram_value.max),
                "num": F(e.histogram_value.num),
                "sum": F(e.histogram_value.sum),
                "sum_squares": F(e.histogram_value.sum_squares),
                "bucket_limit": [F(x) for x in e.histogram_value.bucket_limit],
                "bucket": [F(x) for x in e.histogram_value.bucket],
            }
            for e in acc.Histograms(tag)
        ]
    for tag in tags["images"]:
        images = []
        for e in acc.Images(tag):
            image = Image.open(io.BytesIO(e.encoded_image_string))
            image.load()
            images.append({
                "step": e.step, "width": e.width, "height": e.height,
                "format": image.format, "mode": image.mode, "size": list(image.size),
                "pixels": list(image.tobytes()),
            })
        out["images"][tag] = images
    for tag in tags["tensors"]:
        out["tensors"][tag] = [
            {
                "step": e.step,
                "dtype": e.tensor_proto.dtype,
                "strings": [s.decode("utf-8") for s in e.tensor_proto.string_val],
                "plugin": acc.SummaryMetadata(tag).plugin_data.plugin_name,
            }
            for e in acc.Tensors(tag)
        ]
    try:
        hparams_content = acc.PluginTagToContent("hparams")
    except KeyError:
        hparams_content = {}
    for tag, content in hparams_content.items():
        data = plugin_data_pb2.HParamsPluginData.FromString(content)
        out["hparams"][tag] = json.loads(json.dumps(
            json_format.MessageToDict(data, preserving_proto_field_name=True),
            default=str), parse_float=F)
    if tags.get("graph"):
        graph = acc.Graph()
        out["graph"] = [{"name": n.name, "op": n.op, "input": list(n.input)} for n in graph.node]
    for path in sorted(glob.glob(os.path.join(run_dir, "*tfevents*"))):
        first = next(iter(event_file_loader.EventFileLoader(path).Load()), None)
        out["file_versions"].append(first.file_version if first is not None else None)
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
