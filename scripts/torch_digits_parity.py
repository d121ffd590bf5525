"""PyTorch's side of the digits parity check.

Reads DIR/initial.safetensors (Lumen's initial MLP weights, PyTorch state-dict names) and
DIR/batches.safetensors (inputs_<i> [64, 64] float32, targets_<i> [64] int64 for each step), builds the same
MLP in PyTorch, runs one SGD step per batch (learning rate and momentum from the batches file's metadata)
and prints the losses before each step as JSON (Tests/DigitsExampleTests/DigitsParityTests.swift runs it).
Run: .venv/bin/python scripts/torch_digits_parity.py DIR
"""
import argparse
import json
import pathlib

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import load_file


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("directory", type=pathlib.Path)
    args = parser.parse_args()
    torch.set_num_threads(1)
    model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
    model.load_state_dict(load_file(args.directory / "initial.safetensors"))
    batches = load_file(args.directory / "batches.safetensors")
    with safe_open(args.directory / "batches.safetensors", "pt") as f:
        metadata = f.metadata()
    lr, momentum = float(metadata["learning_rate"]), float(metadata["momentum"])
    steps = int(metadata["steps"])
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    losses = []
    for i in range(steps):
        loss = F.cross_entropy(model(batches[f"inputs_{i}"]), batches[f"targets_{i}"])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    text = json.dumps({"torch": torch.__version__, "learning_rate": lr, "momentum": momentum, "losses": losses}, indent=1)
    print(text)


if __name__ == "__main__":
    main()
