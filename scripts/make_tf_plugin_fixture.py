#!/usr/bin/env python3
"""Writes fixtures/plugins/tensorflow/: TensorFlow 2's tensor-form summaries with plugin metadata
for the PR curve, audio and custom-scalars plugins. Needs TensorFlow (the `.venv-tf` environment).

Usage: .venv-tf/bin/python scripts/make_tf_plugin_fixture.py [OUTDIR]   (default: fixtures/plugins/tensorflow)

One run: tf.summary.audio "speech" (steps 0-1, two stereo clips per step, 8 kHz, encoded by
tf.audio.encode_wav); TensorBoard's pr_curve summary (`pr_curve.summary.pb`, tag "pr/pr_curves",
steps 0-2, 21 thresholds) and custom_scalar layout (`custom_scalar.summary.pb`), each written with
tf.summary.experimental.write_raw_pb; tf.summary.scalar "loss" steps 0-2.
"""
import os
import shutil
import sys

import numpy as np
import tensorflow as tf
from tensorboard.plugins.custom_scalar import layout_pb2
from tensorboard.plugins.custom_scalar import summary as custom_scalar_summary
from tensorboard.plugins.pr_curve import summary as pr_curve_summary

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "fixtures", "plugins", "tensorflow")
    shutil.rmtree(out, ignore_errors=True)
    rng = np.random.default_rng(5)
    writer = tf.summary.create_file_writer(out, filename_suffix=".fixture")
    with writer.as_default():
        for step in range(2):
            t = np.arange(600) / 8000.0
            clips = np.stack([np.stack([np.sin(2 * np.pi * f * t), 0.5 * np.cos(2 * np.pi * f * t)], axis=-1)
                              for f in (300 + 100 * step, 500 + 100 * step)]).astype(np.float32)
            tf.summary.audio("speech", clips, 8000, step=step, max_outputs=2)
        for step in range(3):
            labels = rng.integers(0, 2, size=150).astype(bool)
            predictions = np.clip(labels * 0.3 + rng.random(150) * 0.7, 0, 1).astype(np.float32)
            pb = pr_curve_summary.pb("pr", labels, predictions, num_thresholds=21)
            tf.summary.experimental.write_raw_pb(pb.SerializeToString(), step=step)
            tf.summary.scalar("loss", 1.0 / (step + 1), step=step)
        layout = layout_pb2.Layout(category=[layout_pb2.Category(title="tf", chart=[
            layout_pb2.Chart(title="loss", multiline=layout_pb2.MultilineChartContent(tag=["loss"]))])])
        tf.summary.experimental.write_raw_pb(custom_scalar_summary.pb(layout).SerializeToString(), step=0)
    writer.close()
    # The writer's host name in the file name, replaced so the fixture names no machine.
    for index, name in enumerate(sorted(os.listdir(out))):
        parts = name.split(".")
        if name.startswith("events.out.tfevents."):
            os.rename(os.path.join(out, name), os.path.join(out, ".".join(parts[:4] + ["fixture", str(index), "fixture"])))
    print("wrote", out)


if __name__ == "__main__":
    main()
