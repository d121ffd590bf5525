"""Logdirs for the browser tests, written with TensorBoard's own pure-Python event writer
(tensorboard.summary.writer.event_file_writer) and TensorBoard's protos, so the board is tested on
files it did not write itself."""

import io
import json
import os
import time
import wave

import numpy as np
from PIL import Image
from tensorboard.compat.proto import (attr_value_pb2, config_pb2, event_pb2, graph_pb2, node_def_pb2, step_stats_pb2,
                                      summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2)
from tensorboard.plugins.audio import metadata as audio_metadata
from tensorboard.plugins.custom_scalar import layout_pb2
from tensorboard.plugins.custom_scalar import metadata as custom_scalar_metadata
from tensorboard.plugins.hparams import api_pb2, plugin_data_pb2
from tensorboard.plugins.pr_curve import metadata as pr_curve_metadata
from tensorboard.util import tensor_util
from tensorboard.summary.writer.event_file_writer import EventFileWriter

HOSTILE_TAG = "<img src=x onerror=alert(1)>"
HOSTILE_TEXT = """# Notes with markup that must stay text

<script>window.__lumenPwned = 'script'</script>

<img src=x onerror="window.__lumenPwned='img'">

A [bad link](javascript:window.__lumenPwned='link') and a [good link](https://example.com/docs).

| metric | value |
| --- | ---: |
| loss | **0.25** |
| acc | `0.91` |

```python
print("<b>not bold</b>")
```
"""


