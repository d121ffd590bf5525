#!/usr/bin/env python3
"""Prints, as JSON, what TensorBoard's projector and mesh plugins serve for LOGDIR, and NumPy's PCA.

Usage: .venv/bin/python scripts/tensorboard_projector_values.py LOGDIR [COMPONENTS]

TensorBoard's own WSGI app (all default plugins, --load_fast=false, loaded once before serving)
is driven in-process with werkzeug's test client. Output:

  projector  {run: {"info": /data/plugin/projector/info JSON,
                    "tensors": {name: [row-major float32 values of /tensor, as repr strings]},
                    "metadata": {name: /metadata text},
                    "pca": {name: {"components": n x K (repr strings), "explainedVariance": [K]}}}}
             for every run /data/plugin/projector/runs lists. PCA is NumPy's: the SVD of the
             centred float64 matrix, components U[:, :K] * S[:K] with each component's sign set
             so that its largest-magnitude value is positive, explained variance S^2 / (n - 1).
             "neighbors": {name: {"euclidean": [[index, distance] x 5], "cosine": [...]}} of row 0
             by NumPy (float64; cosine distance 1 - cos), the row itself left out, ties by index.
  meshes     {run: {mesh: {"meshes": /data/plugin/mesh/meshes JSON,
                           "data": {step: {"VERTEX"|"FACE"|"COLOR": flat values of /data}}}}}
             for every run and tag /data/plugin/mesh/tags lists.
"""

import json
import sys

import numpy as np
from tensorboard import default, program
from werkzeug.test import Client


def r(x):
    return repr(float(x))


def app_for(logdir):
    tb = program.TensorBoard(default.get_plugins())
    tb.configure(argv=["tensorboard", "--logdir", logdir, "--load_fast", "false", "--reload_task", "blocking",
                       "--reload_interval", "0"])
    provider, multiplexer = tb._make_data_provider()
    from tensorboard.backend import application
    return application.TensorBoardWSGIApp(tb.flags, tb.plugin_loaders, provider, tb.assets_zip_provider, multiplexer)


def get(client, path, **query):
    response = client.get(path, query_string=query)
    assert response.status_code == 200, (path, query, response.status_code, response.get_data()[:200])
    return response.get_data()


def pca(matrix, k):
    centred = matrix.astype(np.float64) - matrix.astype(np.float64).mean(axis=0)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    components = u[:, :k] * s[:k]
    for c in range(k):
        column = components[:, c]
        if column[np.argmax(np.abs(column))] < 0:
            components[:, c] = -column
    return {"components": [[r(x) for x in row] for row in components],
            "explainedVariance": [r(x) for x in (s[:k] ** 2) / (len(matrix) - 1)]}


def neighbors(matrix, index, k):
    x = matrix.astype(np.float64)
    euclidean = np.sqrt(((x - x[index]) ** 2).sum(axis=1))
    norms = np.linalg.norm(x, axis=1)
    cosine = 1 - (x @ x[index]) / (norms * norms[index])
    out = {}
    for key, distances in (("euclidean", euclidean), ("cosine", cosine)):
        order = [i for i in np.lexsort((np.arange(len(x)), distances)) if i != index][:k]
        out[key] = [[int(i), r(distances[i])] for i in order]
    return out


def main(logdir, k):
    client = Client(app_for(logdir))
    out = {"projector": {}, "meshes": {}}
    for run in json.loads(get(client, "/data/plugin/projector/runs")):
        info = json.loads(get(client, "/data/plugin/projector/info", run=run))
        entry = {"info": info, "tensors": {}, "metadata": {}, "pca": {}}
        for embedding in info.get("embeddings", []):
            name = embedding["tensorName"]
            raw = get(client, "/data/plugin/projector/tensor", run=run, name=name)
            matrix = np.frombuffer(raw, dtype="<f4").reshape([int(x) for x in embedding["tensorShape"]])
            entry["tensors"][name] = [r(x) for x in matrix.reshape(-1)]
            if "metadataPath" in embedding:
                entry["metadata"][name] = get(client, "/data/plugin/projector/metadata", run=run, name=name).decode()
            entry["pca"][name] = pca(matrix, min(k, *matrix.shape))
            entry.setdefault("neighbors", {})[name] = neighbors(matrix, 0, 5)
        out["projector"][run] = entry
    tags = json.loads(get(client, "/data/plugin/mesh/tags"))
    for run, names in tags.items():
        for name in names:
            meshes = json.loads(get(client, "/data/plugin/mesh/meshes", run=run, tag=name))
            data = {}
            for mesh in meshes:
                kind = {1: "VERTEX", 2: "FACE", 3: "COLOR"}[mesh["content_type"]]
                dtype = {"VERTEX": "<f4", "FACE": "<i4", "COLOR": "u1"}[kind]
                raw = get(client, "/data/plugin/mesh/data", run=run, tag=name, content_type=kind, step=mesh["step"])
                data.setdefault(str(mesh["step"]), {})[kind] = [r(x) for x in np.frombuffer(raw, dtype=dtype)]
            out["meshes"].setdefault(run, {})[name] = {"meshes": meshes, "data": data}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3)
