#!/usr/bin/env python3
"""Writes fixtures/plugins/pytorch/: event files of torch.utils.tensorboard.SummaryWriter with the
calls PyTorch users make, for the board's PR curve, audio, custom-scalars, non-finite and
ignored-summary tests; and fixtures/plugins/tensorboardX/, the same plugins written by tensorboardX.

Usage: .venv/bin/python scripts/make_plugin_fixture.py [OUTDIR]   (default: fixtures/plugins)

Runs (seeded values; real wall times):
  a/  add_scalar loss (steps 0-9, with NaN at 6, +inf at 7, -inf at 8), loss/low, loss/high, add_histogram,
      add_image, add_text, add_pr_curve "pr/basic" (steps 0-4, 127 thresholds) and "pr/weighted"
      (weights, 11 thresholds), add_audio "audio/tone" (steps 0-2, 8 kHz mono), add_mesh (the mesh
      plugin: shown by no dashboard here, so listed in /api/status "ignored"), add_custom_scalars
      with categories "losses" (multiline) and "bands" (margin)
  b/  add_custom_scalars: "losses" again with one chart of a/ and a new one, a new category
      "extra"; add_pr_curve "pr/basic" (step 0)
  c/  add_custom_scalars: "extra" with a new chart (TensorBoard keeps it out of the merged layout,
      see CustomScalarsLayout.merged) and a new category "late"
tensorboardX/ (one run): add_pr_curve "pr" (steps 0-2), add_pr_curve_raw "pr/raw", add_audio "voice"
      (steps 0-1), add_custom_scalars_multilinechart, add_custom_scalars_marginchart
"""
import os
import shutil
import sys

import numpy as np
import tensorboardX
import torch
from torch.utils.tensorboard import SummaryWriter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    base = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "fixtures", "plugins")
    out = os.path.join(base, "pytorch")
    shutil.rmtree(out, ignore_errors=True)
    rng = np.random.default_rng(12)
    torch.manual_seed(12)

    with SummaryWriter(os.path.join(out, "a"), filename_suffix=".fixture") as w:
        specials = {6: float("nan"), 7: float("inf"), 8: float("-inf")}
        for step in range(10):
            w.add_scalar("loss", specials.get(step, 1.0 / (step + 1)), step)
            w.add_scalar("loss/low", 0.8 / (step + 1), step)
            w.add_scalar("loss/high", 1.2 / (step + 1), step)
        w.add_histogram("weights", rng.normal(size=200), 0)
        w.add_image("sample", rng.random((3, 8, 8)), 0)
        w.add_text("notes", "PR curves, audio and layouts", 0)
        for step in range(5):
            labels = rng.integers(0, 2, size=200)
            predictions = np.clip(labels * 0.3 + rng.random(200) * (0.6 + 0.05 * step), 0, 1)
            w.add_pr_curve("pr/basic", labels, predictions, step)
        labels = rng.integers(0, 2, size=60)
        w.add_pr_curve("pr/weighted", labels, rng.random(60), 0, num_thresholds=11, weights=rng.random(60) * 3)
        for step in range(3):
            t = np.arange(800) / 8000.0
            tone = 0.5 * np.sin(2 * np.pi * (220 + 110 * step) * t)
            w.add_audio("audio/tone", torch.tensor(tone, dtype=torch.float32).unsqueeze(0), step, sample_rate=8000)
        vertices = torch.tensor([[[0.0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]]])
        faces = torch.tensor([[[0, 1, 2], [0, 1, 3], [0, 2, 3], [1, 2, 3]]], dtype=torch.int32)
        w.add_mesh("mesh/tetrahedron", vertices=vertices, faces=faces, global_step=0)
        w.add_custom_scalars({
            "losses": {"loss": ["Multiline", ["loss", r"loss/.*"]]},
            "bands": {"loss band": ["Margin", ["loss", "loss/low", "loss/high"]]},
        })

    with SummaryWriter(os.path.join(out, "b"), filename_suffix=".fixture") as w:
        w.add_custom_scalars({
            "losses": {"loss": ["Multiline", ["loss", r"loss/.*"]], "low only": ["Multiline", ["loss/low"]]},
            "extra": {"high": ["Multiline", ["loss/high"]]},
        })
        labels = rng.integers(0, 2, size=50)
        w.add_pr_curve("pr/basic", labels, rng.random(50), 0)

    with SummaryWriter(os.path.join(out, "c"), filename_suffix=".fixture") as w:
        w.add_custom_scalars({
            "extra": {"late chart": ["Multiline", ["loss"]]},
            "late": {"everything": ["Multiline", [".*"]]},
        })

    x_out = os.path.join(base, "tensorboardX")
    shutil.rmtree(x_out, ignore_errors=True)
    with tensorboardX.SummaryWriter(x_out, filename_suffix=".fixture") as w:
        for step in range(3):
            labels = rng.integers(0, 2, size=120)
            w.add_pr_curve("pr", labels, np.clip(labels * 0.2 + rng.random(120) * 0.8, 0, 1), step, num_thresholds=31)
        w.add_pr_curve_raw("pr/raw", [75, 64, 21, 5, 0], [150, 105, 18, 0, 0], [0, 45, 132, 150, 150],
                           [0, 11, 54, 70, 75], [0.3333333, 0.3786982, 0.5384616, 1.0, 0.0],
                           [1.0, 0.8533334, 0.28, 0.0666667, 0.0], 0, num_thresholds=5)
        for step in range(2):
            w.add_audio("voice", np.sin(np.arange(400) * (0.03 + 0.02 * step)) * 0.7, step, sample_rate=4000)
        w.add_custom_scalars_multilinechart(["pr", "voice"], category="x lines", title="both")
        w.add_custom_scalars_marginchart(["a", "b", "c"], category="x margins", title="band")
        for step in range(3):
            w.add_scalar("a", step, step)

    # The writer's host name in each file name, replaced so the fixture names no machine.
    for directory, _, files in list(os.walk(out)) + list(os.walk(x_out)):
        for index, name in enumerate(sorted(files)):
            parts = name.split(".")
            if name.startswith("events.out.tfevents."):
                os.rename(os.path.join(directory, name),
                          os.path.join(directory, ".".join(parts[:4] + ["fixture", str(index), "fixture"])))
    print("wrote", out, x_out)


if __name__ == "__main__":
    main()