class Run:
    """An open event file in `logdir/name`."""

    def __init__(self, logdir, name):
        self.path = os.path.join(logdir, name)
        os.makedirs(self.path, exist_ok=True)
        self.writer = EventFileWriter(self.path, max_queue_size=100000, flush_secs=3600)
        self.wall = 1_700_000_000.0

    def event(self, step, **fields):
        self.writer.add_event(event_pb2.Event(wall_time=self.wall + step, step=step, **fields))

    def summary(self, step, value):
        self.event(step, summary=summary_pb2.Summary(value=[value]))

    def scalar(self, tag, step, value):
        self.summary(step, summary_pb2.Summary.Value(tag=tag, simple_value=float(value)))

    def histogram(self, tag, step, values, bins=30):
        counts, edges = np.histogram(values, bins=bins)
        proto = summary_pb2.HistogramProto(
            min=float(values.min()), max=float(values.max()), num=float(values.size),
            sum=float(values.sum()), sum_squares=float((values ** 2).sum()),
            bucket_limit=[float(e) for e in edges[1:]], bucket=[float(c) for c in counts])
        self.summary(step, summary_pb2.Summary.Value(tag=tag, histo=proto))

    def image(self, tag, step, pixels):
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, format="PNG")
        height, width = pixels.shape[:2]
        colorspace = 3 if pixels.ndim == 3 else 1
        proto = summary_pb2.Summary.Image(height=height, width=width, colorspace=colorspace,
                                          encoded_image_string=buffer.getvalue())
        self.summary(step, summary_pb2.Summary.Value(tag=tag, image=proto))

    def text(self, tag, step, text):
        metadata = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="text"))
        tensor = tensor_pb2.TensorProto(dtype=types_pb2.DT_STRING, string_val=[text.encode()],
                                        tensor_shape=tensor_shape_pb2.TensorShapeProto())
        self.summary(step, summary_pb2.Summary.Value(tag=tag, metadata=metadata, tensor=tensor))

    def hparams(self, hparams, metric_tags):
        def value(tag, data):
            metadata = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(
                plugin_name="hparams", content=data.SerializeToString()))
            return summary_pb2.Summary.Value(tag=tag, metadata=metadata)

        experiment = plugin_data_pb2.HParamsPluginData(version=0, experiment=api_pb2.Experiment(
            hparam_infos=[api_pb2.HParamInfo(name=k) for k in hparams],
            metric_infos=[api_pb2.MetricInfo(name=api_pb2.MetricName(tag=t)) for t in metric_tags]))
        start = plugin_data_pb2.HParamsPluginData(version=0, session_start_info=plugin_data_pb2.SessionStartInfo())
        for k, v in hparams.items():
            if isinstance(v, bool):
                start.session_start_info.hparams[k].bool_value = v
            elif isinstance(v, (int, float)):
                start.session_start_info.hparams[k].number_value = v
            else:
                start.session_start_info.hparams[k].string_value = str(v)
        self.summary(0, value("_hparams_/experiment", experiment))
        self.summary(0, value("_hparams_/session_start_info", start))

    def pr_curve(self, tag, step, labels, predictions, num_thresholds=11):
        """The pr_curves plugin's [6, num_thresholds] tensor (TP, FP, TN, FN, precision, recall), computed
        as TensorBoard's pr_curve summary computes it from labels and predictions."""
        buckets = np.int32(np.floor(predictions * (num_thresholds - 1)))
        labels = labels.astype(float)
        tp_buckets, _ = np.histogram(buckets, bins=num_thresholds, range=(0, num_thresholds - 1), weights=labels)
        fp_buckets, _ = np.histogram(buckets, bins=num_thresholds, range=(0, num_thresholds - 1), weights=1.0 - labels)
        tp = np.cumsum(tp_buckets[::-1])[::-1]
        fp = np.cumsum(fp_buckets[::-1])[::-1]
        tn, fn = fp[0] - fp, tp[0] - tp
        precision = tp / np.maximum(1e-7, tp + fp)
        recall = tp / np.maximum(1e-7, tp + fn)
        data = np.float32(np.stack((tp, fp, tn, fn, precision, recall)))
        metadata = pr_curve_metadata.create_summary_metadata(display_name=tag, description="", num_thresholds=num_thresholds)
        self.summary(step, summary_pb2.Summary.Value(tag=tag, metadata=metadata, tensor=tensor_util.make_tensor_proto(data)))

    def audio(self, tag, step, samples, sample_rate, label=""):
        """One clip (float samples in [-1, 1], shape [frames] or [frames, channels]) as 16-bit PCM WAV in the
        audio plugin's [k, 2] string tensor (clip, label)."""
        samples = samples.reshape(len(samples), -1)
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as out:
            out.setnchannels(samples.shape[1])
            out.setsampwidth(2)
            out.setframerate(sample_rate)
            out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
        metadata = audio_metadata.create_summary_metadata(display_name=tag, description="",
                                                          encoding=audio_metadata.Encoding.Value("WAV"))
        tensor = tensor_util.make_tensor_proto(np.array([[buffer.getvalue(), label.encode()]], dtype=object))
        self.summary(step, summary_pb2.Summary.Value(tag=tag, metadata=metadata, tensor=tensor))
        return buffer.getvalue()

    def unknown_plugin(self, tag, step, plugin):
        """A tensor summary of a plugin no dashboard knows (the board counts it as ignored)."""
        metadata = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name=plugin, content=b"x"))
        self.summary(step, summary_pb2.Summary.Value(tag=tag, metadata=metadata, tensor=tensor_util.make_tensor_proto(np.float32([1, 2]))))

    def custom_scalars(self, layout):
        tensor = tensor_util.make_tensor_proto(np.array(layout.SerializeToString(), dtype=object))
        self.summary(0, summary_pb2.Summary.Value(tag=custom_scalar_metadata.CONFIG_SUMMARY_TAG,
                                                  metadata=custom_scalar_metadata.create_summary_metadata(), tensor=tensor))

    def graph(self, graph_def):
        self.event(0, graph_def=graph_def.SerializeToString())

    def run_metadata(self, tag, step, nodes):
        """A RunMetadata with step statistics: `nodes` maps a node name to (device, start µs, duration µs,
        bytes), as TensorFlow's traced session run writes it (an Event's tagged_run_metadata)."""
        devices = {}
        for name, (device, start, duration, size) in nodes.items():
            devices.setdefault(device, []).append(step_stats_pb2.NodeExecStats(
                node_name=name, all_start_micros=start, all_end_rel_micros=duration,
                memory=[step_stats_pb2.AllocatorMemoryUsed(allocator_name="cpu", total_bytes=size)]))
        metadata = config_pb2.RunMetadata(step_stats=step_stats_pb2.StepStats(
            dev_stats=[step_stats_pb2.DeviceStepStats(device=d, node_stats=s) for d, s in devices.items()]))
        self.event(step, tagged_run_metadata=event_pb2.TaggedRunMetadata(tag=tag, run_metadata=metadata.SerializeToString()))

    def keras_model(self, tag, model):
        """The Keras conceptual graph: the model's JSON as a `graph_keras_model` summary (what the Keras
        TensorBoard callback writes)."""
        metadata = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(
            plugin_name="graph_keras_model", content=b"1"))
        tensor = tensor_util.make_tensor_proto(np.array(json.dumps(model).encode(), dtype=object))
        self.summary(0, summary_pb2.Summary.Value(tag=tag, metadata=metadata, tensor=tensor))

    def flush(self):
        self.writer.flush()

    def close(self):
        self.writer.close()


