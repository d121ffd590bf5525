#!/usr/bin/env python3
"""Writes fixtures/projector/tensorflow/: mesh summaries written by TensorBoard's own TensorFlow 2 API
(`tensorboard.plugins.mesh.summary_v2.mesh`), to check that the board reads TensorFlow's meshes as
TensorBoard's mesh plugin does. Needs TensorFlow (the `.venv-tf` environment).

Usage: .venv-tf/bin/python scripts/make_tf_mesh_fixture.py [OUTDIR]   (default: fixtures/projector/tensorflow)

One run: mesh "pyramid" at steps 0 and 1 (5 vertices, 6 triangles, vertex colours, a camera config;
step 1 scaled by 2) and mesh "points" at step 0 (a cloud of 20 coloured points, no faces).
"""
import os
import shutil
import sys

import numpy as np
import tensorflow as tf
from tensorboard.plugins.mesh import summary_v2 as mesh_summary

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "fixtures", "projector", "tensorflow")
    shutil.rmtree(out, ignore_errors=True)
    rng = np.random.default_rng(13)
    vertices = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0], [-1, 0, 0], [0, -1, 0]], dtype=np.float32)
    faces = np.array([[0, 1, 2], [0, 2, 3], [0, 3, 4], [0, 4, 1], [1, 2, 3], [1, 3, 4]], dtype=np.int32)
    colors = np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0], [0, 255, 255]], dtype=np.uint8)
    config = {"camera": {"cls": "PerspectiveCamera", "fov": 60}}
    writer = tf.summary.create_file_writer(out, filename_suffix=".fixture")
    with writer.as_default():
        for step in range(2):
            mesh_summary.mesh("pyramid", vertices=vertices[None] * (1 + step), faces=faces[None],
                              colors=colors[None], config_dict=config, step=step)
        cloud = rng.normal(size=(1, 20, 3)).astype(np.float32)
        cloud_colors = rng.integers(0, 256, size=(1, 20, 3)).astype(np.uint8)
        mesh_summary.mesh("points", vertices=cloud, colors=cloud_colors, step=0)
    writer.close()
    # A stable file name: the host name in TensorFlow's event file name becomes `fixture`.
    for name in os.listdir(out):
        parts = name.split(".")
        if name.startswith("events.out.tfevents.") and len(parts) > 4:
            parts[4] = "fixture"
            os.rename(os.path.join(out, name), os.path.join(out, ".".join(parts)))


if __name__ == "__main__":
    main()
