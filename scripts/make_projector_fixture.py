#!/usr/bin/env python3
"""Writes the projector and mesh fixtures with PyTorch's own writer (and numpy for raw float32).

Usage: .venv/bin/python scripts/make_projector_fixture.py OUTDIR

OUTDIR/torch/     torch.utils.tensorboard.SummaryWriter:
                  add_embedding 'features' at step 0: 60 x 8 float32 rows, one metadata column
                    (class names), 60 label images 3 x 8 x 8 (a sprite);
                  add_embedding 'words' at step 3: 40 x 5 rows, metadata with header
                    ['word', 'group', 'count'];
                  add_mesh 'cube' at steps 0 and 2: 8 vertices, 12 triangles, vertex colours and a
                    config dict; add_mesh 'cloud' at step 0: 50 points, colours, no faces.
OUTDIR/bytes/     an event file (a scalar), a 30 x 4 raw little-endian float32 'tensors.bytes',
                  its metadata, and a projector_config.pbtxt written by TensorBoard's
                  ProjectorConfig proto (text_format) with tensor_shape [30, 4].

Everything is seeded; event files carry the wall time of the run, and the host name in their
file names is replaced by 'fixture'.
"""

import glob
import os
import socket
import sys

import numpy as np
import torch
from google.protobuf import text_format
from tensorboard.plugins.projector.projector_config_pb2 import ProjectorConfig
from torch.utils.tensorboard import SummaryWriter


def main(out):
    rng = np.random.default_rng(1234)
    torch_dir = os.path.join(out, "torch")
    writer = SummaryWriter(torch_dir)
    features = rng.normal(size=(60, 8)).astype(np.float32)
    features[:20] += 3.0
    features[20:40] -= 3.0
    classes = ["alpha"] * 20 + ["beta"] * 20 + ["gamma"] * 20
    images = torch.from_numpy(rng.uniform(size=(60, 3, 8, 8)).astype(np.float32))
    writer.add_embedding(torch.from_numpy(features), metadata=classes, label_img=images, tag="features", global_step=0)
    words = rng.normal(size=(40, 5)).astype(np.float32)
    metadata = [[f"word{i}", f"g{i % 4}", str(i * 7)] for i in range(40)]
    writer.add_embedding(torch.from_numpy(words), metadata=metadata, metadata_header=["word", "group", "count"],
                         tag="words", global_step=3)
    cube = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], dtype=np.float32)
    faces = np.array([[0, 1, 3], [0, 3, 2], [4, 6, 7], [4, 7, 5], [0, 4, 5], [0, 5, 1],
                      [2, 3, 7], [2, 7, 6], [0, 2, 6], [0, 6, 4], [1, 5, 7], [1, 7, 3]], dtype=np.int32)
    colors = (rng.uniform(size=(8, 3)) * 255).astype(np.uint8)
    config = {"camera": {"cls": "PerspectiveCamera", "fov": 75}, "material": {"cls": "MeshStandardMaterial"}}
    for step, scale in ((0, 1.0), (2, 2.0)):
        writer.add_mesh("cube", vertices=torch.from_numpy(cube[None] * scale), colors=torch.from_numpy(colors[None]),
                        faces=torch.from_numpy(faces[None]), config_dict=config, global_step=step)
    cloud = rng.normal(size=(1, 50, 3)).astype(np.float32)
    cloud_colors = (rng.uniform(size=(1, 50, 3)) * 255).astype(np.uint8)
    writer.add_mesh("cloud", vertices=torch.from_numpy(cloud), colors=torch.from_numpy(cloud_colors), global_step=0)
    writer.close()

    bytes_dir = os.path.join(out, "bytes")
    writer = SummaryWriter(bytes_dir)
    writer.add_scalar("loss", 0.5, 0)
    writer.close()
    matrix = rng.normal(size=(30, 4)).astype("<f4")
    matrix.tofile(os.path.join(bytes_dir, "tensors.bytes"))
    with open(os.path.join(bytes_dir, "labels.tsv"), "w") as f:
        f.write("".join(f"p{i}\n" for i in range(30)))
    config = ProjectorConfig()
    embedding = config.embeddings.add()
    embedding.tensor_name = "raw"
    embedding.tensor_path = "tensors.bytes"
    embedding.metadata_path = "labels.tsv"
    embedding.tensor_shape.extend([30, 4])
    with open(os.path.join(bytes_dir, "projector_config.pbtxt"), "w") as f:
        f.write(text_format.MessageToString(config))

    # The writer's host name in event file names becomes "fixture".
    host = socket.gethostname()
    for path in glob.glob(os.path.join(out, "*", "events.out.tfevents.*")):
        os.rename(path, path.replace("." + host + ".", ".fixture."))


if __name__ == "__main__":
    main(sys.argv[1])
