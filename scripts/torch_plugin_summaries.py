#!/usr/bin/env python3
"""Prints, as JSON, the summaries PyTorch's torch.utils.tensorboard.summary writes for the inputs
given as JSON on standard input, for comparing Lumen's summary builders with them.

Input:  {"pr_curves": [{"labels": [...], "predictions": [...], "num_thresholds": N, "weights": [...] or null}],
         "audio": [{"samples": [...], "sample_rate": R}],                  (mono, PyTorch's add_audio)
         "wav": [{"frames": [[...channels], ...], "sample_rate": R}],      (any channel count: NumPy and
                                                                          Python's wave module, scaled as PyTorch scales)
         "layouts": [{category: {chart: ["Multiline", [tags]] | ["Margin", [value, lower, upper]]}}]}
Output: {"pr_curves": [base64 Summary], "audio": [base64 Summary], "wav": [base64 WAV file],
         "layouts": [base64 Summary]}
"""
import base64
import contextlib
import io
import json
import sys
import wave

import numpy as np
import torch
from torch.utils.tensorboard import summary


def encoded(proto):
    return base64.b64encode(proto.SerializeToString()).decode()


def main():
    request = json.load(sys.stdin)
    # PyTorch prints warnings (clipped audio) to standard output: keep it for the answer.
    with contextlib.redirect_stdout(sys.stderr):
        out = summaries(request)
    print(json.dumps(out))


def summaries(request):
    out = {"pr_curves": [], "audio": [], "wav": [], "layouts": []}
    for item in request.get("pr_curves", []):
        weights = item.get("weights")
        out["pr_curves"].append(encoded(summary.pr_curve(
            "pr", np.array(item["labels"], dtype=np.float64),
            np.array(item["predictions"], dtype=np.float32), item["num_thresholds"],
            None if weights is None else np.array(weights, dtype=np.float64))))
    for item in request.get("audio", []):
        samples = torch.tensor(item["samples"], dtype=torch.float32).unsqueeze(0)
        out["audio"].append(encoded(summary.audio("audio", samples, sample_rate=item["sample_rate"])))
    for item in request.get("wav", []):
        frames = np.array(item["frames"], dtype=np.float32)
        scaled = (np.clip(frames, -1, 1) * np.iinfo(np.int16).max).astype("<i2")
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as writer:
            writer.setnchannels(frames.shape[1])
            writer.setsampwidth(2)
            writer.setframerate(item["sample_rate"])
            writer.writeframes(scaled.tobytes())
        out["wav"].append(base64.b64encode(buffer.getvalue()).decode())
    for layout in request.get("layouts", []):
        out["layouts"].append(encoded(summary.custom_scalars(layout)))
    return out


if __name__ == "__main__":
    main()
