#!/usr/bin/env python3
"""Prints, as JSON, what TensorBoard's own pr_curves, audio and custom_scalars plugins serve for
LOGDIR: the answers of their HTTP routes' implementations, called in-process over TensorBoard's
data provider (the multiplexer TensorBoard's server uses, keeping every value).

Usage: .venv/bin/python scripts/tensorboard_plugin_values.py LOGDIR

Output:
  {"pr_curves": {run: {tag: <pr_curves_impl answer for that run and tag>}},
   "pr_curve_tags": <the pr_curves plugin's /tags answer>,
   "audio": {run: {tag: [[entry of /audio?sample=k, base64 of /individualAudio's bytes], ...]}},
                (every k from 0 until a sample index has no entry)
   "audio_tags": <the audio plugin's /tags answer>,
   "layout": <the custom_scalars plugin's /layout answer>,
   "layout_runs": [runs with a custom_scalars summary],
   "sample_rates": {base64 of a clip: its frame rate as Python's wave module reads it},
   "labels": {base64 of a clip: its label, the second column of a [k, 2] audio tensor},
   "plugins": {run: {plugin: {"tags": [...], "events": distinct (step, wall time) of their values}}}
                for every plugin named by a run's summary metadata}
Floats are kept as JSON numbers (Python's repr, which round-trips), NaN and infinities as the
strings "NaN", "Infinity", "-Infinity".
"""
import base64
import glob
import os
import json
import math
import sys
import urllib.parse
import io
import wave

from tensorboard import context
from tensorboard.backend.event_processing import data_provider, plugin_event_multiplexer
from tensorboard.plugins import base_plugin
from tensorboard.plugins.audio import audio_plugin
from tensorboard.plugins.custom_scalar import custom_scalars_plugin
from tensorboard.plugins.pr_curve import pr_curves_plugin
from tensorboard.backend.event_processing import event_file_loader
from tensorboard.compat.proto import event_pb2


def finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite(v) for v in value]
    return value


def main():
    logdir = sys.argv[1]
    multiplexer = plugin_event_multiplexer.EventMultiplexer(
        size_guidance={"tensors": 0}, tensor_size_guidance={"pr_curves": 0, "audio": 0, "custom_scalars": 0})
    multiplexer.AddRunsFromDirectory(logdir)
    multiplexer.Reload()
    provider = data_provider.MultiplexerDataProvider(multiplexer, logdir)
    hints = {"pr_curves": 10**9, "audio": 10**9}
    tb_context = base_plugin.TBContext(data_provider=provider, multiplexer=multiplexer, logdir=logdir,
                                       sampling_hints=hints)
    ctx = context.RequestContext()
    pr = pr_curves_plugin.PrCurvesPlugin(tb_context)
    audio = audio_plugin.AudioPlugin(tb_context)
    scalars = custom_scalars_plugin.CustomScalarsPlugin(tb_context)

    out = {"pr_curves": {}, "audio": {}, "sample_rates": {}, "labels": {}, "plugins": {}}
    out["pr_curve_tags"] = pr.tags_impl(ctx, "")
    for run, tags in out["pr_curve_tags"].items():
        for tag in tags:
            out["pr_curves"].setdefault(run, {})[tag] = pr.pr_curves_impl(ctx, "", [run], tag)[run]
    out["audio_tags"] = audio._index_impl(ctx, "")
    for run, tags in out["audio_tags"].items():
        for tag in tags:
            entries = []
            sample = 0
            while True:
                try:
                    answer = audio._audio_response_for_run(ctx, "", run, tag, sample)
                except IndexError:
                    # TensorBoard's check is `len(values) < sample`: a step with exactly `sample`
                    # clips fails the request. Every step here has fewer: the last sample was passed.
                    break
                got = []
                for entry in answer:
                    query = urllib.parse.parse_qs(entry["query"])
                    try:
                        blob = provider.read_blob(ctx, blob_key=query["blob_key"][0])
                    except Exception:
                        continue
                    encoded = base64.b64encode(blob).decode()
                    got.append([entry, encoded, sample])
                    try:
                        with wave.open(io.BytesIO(blob)) as clip:
                            out["sample_rates"][encoded] = clip.getframerate()
                    except (wave.Error, EOFError):
                        pass
                if not got:
                    break
                entries += got
                sample += 1
            out["audio"].setdefault(run, {})[tag] = entries
    # TensorBoard's audio route serves every label as "" (its loader keeps only the clips); the
    # labels are the second column of [k, 2] audio tensors in the files themselves.
    for path in glob.glob(os.path.join(logdir, "**", "*tfevents*"), recursive=True):
        for event in event_file_loader.RawEventFileLoader(path).Load():
            for value in event_pb2.Event.FromString(event).summary.value:
                dims = [d.size for d in value.tensor.tensor_shape.dim]
                if value.metadata.plugin_data.plugin_name == "audio" and len(dims) == 2 and dims[1] == 2:
                    strings = value.tensor.string_val
                    for i in range(0, len(strings) - 1, 2):
                        out["labels"][base64.b64encode(strings[i]).decode()] = strings[i + 1].decode("utf-8", "replace")
    layout = scalars.layout_impl(ctx, "")
    out["layout"] = json.loads(layout) if isinstance(layout, str) else layout
    out["layout_runs"] = sorted(provider.list_tensors(ctx, experiment_id="", plugin_name="custom_scalars"))
    for run in multiplexer.Runs():
        accumulator = multiplexer.GetAccumulator(run)
        plugins = {}
        for tag, metadata in accumulator.AllSummaryMetadata().items():
            plugins.setdefault(metadata.plugin_data.plugin_name, set()).add(tag)
        out["plugins"][run] = {}
        for plugin, tags in plugins.items():
            events = set()
            for tag in tags:
                events |= {(e.step, e.wall_time) for e in accumulator.Tensors(tag)}
            out["plugins"][run][plugin] = {"tags": sorted(tags), "events": len(events)}
    print(json.dumps(finite(out)))


if __name__ == "__main__":
    main()