def _shape(dims):
    return tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=d) for d in dims])


def node(name, op, inputs=(), shape=None, device="", **attrs):
    n = node_def_pb2.NodeDef(name=name, op=op, input=list(inputs), device=device)
    if shape is not None:
        n.attr["_output_shapes"].CopyFrom(attr_value_pb2.AttrValue(list=attr_value_pb2.AttrValue.ListValue(shape=[_shape(shape)])))
    n.attr["T"].CopyFrom(attr_value_pb2.AttrValue(type=types_pb2.DT_FLOAT))
    for k, v in attrs.items():
        n.attr[k].CopyFrom(attr_value_pb2.AttrValue(b=v) if isinstance(v, bool) else attr_value_pb2.AttrValue(s=str(v).encode()))
    return n


def mlp_graph():
    """A small MLP graph with scopes `input`, `layer1`, `layer2` (holding `layer2/logits`), `loss` and a
    control edge."""
    cpu, gpu = "/device:CPU:0", "/device:GPU:0"
    nodes = [
        node("input/x", "Placeholder", shape=[-1, 64], device=cpu),
        node("input/y", "Placeholder", shape=[-1], device=cpu),
        node("layer1/weights", "VariableV2", shape=[64, 32], device=cpu),
        node("layer1/bias", "VariableV2", shape=[32], device=cpu),
        node("layer1/MatMul", "MatMul", ["input/x", "layer1/weights"], shape=[-1, 32], device=gpu, transpose_a=False),
        node("layer1/add", "AddV2", ["layer1/MatMul", "layer1/bias"], shape=[-1, 32], device=gpu),
        node("layer1/Relu", "Relu", ["layer1/add"], shape=[-1, 32], device=gpu),
        node("layer2/weights", "VariableV2", shape=[32, 10], device=cpu),
        node("layer2/MatMul", "MatMul", ["layer1/Relu", "layer2/weights"], shape=[-1, 10], device=gpu),
        node("layer2/logits/BiasAdd", "BiasAdd", ["layer2/MatMul", "layer1/bias"], shape=[-1, 10], device=gpu),
        node("loss/xent", "SparseSoftmaxCrossEntropyWithLogits", ["layer2/logits/BiasAdd", "input/y"], shape=[-1], device=gpu),
        node("loss/Mean", "Mean", ["loss/xent", "^layer1/Relu"], shape=[], device=gpu),
    ]
    return graph_pb2.GraphDef(node=nodes)


