#!/usr/bin/env python3
"""Golden gradients for Lumen's autograd, computed with PyTorch (torch.autograd, CPU, float64).

Run from the repository root with the project's virtual environment (PyTorch 2.x):

    .venv/bin/python scripts/make_grad_goldens.py

It writes Tests/LumenTests/Goldens/gradients.json, which Tests/LumenTests/GradientGoldenTests.swift
checks: each case there rebuilds the same scalar loss with Lumen's eager API, runs backward() and
compares every gradient with PyTorch's. The output is deterministic (fixed seeds, no timestamps).

File format: {"format": 1, "cases": [case, ...]}, one case per line. A case is
    {"name": "conv2d/stride2_padding1_bias",
     "inputs": {"x": {"dtype": "float64", "shape": [2, 3, 7, 7], "data": [...]}, ...},
     "requires_grad": ["x", "w", "b"],
     "loss": 1.234,
     "grads": {"x": {"dtype": "float64", "shape": [...], "data": [...]}, ...}}
Data is row-major; floats are written with repr (round-trip exact); integer inputs (class indices)
are int64.

Convention mapping (Lumen → PyTorch): Lumen's Conv2D is torch's conv2d (NCHW input, OIHW weight,
cross-correlation); Lumen's explicit padding (top, bottom, left, right) = (ph, ph, pw, pw) is torch's
padding=(ph, pw); Lumen's SAME with stride 1 and an odd kernel is torch's padding='same'. Max pooling
pads with -inf in torch and ignores padding in Lumen: the same result. avg_pool2d's count_include_pad
is Lumen's AvgPool attribute of the same name. Cross-entropy with class indices is
-mean(log_softmax(logits)[i, target[i]]), which the Swift side builds from LogSoftmax and GatherV2.
"""

import json
import os

import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "LumenTests", "Goldens", "gradients.json")

torch.use_deterministic_algorithms(True)
DT = torch.float64
CASES = []


