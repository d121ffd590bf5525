"""Reference values for the board's comparison endpoints, computed with NumPy.

    compare_reference.py write LOGDIR      writes the fixture logdir (TensorBoard's own event writer)
    compare_reference.py reference LOGDIR  prints, as JSON, what /api/scalars (smoothing),
                                           /api/aggregate, /api/hparams?value=... and /api/export
                                           must answer for it

The reference reads the logdir with TensorBoard's EventAccumulator, except the restarted run, taken
as written (TensorBoard's Python accumulator keeps both halves of a restarted file that has a
file_version; the board drops the orphaned points as TensorBoard's Rust loader does), and computes:
- smoothing: TensorBoard's debiased exponential moving average over each full series;
- aggregate: per group, the union of the steps, each run interpolated there with numpy.interp
  (only inside its own steps), nan-mean and population std (or min and max);
- hparams: last / nanmin / nanmax per metric, and each metric at the step where a tag is best;
- export: the long rows and the wide table.
NaNs are written as null.
"""

import json
import math
import os
import re
import sys

import numpy as np
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.plugins.hparams import api_pb2, plugin_data_pb2
from tensorboard.summary.writer.event_file_writer import EventFileWriter

WEIGHTS = [0.0, 0.6, 0.95]
GROUP_QUERIES = [
    {"group": r"(.*)/seed\d+", "tag": "loss", "stat": "mean_std"},
    {"group": r"(.*)/seed\d+", "tag": "loss", "stat": "min_max"},
    {"group": r"(.*)/seed\d+", "tag": "loss", "stat": "mean_std", "start": "20", "end": "200"},
    {"group": r"(.*)/seed\d+", "tag": "loss", "stat": "mean_std", "smoothing": "0.6"},
    {"group": r"seed\d", "tag": "accuracy", "stat": "min_max", "runs": "^lr"},
    {"group": "hparam:optimizer", "tag": "loss", "stat": "mean_std"},
    {"group": "hparam:lr", "tag": "accuracy", "stat": "min_max"},
]
VALUE_MODES = ["last", "min", "max", "at_best:loss:min", "at_best:accuracy:max"]
EXPORT_QUERIES = [
    {"runs": "^lr0.1/", "tags": "^(loss|accuracy)$", "format": "long"},
    {"runs": "^lr0.1/", "tags": "^(loss|accuracy)$", "format": "long", "smoothing": "0.6"},
    {"runs": "seed[01]$", "tags": "^loss$", "format": "wide"},
    {"runs": "seed[01]$", "tags": "^loss$", "format": "wide", "smoothing": "0.95"},
    # the long run: enough rows for the stream to write a piece on two threads
    {"runs": "^(long|lr0.1/seed1)$", "tags": "^loss$", "format": "long", "smoothing": "0.9"},
    {"runs": "^(long|lr0.1/seed1)$", "tags": "^loss$", "format": "wide", "smoothing": "0.9"},
]


class Writer:
    def __init__(self, logdir, name):
        path = os.path.join(logdir, name)
        os.makedirs(path, exist_ok=True)
        self.writer = EventFileWriter(path, max_queue_size=1_000_000, flush_secs=3600)

    def scalar(self, tag, step, value, wall):
        self.writer.add_event(event_pb2.Event(wall_time=wall, step=step, summary=summary_pb2.Summary(
            value=[summary_pb2.Summary.Value(tag=tag, simple_value=float(value))])))

    def hparams(self, hparams, metrics):
        def value(tag, data):
            metadata = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(
                plugin_name="hparams", content=data.SerializeToString()))
            return summary_pb2.Summary.Value(tag=tag, metadata=metadata)

        experiment = plugin_data_pb2.HParamsPluginData(version=0, experiment=api_pb2.Experiment(
            hparam_infos=[api_pb2.HParamInfo(name=k) for k in hparams],
            metric_infos=[api_pb2.MetricInfo(name=api_pb2.MetricName(tag=t)) for t in metrics]))
        start = plugin_data_pb2.HParamsPluginData(version=0, session_start_info=plugin_data_pb2.SessionStartInfo())
        for k, v in hparams.items():
            if isinstance(v, (int, float)):
                start.session_start_info.hparams[k].number_value = v
            else:
                start.session_start_info.hparams[k].string_value = str(v)
        for tag, data in (("_hparams_/experiment", experiment), ("_hparams_/session_start_info", start)):
            self.writer.add_event(event_pb2.Event(wall_time=1.7e9, step=0, summary=summary_pb2.Summary(value=[value(tag, data)])))

    def close(self):
        self.writer.close()


