"""PyTorch CPU eager reference figures for lumen-bench, measured on this machine in the same session.

Prints one `NAME: seconds` line per figure (medians of several runs):
  tiny-op       adding two 4-element float32 tensors, seconds per op
  mlp-step      one training step (forward, backward, SGD step) of MLP 64-256-256-10, batch 64
  cnn-step      one training step of the digits CNN (Conv 1-16, ReLU, Conv 16-32, ReLU, MaxPool 2,
                Linear 512-10) on 1x8x8 inputs, batch 64
Run: .venv/bin/python bench/torch_reference.py [--threads N]
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def median_seconds(fn, iterations, runs=7):
    fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(iterations):
            fn()
        samples.append((time.perf_counter() - start) / iterations)
    return statistics.median(samples)


def tiny_op():
    a = torch.tensor([1.0, 2.0, 3.0, 4.0])
    b = torch.tensor([5.0, 6.0, 7.0, 8.0])
    return median_seconds(lambda: a + b, 200_000)


def training_step(model, x, y):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

    def step():
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()

    return median_seconds(step, 200)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"torch: {torch.__version__}, threads {torch.get_num_threads()}")
    print(f"tiny-op: {tiny_op():.9f}")
    mlp = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
    x = torch.randn(64, 64)
    y = torch.randint(0, 10, (64,))
    print(f"mlp-step: {training_step(mlp, x, y):.9f}")
    cnn = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(512, 10))
    images = torch.randn(64, 1, 8, 8)
    print(f"cnn-step: {training_step(cnn, images, y):.9f}")


if __name__ == "__main__":
    main()