def enc(t):
    t = t.detach().contiguous()
    if t.dtype == torch.int64:
        return {"dtype": "int64", "shape": list(t.shape), "data": [int(v) for v in t.reshape(-1).tolist()]}
    assert t.dtype == DT, t.dtype
    return {"dtype": "float64", "shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def case(name, seed, inputs, requires_grad, loss_fn):
    """inputs: name -> a function of a torch.Generator giving the tensor; loss_fn(**tensors) -> scalar."""
    assert name not in {c["name"] for c in CASES}, name
    g = torch.Generator().manual_seed(seed)
    values = {k: make(g) for k, make in inputs.items()}
    leaves = {k: (v.clone().requires_grad_(True) if k in requires_grad else v) for k, v in values.items()}
    loss = loss_fn(**leaves)
    assert loss.dim() == 0
    loss.backward()
    CASES.append({
        "name": name,
        "inputs": {k: enc(v) for k, v in values.items()},
        "requires_grad": list(requires_grad),
        "loss": float(loss.detach()),
        "grads": {k: enc(leaves[k].grad) for k in requires_grad},
    })


def randn(*shape):
    return lambda g: torch.randn(tuple(shape), generator=g, dtype=DT)


def uniform(low, high, *shape):
    return lambda g: low + (high - low) * torch.rand(tuple(shape), generator=g, dtype=DT)


def distinct(*shape):
    """A random permutation of evenly spaced values: no ties, so max pooling has one argmax."""
    n = 1
    for d in shape:
        n *= d
    return lambda g: (torch.randperm(n, generator=g).to(DT) * 0.1 - n * 0.05 + 0.013).reshape(shape)


def classes(count, n):
    return lambda g: torch.randint(0, count, (n,), generator=g, dtype=torch.int64)


# ------------------------------------------------------------------------- broadcasting arithmetic

case("broadcast/3x1_1x4", 1,
     {"a": randn(3, 1), "b": randn(1, 4), "c": randn(4)}, ["a", "b", "c"],
     lambda a, b, c: (((a + b) * c - a / (b * b + 1)) ** 2).sum())

case("broadcast/rank_mismatch", 2,
     {"a": randn(2, 3, 4), "b": randn(4), "c": randn(3, 1)}, ["a", "b", "c"],
     lambda a, b, c: (torch.tanh(a * b - c) * (a + c)).mean())

case("broadcast/scalar_and_unary", 3,
     {"a": uniform(0.5, 2.0, 2, 3), "b": randn(3), "s": randn()}, ["a", "b", "s"],
     lambda a, b, s: (torch.log(a) * torch.exp(b * s) + torch.sqrt(a) * torch.sigmoid(b) - s * a.pow(1.5)).sum())

# ----------------------------------------------------------------------------------- reductions

case("reductions/keepdim", 4,
     {"x": randn(2, 3, 4)}, ["x"],
     lambda x: ((x.sum(dim=1, keepdim=True) * x).sum()
                + x.mean(dim=(0, 2), keepdim=True).square().sum()
                + (x.amax(dim=2, keepdim=True) * x).sum()
                + torch.logsumexp(x, dim=(0, 1), keepdim=True).sum()
                + torch.var(x, dim=1, correction=1, keepdim=True).sum()
                + x.prod(dim=2).sum()))

case("reductions/no_keepdim", 5,
     {"x": randn(3, 4, 2), "w": randn(4)}, ["x"],
     lambda x, w: ((x.sum(dim=(0, 2)) * w).sum() + x.amin(dim=(1,)).sum() * 0.5 + x.mean() * 3
                   + torch.var(x, dim=(0, 2), correction=0).sum()))

# ------------------------------------------------------------------------------------ matmul

case("matmul/transposes", 6,
     {"a": randn(3, 4), "b": randn(4, 5), "at": randn(4, 3), "bt": randn(5, 4), "w": randn(3, 5)},
     ["a", "b", "at", "bt"],
     lambda a, b, at, bt, w: ((a @ b) * w).sum() + ((at.T @ b) * w).sum()
     + ((a @ bt.T) * w).sum() + ((at.T @ bt.T) * w).sum())

case("matmul/batch_broadcast", 7,
     {"a": randn(2, 1, 3, 4), "b": randn(3, 4, 5), "w": randn(2, 3, 3, 5)}, ["a", "b"],
     lambda a, b, w: ((a @ b) * w).sum())

case("matmul/batch_broadcast_transposes", 8,
     {"a": randn(2, 1, 4, 3), "b": randn(3, 5, 4), "w": randn(2, 3, 3, 5)}, ["a", "b"],
     lambda a, b, w: ((a.transpose(-1, -2) @ b.transpose(-1, -2)) * w).sum())

# ------------------------------------------------------------------------------------ conv2d


def conv_case(name, seed, x_shape, w_shape, out_shape, bias=False, **kwargs):
    inputs = {"x": randn(*x_shape), "w": randn(*w_shape), "gw": randn(*out_shape)}
    requires = ["x", "w"]
    if bias:
        inputs["b"] = randn(w_shape[0])
        requires.append("b")

    def loss(x, w, gw, b=None):
        y = F.conv2d(x, w, b, **kwargs)
        assert list(y.shape) == list(out_shape), (name, y.shape)
        return (y * gw).sum()

    case("conv2d/" + name, seed, inputs, requires, loss)


conv_case("stride2_padding1_bias", 10, (2, 3, 7, 7), (4, 3, 3, 3), (2, 4, 4, 4), bias=True, stride=2, padding=(1, 1))
conv_case("dilation2_padding_2_1", 11, (1, 2, 8, 8), (3, 2, 3, 3), (1, 3, 8, 6), dilation=2, padding=(2, 1))
conv_case("groups2_stride_1_2_padding1", 12, (2, 4, 6, 6), (6, 2, 3, 3), (2, 6, 6, 3), groups=2, stride=(1, 2), padding=1)
conv_case("same_stride1", 13, (2, 3, 6, 5), (4, 3, 3, 3), (2, 4, 6, 5), padding="same")
conv_case("valid_5x5_kernel", 14, (2, 2, 9, 8), (3, 2, 5, 5), (2, 3, 5, 4))
conv_case("stride2_dilation2_groups2", 15, (2, 4, 9, 9), (4, 2, 3, 3), (2, 4, 3, 3), stride=2, dilation=2, groups=2)

# ------------------------------------------------------------------------------------- pools


def pool_case(name, seed, x_shape, out_shape, fn):
    def loss(x, gw):
        y = fn(x)
        assert list(y.shape) == list(out_shape), (name, y.shape)
        return (y * gw).sum()

    case("pool/" + name, seed, {"x": distinct(*x_shape), "gw": randn(*out_shape)}, ["x"], loss)


pool_case("max_3x3_stride2_padding1", 20, (2, 3, 7, 7), (2, 3, 4, 4),
          lambda x: F.max_pool2d(x, kernel_size=3, stride=2, padding=1))
pool_case("max_2x2_valid", 21, (2, 2, 6, 5), (2, 2, 3, 2), lambda x: F.max_pool2d(x, kernel_size=2))
pool_case("max_3x3_stride1_overlapping", 22, (1, 2, 5, 5), (1, 2, 3, 3), lambda x: F.max_pool2d(x, 3, stride=1))
pool_case("avg_3x3_stride2_padding1_include_pad", 23, (2, 3, 7, 6), (2, 3, 4, 3),
          lambda x: F.avg_pool2d(x, kernel_size=3, stride=2, padding=1, count_include_pad=True))
pool_case("avg_3x3_stride2_padding1_exclude_pad", 24, (2, 3, 7, 6), (2, 3, 4, 3),
          lambda x: F.avg_pool2d(x, kernel_size=3, stride=2, padding=1, count_include_pad=False))
pool_case("avg_2x2_valid", 25, (2, 2, 6, 5), (2, 2, 3, 2), lambda x: F.avg_pool2d(x, kernel_size=2))

# ------------------------------------------------------------------- softmax and cross-entropy

case("softmax/axes", 30,
     {"x": randn(3, 5), "w0": randn(3, 5), "w1": randn(3, 5)}, ["x"],
     lambda x, w0, w1: (F.softmax(x, dim=0) * w0).sum() + (F.log_softmax(x, dim=1) * w1).sum())

case("cross_entropy/logits", 31,
     {"logits": randn(6, 5), "target": classes(5, 6)}, ["logits"],
     lambda logits, target: F.cross_entropy(logits, target))

case("cross_entropy/mlp", 32,
     {"x": randn(8, 10), "w1": randn(10, 16), "b1": randn(16), "w2": randn(16, 4), "b2": randn(4),
      "target": classes(4, 8)},
     ["w1", "b1", "w2", "b2"],
     lambda x, w1, b1, w2, b2, target: F.cross_entropy(F.relu(x @ w1 + b1) @ w2 + b2, target))

case("cross_entropy/convnet", 33,
     {"x": randn(2, 2, 8, 8), "k": randn(4, 2, 3, 3), "kb": randn(4), "w": randn(36, 3), "target": classes(3, 2)},
     ["x", "k", "kb", "w"],
     lambda x, k, kb, w, target: F.cross_entropy(
         F.max_pool2d(F.relu(F.conv2d(x, k, kb, padding=1)), 3, stride=2, padding=1).reshape(2, 64)[:, :36] @ w,
         target))


def main():
    lines = ['{"format": 1, "cases": [']
    for i, c in enumerate(CASES):
        lines.append(json.dumps(c, separators=(",", ":")) + ("," if i + 1 < len(CASES) else ""))
    lines.append("]}")
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {len(CASES)} cases to {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