def write(logdir):
    """Six seeded runs in two learning-rate groups with different step grids, a run that restarts,
    and a long run."""
    rng = np.random.default_rng(18)
    grids = [np.arange(0, 301), np.arange(2, 299, 3), np.arange(5, 251, 2)]
    for lr in (0.1, 0.01):
        for seed, steps in enumerate(grids):
            run = Writer(logdir, f"lr{lr}/seed{seed}")
            run.hparams({"lr": lr, "seed": seed, "optimizer": "adam" if seed < 2 else "sgd"}, ["loss", "accuracy"])
            wall = 1.7e9 + 1000 * seed
            for step in steps:
                loss = 2.0 * math.exp(-step * lr / 20) + rng.normal(0, 0.05)
                if seed == 1 and step == 101:
                    loss = float("nan")
                run.scalar("loss", int(step), loss, wall + step * 0.5)
                run.scalar("accuracy", int(step), 1 - math.exp(-step / 80) * 0.9 + rng.normal(0, 0.01), wall + step * 0.5)
                run.scalar("tokens_seen", int(step), step * 512 * (1 + seed), wall + step * 0.5)
            run.close()
    run = Writer(logdir, "restart")
    for step in range(0, 100):
        run.scalar("loss", step, 1.0 / (1 + step), 1.7e9 + step)
    for step in range(50, 150):  # resumed from the checkpoint at step 50
        run.scalar("loss", step, 0.5 / (1 + step), 1.7e9 + 200 + step)
    run.close()
    run = Writer(logdir, "long")
    values = np.cumsum(rng.normal(0, 1, 20000)) * 0.01 + 3
    values[7777] = np.nan  # inside a compressed chunk: the smoothing passes over it
    for step, value in enumerate(values):
        run.scalar("loss", step * 10, value, 1.7e9 + step)
    run.close()


def read(logdir):
    """run → tag → (steps, wall times, values) as TensorBoard's EventAccumulator keeps them."""
    runs = {}
    for root, _, files in os.walk(logdir):
        if not any("tfevents" in f for f in files):
            continue
        acc = event_accumulator.EventAccumulator(root, size_guidance={event_accumulator.SCALARS: 0})
        acc.Reload()
        name = os.path.relpath(root, logdir)
        if name == "restart":
            # TensorBoard's accumulator keeps both halves of a restarted file that has a file_version
            # (it purges only on SessionLog START); the board drops the orphaned points as its Rust
            # loader does, so this run's reference is what was written (see `reference`).
            continue
        runs[name] = {}
        for tag in acc.Tags()["scalars"]:
            events = acc.Scalars(tag)
            runs[name][tag] = (np.array([e.step for e in events], dtype=np.int64),
                               np.array([e.wall_time for e in events], dtype=np.float64),
                               np.array([e.value for e in events], dtype=np.float64))
        runs[name]["__hparams__"] = read_hparams(root)
    return runs


def read_hparams(run_dir):
    """The run's session_start_info hparams, read from its event files."""
    from tensorboard.backend.event_processing import event_file_loader
    found = {}
    for f in sorted(os.listdir(run_dir)):
        if "tfevents" not in f:
            continue
        for event in event_file_loader.EventFileLoader(os.path.join(run_dir, f)).Load():
            for value in event.summary.value:
                if value.tag == "_hparams_/session_start_info":
                    data = plugin_data_pb2.HParamsPluginData.FromString(value.metadata.plugin_data.content)
                    for k, v in data.session_start_info.hparams.items():
                        kind = v.WhichOneof("kind")
                        found[k] = getattr(v, kind)
    return found


def smooth(values, weight):
    """TensorBoard's debiased EMA (vz_line_chart2's resmoothDataset)."""
    out = values.copy()
    if weight <= 0 or np.all(values == values[0]):
        return out
    last, count = 0.0, 0
    for i, v in enumerate(values):
        if not np.isfinite(v):
            continue
        last = last * weight + (1 - weight) * v
        count += 1
        out[i] = last / (1 - weight ** count)
    return out


def hparam_text(v):
    if isinstance(v, float) and v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(v) if isinstance(v, float) else str(v)


def aggregate(runs, query):
    tag = query["tag"]
    weight = float(query.get("smoothing", 0))
    start = int(query["start"]) if "start" in query else None
    end = int(query["end"]) if "end" in query else None
    members = {}
    for name in sorted(runs):
        if tag not in runs[name]:
            continue
        if "runs" in query and not re.search(query["runs"], name):
            continue
        group = query["group"]
        if group.startswith("hparam:"):
            hp = runs[name]["__hparams__"]
            if group[7:] not in hp:
                continue
            key = hparam_text(hp[group[7:]])
        else:
            m = re.search(group, name)
            key = name if m is None else ((m.group(1) or "") if m.re.groups else m.group(0))
        members.setdefault(key, []).append(name)
    out = []
    for key in sorted(members):
        series = []
        for name in members[key]:
            steps, _, values = runs[name][tag]
            series.append((steps, smooth(values, weight) if weight else values))
        union = np.unique(np.concatenate([s for s, _ in series]))
        if start is not None:
            union = union[union >= start]
        if end is not None:
            union = union[union <= end]
        table = np.full((len(series), len(union)), np.nan)
        for k, (steps, values) in enumerate(series):
            inside = (union >= steps[0]) & (union <= steps[-1])
            table[k, inside] = np.interp(union[inside].astype(np.float64), steps.astype(np.float64), values)
        with np.errstate(all="ignore"):
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                mean = np.nanmean(table, axis=0)
                if query["stat"] == "mean_std":
                    std = np.nanstd(table, axis=0)
                    low, high = mean - std, mean + std
                else:
                    low, high = np.nanmin(table, axis=0), np.nanmax(table, axis=0)
        out.append({"group": key, "runs": members[key],
                    "points": [[int(s), clean(m), clean(lo), clean(hi)] for s, m, lo, hi in zip(union, mean, low, high)]})
    return out