def big_graph(ops=5000, scopes=50):
    """A chain-of-blocks graph with `ops` ops spread over `scopes` nested scopes."""
    nodes = [node("input", "Placeholder", shape=[-1, 128])]
    previous = "input"
    per = max(1, (ops - 1) // scopes)
    count = 1
    for s in range(scopes):
        for i in range(per):
            if count >= ops:
                break
            name = f"block{s}/sub{i % 5}/op{i}"
            op = ("MatMul", "AddV2", "Relu", "Mul", "Tanh")[i % 5]
            nodes.append(node(name, op, [previous], shape=[-1, 128]))
            previous = name
            count += 1
    return graph_pb2.GraphDef(node=nodes)


def write_demo(logdir):
    """Three runs with scalars, histograms, images, text (with hostile markup), hparams and a graph;
    returns the open `Run`s so a test can append to them."""
    rng = np.random.default_rng(7)
    runs = {name: Run(logdir, name) for name in ("train/adam", "train/sgd", "eval")}
    for r, (name, run) in enumerate(runs.items()):
        for step in range(0, 200):
            noise = rng.normal(0, 0.05)
            run.scalar("loss", step, 2.0 * np.exp(-step / (60 + 20 * r)) + 0.1 + noise)
            run.scalar("metrics/accuracy", step, 1 - np.exp(-step / (50 + 10 * r)) * 0.9 + noise / 5)
            run.scalar(HOSTILE_TAG, step, step * 0.01 + r)
            run.scalar("metrics/spiky", step, 1000.0 if step == 100 else 1.0 + 0.001 * step + noise / 10)
        for step in range(0, 200, 20):
            run.histogram("weights/layer1", step, rng.normal(step / 100, 1 + step / 200, size=2000))
        for step in range(0, 200, 50):
            pixels = (rng.random((16, 16, 3)) * 255).astype(np.uint8)
            pixels[:, : step // 25 + 1] = [255, 0, 0]
            run.image("samples", step, pixels)
        run.text("notes", 0, HOSTILE_TEXT if name == "train/adam" else f"Run **{name}**: nothing to report.")
        run.hparams({"optimizer": name.split("/")[-1], "lr": 0.1 / (r + 1), "batch": 32 * (r + 1), "nesterov": r == 0},
                    ["loss", "metrics/accuracy"])
        if name != "eval":
            run.graph(mlp_graph())
        run.flush()
    return runs


def write_bench(logdir, runs=20, tags=10, steps=2000):
    """`runs` × `tags` scalar series of `steps` points each (for the speed figures)."""
    rng = np.random.default_rng(1)
    for r in range(runs):
        run = Run(logdir, f"run{r:02d}")
        for t in range(tags):
            values = np.cumsum(rng.normal(0, 1, size=steps)) * 0.01 + np.exp(-np.arange(steps) / (steps / 4))
            for step in range(steps):
                run.scalar(f"group{t % 3}/tag{t}", step, values[step])
        run.close()


def write_big_graph(logdir, ops=5000):
    run = Run(logdir, "big")
    run.graph(big_graph(ops))
    run.scalar("x", 0, 1.0)
    run.close()


# The NaN and infinite points of the `unstable/loss` series written by write_dashboards (step → value).
NON_FINITE = {40: float("nan"), 41: float("nan"), 70: float("inf"), 90: float("-inf")}
# The summaries of a plugin without a dashboard that write_dashboards writes to run `beta`.
UNKNOWN_PLUGIN = "lumen_test_unknown"
# Run `alpha`'s step statistics (RunMetadata tag `step_1`) over mlp_graph's ops: device, start µs,
# duration µs, bytes.
STEP_STATS = {
    "input/x": ("/device:CPU:0", 1000, 5, 256),
    "layer1/MatMul": ("/device:GPU:0", 1010, 800, 8192),
    "layer1/add": ("/device:GPU:0", 1815, 40, 8192),
    "layer1/Relu": ("/device:GPU:0", 1860, 30, 8192),
    "layer2/MatMul": ("/device:GPU:0", 1900, 300, 2560),
    "loss/xent": ("/device:GPU:0", 2210, 120, 1024),
}
# Run `alpha`'s Keras model (Keras 2's model.to_json() form): input → hidden → dropout → logits.
KERAS_MODEL = {
    "class_name": "Functional", "keras_version": "2.15.0", "backend": "tensorflow",
    "config": {
        "name": "mlp",
        "layers": [
            {"class_name": "InputLayer", "name": "pixels", "config": {"name": "pixels", "batch_input_shape": [None, 784]}, "inbound_nodes": []},
            {"class_name": "Dense", "name": "hidden", "config": {"name": "hidden", "units": 64}, "inbound_nodes": [[["pixels", 0, 0, {}]]]},
            {"class_name": "Dropout", "name": "dropout", "config": {"name": "dropout", "rate": 0.2}, "inbound_nodes": [[["hidden", 0, 0, {}]]]},
            {"class_name": "Dense", "name": "logits", "config": {"name": "logits", "units": 10}, "inbound_nodes": [[["dropout", 0, 0, {}]]]},
        ],
        "input_layers": [["pixels", 0, 0]], "output_layers": [["logits", 0, 0]],
    },
}


def write_dashboards(logdir):
    """Four runs for the PR curves, audio, custom scalars and hparams plots: PR curves at three steps,
    audio clips (a mono tone and a stereo chirp), a custom-scalars layout (a multiline chart by regex and
    a margin chart), a series with NaN and infinite points, and hparams with a numeric and a categorical
    hyperparameter and two metrics, a plugin no dashboard shows, and for run `alpha` an op graph with
    RunMetadata step statistics and a Keras model. Returns the open runs and the
    audio clips written ((run, step) → WAV bytes)."""
    rng = np.random.default_rng(12)
    names = ("alpha", "beta", "gamma", "delta")
    runs = {name: Run(logdir, name) for name in names}
    clips = {}  # (run, step) → the WAV bytes written
    for r, (name, run) in enumerate(runs.items()):
        for step in range(0, 100):
            loss = 1.5 * np.exp(-step / (20 + 10 * r)) + 0.05 * r
            run.scalar("loss/train", step, loss + rng.normal(0, 0.02))
            run.scalar("loss/eval", step, loss + 0.1 + rng.normal(0, 0.02))
            run.scalar("accuracy", step, 1 - loss / 2)
            spread = 0.1 + 0.002 * step
            run.scalar("bounds/mean", step, loss)
            run.scalar("bounds/lower", step, loss - spread)
            run.scalar("bounds/upper", step, loss + spread)
            if name == "alpha":
                run.scalar("unstable/loss", step, NON_FINITE.get(step, 1.0 + 0.01 * step))
        if r < 3:
            for step in (0, 50, 99):
                labels = rng.random(400) < 0.4
                skill = 0.2 + 0.25 * r + step / 300
                predictions = np.clip(np.where(labels, 0.5 + skill / 2, 0.5 - skill / 2) + rng.normal(0, 0.25, 400), 0, 1)
                run.pr_curve("classifier/pr", step, labels, predictions)
        if r < 2:
            for i, step in enumerate((0, 50, 99)):
                t = np.arange(8000 * (1 + i)) / 8000.0
                if name == "alpha":
                    clip = 0.5 * np.sin(2 * np.pi * (220 + 110 * i) * t)
                else:
                    chirp = 0.4 * np.sin(2 * np.pi * (200 + 300 * t) * t)
                    clip = np.stack([chirp, chirp[::-1]], axis=1)
                clips[(name, step)] = run.audio("speech/sample", step, clip, 8000, label=f"clip {i} of {name}")
        if name == "beta":
            for step in range(3):
                run.unknown_plugin("mystery/values", step, UNKNOWN_PLUGIN)
        run.hparams({"lr": [0.1, 0.03, 0.01, 0.003][r], "optimizer": ["adam", "sgd", "adam", "sgd"][r], "layers": 2 + r % 2},
                    ["loss/train", "accuracy"])
        run.flush()
    layout = layout_pb2.Layout(category=[
        layout_pb2.Category(title="losses", chart=[
            layout_pb2.Chart(title="train and eval", multiline=layout_pb2.MultilineChartContent(tag=[r"loss/.*"])),
            layout_pb2.Chart(title="accuracy", multiline=layout_pb2.MultilineChartContent(tag=["accuracy"])),
        ]),
        layout_pb2.Category(title="bands", chart=[
            layout_pb2.Chart(title="mean with bounds", margin=layout_pb2.MarginChartContent(series=[
                layout_pb2.MarginChartContent.Series(value="bounds/mean", lower="bounds/lower", upper="bounds/upper")])),
        ]),
    ])
    runs["alpha"].custom_scalars(layout)
    runs["alpha"].graph(mlp_graph())
    runs["alpha"].run_metadata("step_1", 1, STEP_STATS)
    runs["alpha"].keras_model("keras", KERAS_MODEL)
    runs["alpha"].flush()
    return runs, clips
def write_compare(logdir):
    """Runs to compare: two learning rates × three seeds with hparams and a `tokens_seen` scalar,
    a run that restarts from step 50, and a 20,000-point run (for zooming)."""
    rng = np.random.default_rng(18)
    for lr in (0.1, 0.01):
        for seed in range(3):
            run = Run(logdir, f"lr{lr}/seed{seed}")
            for step in range(0, 300, 1 + seed):
                run.scalar("loss", step, 2.0 * np.exp(-step * lr / 20) + rng.normal(0, 0.05))
                run.scalar("accuracy", step, 1 - np.exp(-step / 80) * 0.9 + rng.normal(0, 0.01))
                run.scalar("tokens_seen", step, step * 512 * (1 + seed))
            run.hparams({"lr": lr, "seed": seed, "optimizer": "adam" if seed < 2 else "sgd"}, ["loss", "accuracy"])
            run.close()
    run = Run(logdir, "restart")
    for step in range(0, 100):
        run.scalar("loss", step, 1.0 / (1 + step))
    for step in range(50, 150):
        run.scalar("loss", step, 0.5 / (1 + step))
    run.close()
    run = Run(logdir, "long")
    values = np.cumsum(rng.normal(0, 1, 20000)) * 0.01 + 3
    for step, value in enumerate(values):
        run.scalar("loss", step * 10, value)
    run.close()


def write_many_runs(logdir, runs=120, steps=40):
    """`runs` runs of one tag, `level`, run i at the constant value i: a card past 100 runs, whose
    lines the page draws into pixels itself, each at a row of its own."""
    for i in range(runs):
        run = Run(logdir, f"run{i:03d}")
        for step in range(steps):
            run.scalar("level", step, float(i))
        run.close()