def hparams_values(runs, mode):
    rows = {}
    metrics = ["accuracy", "loss"]
    for name in sorted(runs):
        if not runs[name]["__hparams__"]:
            continue
        row = {}
        best_step = None
        if mode.startswith("at_best:"):
            _, tag, direction = mode.split(":")
            steps, _, values = runs[name][tag]
            index = int(np.nanargmin(values) if direction == "min" else np.nanargmax(values))
            best_step = int(steps[index])
        for metric in metrics:
            steps, _, values = runs[name][metric]
            if mode == "last":
                row[metric] = clean(values[-1])
            elif mode == "min":
                row[metric] = clean(np.nanmin(values))
            elif mode == "max":
                row[metric] = clean(np.nanmax(values))
            else:
                i = int(np.searchsorted(steps, best_step, side="right")) - 1
                row[metric] = clean(values[i])
        rows[name] = {"metrics": row, "bestStep": best_step}
    return rows


def export(runs, query):
    weight = float(query["smoothing"]) if "smoothing" in query else None
    columns = []
    for name in sorted(runs):
        if not re.search(query["runs"], name):
            continue
        for tag in sorted(t for t in runs[name] if t != "__hparams__"):
            if re.search(query["tags"], tag):
                steps, walls, values = runs[name][tag]
                smoothed = smooth(values, weight) if weight is not None else None
                columns.append((name, tag, steps, walls, values, smoothed))
    if query["format"] == "long":
        header = ["run", "tag", "step", "wall_time", "value", "smoothed"]
        rows = []
        for name, tag, steps, walls, values, smoothed in columns:
            for i in range(len(steps)):
                rows.append([name, tag, int(steps[i]), float(walls[i]), clean(values[i]),
                             None if smoothed is None else clean(smoothed[i])])
        return {"header": header, "rows": rows}
    header = ["step"]
    for name, tag, *_ in columns:
        header.append(f"{name}/{tag}")
        if weight is not None:
            header.append(f"{name}/{tag}:smoothed")
    union = np.unique(np.concatenate([c[2] for c in columns]))
    rows = []
    for step in union:
        row = [int(step)]
        for name, tag, steps, walls, values, smoothed in columns:
            i = int(np.searchsorted(steps, step))
            hit = i < len(steps) and steps[i] == step
            row.append(clean(values[i]) if hit else "")
            if weight is not None:
                row.append(clean(smoothed[i]) if hit else "")
        rows.append(row)
    return {"header": header, "rows": rows}


def clean(x):
    x = float(x)
    return None if math.isnan(x) else x


def restart_points():
    """The restarted run as the board keeps it: steps 0-49 of the first pass, then the second pass."""
    first = [(1.7e9 + s, s, float(np.float32(1.0 / (1 + s)))) for s in range(0, 100)]
    second = [(1.7e9 + 200 + s, s, float(np.float32(0.5 / (1 + s)))) for s in range(50, 150)]
    return first[:50], first[50:], second


def reference(logdir):
    runs = read(logdir)
    kept_first, purged, second = restart_points()
    kept = kept_first + second
    runs["restart"] = {
        "loss": (np.array([p[1] for p in kept], dtype=np.int64), np.array([p[0] for p in kept]), np.array([p[2] for p in kept])),
        "__hparams__": {},
    }
    smoothing = {}
    for name in sorted(runs):
        for tag in sorted(t for t in runs[name] if t != "__hparams__"):
            steps, _, values = runs[name][tag]
            smoothing.setdefault(name, {})[tag] = {
                "steps": [int(s) for s in steps],
                "values": [clean(v) for v in values],
                "smoothed": {str(w): [clean(v) for v in smooth(values, w)] for w in WEIGHTS},
            }
    return {
        "smoothing": smoothing,
        "aggregate": [{"query": q, "answer": aggregate(runs, q)} for q in GROUP_QUERIES],
        "hparams": {mode: hparams_values(runs, mode) for mode in VALUE_MODES},
        "export": [{"query": q, "answer": export(runs, q)} for q in EXPORT_QUERIES],
        "restart": {"step": 50, "purged": [list(p) for p in purged], "kept": [list(p) for p in kept]},
    }


if __name__ == "__main__":
    command, logdir = sys.argv[1], sys.argv[2]
    if command == "write":
        write(logdir)
    else:
        json.dump(reference(logdir), sys.stdout)
