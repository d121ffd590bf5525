#!/usr/bin/env python3
"""Golden values for Lumen's nn layers and losses, computed with PyTorch.

Run from the repository root with the project's virtual environment (PyTorch 2.x):

    .venv/bin/python scripts/make_nn_goldens.py

It writes Tests/LumenTests/Goldens/nn.json, which Tests/LumenTests/NNGoldenTests.swift checks. The
output is deterministic (fixed seeds, no timestamps).

File format: {"format": 1, "torch": "<version>", "layers": [...], "batchnorm_training": [...],
"losses": [...], "model": {...}}. A tensor is {"dtype": "float32", "shape": [2, 3], "data": [...]}
(row-major; float32 values as the shortest decimal that round-trips to the same float32).

- layers: {"name", "kind", "args", "state", "input", "output", "grad_output"?, "grads"?}. `kind` is
  the PyTorch class name, `args` its constructor arguments (tuples as lists, padding "same" or
  [h, w]), `state` its state_dict. The module runs in eval mode. When "grads" is present, backward was
  run from sum(output * grad_output); "grads" holds the gradient of "input" and of each parameter.
- batchnorm_training: {"name", "kind", "args", "state", "inputs": [step 1, step 2], "outputs",
  "grad_output", "grads" (of the first step), "final_state"}: two training-mode steps.
- losses: {"name", "loss", "config", "input", "target", "value", "grad"}: `grad` is the gradient of
  sum(loss) with respect to `input`; `config` holds reduction, ignore_index, label_smoothing, weight,
  pos_weight as given to the torch.nn.functional loss.
- model: a nested model: its named_parameters / named_buffers / state_dict names, state, an input,
  its eval-mode output, and the gradients of every parameter of cross_entropy(output, target).
"""

import json
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "LumenTests", "Goldens", "nn.json")

torch.manual_seed(0)
torch.use_deterministic_algorithms(True)
GEN = np.random.default_rng(1234)


def enc(t):
    a = t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
    if a.dtype == np.float32:
        data = [float(str(v)) for v in a.reshape(-1)]
    elif a.dtype == np.float64:
        data = [float(v) for v in a.reshape(-1)]
    elif a.dtype == np.bool_:
        data = [bool(v) for v in a.reshape(-1)]
    else:
        data = [int(v) for v in a.reshape(-1)]
    return {"dtype": str(a.dtype) if a.dtype != np.bool_ else "bool", "shape": list(a.shape), "data": data}


def rand(*shape, scale=1.0):
    return torch.tensor(GEN.standard_normal(shape) * scale, dtype=torch.float32)


def randomize(module):
    """Replaces default initial values by random ones so the goldens test loading."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            p.copy_(rand(*p.shape, scale=0.5) + (1.0 if name.endswith("weight") and p.dim() == 1 else 0.0))
        for name, b in module.named_buffers():
            if name.endswith("running_mean"):
                b.copy_(rand(*b.shape, scale=0.3))
            elif name.endswith("running_var"):
                b.copy_(torch.tensor(GEN.uniform(0.5, 2.0, b.shape), dtype=torch.float32))
            elif name.endswith("num_batches_tracked"):
                b.fill_(7)
    return module


def state(module):
    return {k: enc(v) for k, v in module.state_dict().items()}


# ---------------------------------------------------------------- layers

LAYERS = []


def layer_case(name, kind, args, module, x, grads=True):
    module = randomize(module).eval()
    entry = {"name": name, "kind": kind, "args": args, "state": state(module), "input": enc(x)}
    if grads and x.dtype.is_floating_point:
        x = x.clone().requires_grad_(True)
    y = module(x)
    entry["output"] = enc(y)
    if grads:
        g = rand(*y.shape)
        (y * g).sum().backward()
        entry["grad_output"] = enc(g)
        gr = {}
        if x.dtype.is_floating_point:
            gr["input"] = enc(x.grad)
        for pname, p in module.named_parameters():
            gr[pname] = enc(p.grad)
        entry["grads"] = gr
    LAYERS.append(entry)


def conv_args(cin, cout, k, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1, bias=True):
    return {"in_channels": cin, "out_channels": cout, "kernel_size": list(k), "stride": list(stride),
            "padding": padding if isinstance(padding, str) else list(padding), "dilation": list(dilation),
            "groups": groups, "bias": bias}


def conv_case(name, x, **kw):
    a = conv_args(**kw)
    m = nn.Conv2d(a["in_channels"], a["out_channels"], tuple(a["kernel_size"]), stride=tuple(a["stride"]),
                  padding=a["padding"] if isinstance(a["padding"], str) else tuple(a["padding"]),
                  dilation=tuple(a["dilation"]), groups=a["groups"], bias=a["bias"])
    layer_case(name, "Conv2d", a, m, x)


layer_case("linear", "Linear", {"in_features": 5, "out_features": 3, "bias": True}, nn.Linear(5, 3), rand(4, 5))
layer_case("linear_3d", "Linear", {"in_features": 4, "out_features": 2, "bias": True}, nn.Linear(4, 2), rand(2, 3, 4))
layer_case("linear_no_bias", "Linear", {"in_features": 6, "out_features": 3, "bias": False},
           nn.Linear(6, 3, bias=False), rand(2, 6))

conv_case("conv2d", rand(2, 3, 6, 6), cin=3, cout=4, k=(3, 3))
conv_case("conv2d_stride_padding_dilation", rand(2, 3, 7, 8), cin=3, cout=6, k=(3, 2), stride=(2, 1),
          padding=(1, 2), dilation=(1, 2))
conv_case("conv2d_same_even_kernel", rand(1, 2, 5, 6), cin=2, cout=4, k=(4, 3), padding="same")
conv_case("conv2d_same_dilated", rand(1, 2, 7, 7), cin=2, cout=3, k=(3, 3), padding="same", dilation=(2, 1))
conv_case("conv2d_groups_no_bias", rand(2, 4, 5, 5), cin=4, cout=6, k=(3, 3), groups=2, bias=False)
conv_case("conv2d_unbatched", rand(3, 5, 5), cin=3, cout=2, k=(2, 2), stride=(2, 2))

for name, args, m, x in [
    ("maxpool2d", {"kernel_size": [2, 2]}, nn.MaxPool2d(2), rand(2, 3, 6, 6)),
    ("maxpool2d_stride_padding", {"kernel_size": [3, 3], "stride": [2, 2], "padding": [1, 1]},
     nn.MaxPool2d(3, stride=2, padding=1), rand(2, 2, 7, 6)),
    ("avgpool2d", {"kernel_size": [2, 2]}, nn.AvgPool2d(2), rand(2, 3, 6, 6)),
    ("avgpool2d_padding_count_include_pad", {"kernel_size": [3, 3], "stride": [2, 2], "padding": [1, 1]},
     nn.AvgPool2d(3, stride=2, padding=1), rand(2, 2, 7, 6)),
    ("avgpool2d_padding_exclude_pad", {"kernel_size": [3, 2], "stride": [2, 1], "padding": [1, 1], "count_include_pad": False},
     nn.AvgPool2d((3, 2), stride=(2, 1), padding=1, count_include_pad=False), rand(1, 2, 6, 5)),
]:
    layer_case(name, "MaxPool2d" if name.startswith("max") else "AvgPool2d", args, m, x)

layer_case("batchnorm1d_eval", "BatchNorm1d", {"num_features": 4}, nn.BatchNorm1d(4), rand(5, 4))
layer_case("batchnorm1d_eval_3d", "BatchNorm1d", {"num_features": 3}, nn.BatchNorm1d(3), rand(2, 3, 4))
layer_case("batchnorm2d_eval", "BatchNorm2d", {"num_features": 3}, nn.BatchNorm2d(3), rand(2, 3, 4, 4))
layer_case("layernorm", "LayerNorm", {"normalized_shape": [3, 4]}, nn.LayerNorm([3, 4]), rand(2, 5, 3, 4) * 2 + 1)
layer_case("layernorm_no_affine", "LayerNorm", {"normalized_shape": [6], "elementwise_affine": False},
           nn.LayerNorm(6, elementwise_affine=False), rand(4, 6) * 3 - 1)
layer_case("embedding", "Embedding", {"num_embeddings": 10, "embedding_dim": 4}, nn.Embedding(10, 4),
           torch.tensor([[1, 3, 3], [0, 9, 5]], dtype=torch.int64))
layer_case("embedding_padding_idx", "Embedding", {"num_embeddings": 6, "embedding_dim": 3, "padding_idx": 2},
           nn.Embedding(6, 3, padding_idx=2), torch.tensor([2, 0, 2, 5], dtype=torch.int64))
layer_case("flatten", "Flatten", {}, nn.Flatten(), rand(2, 3, 4, 5))
layer_case("flatten_middle", "Flatten", {"start_dim": 1, "end_dim": 2}, nn.Flatten(1, 2), rand(2, 3, 4, 5))
layer_case("dropout_eval", "Dropout", {"p": 0.5}, nn.Dropout(0.5), rand(3, 4))
act_input = rand(3, 5, scale=2.0)
for name, kind, args, m in [
    ("relu", "ReLU", {}, nn.ReLU()),
    ("gelu", "GELU", {}, nn.GELU()),
    ("gelu_tanh", "GELU", {"approximate": "tanh"}, nn.GELU(approximate="tanh")),
    ("tanh", "Tanh", {}, nn.Tanh()),
    ("sigmoid", "Sigmoid", {}, nn.Sigmoid()),
    ("softmax_dim1", "Softmax", {"dim": 1}, nn.Softmax(dim=1)),
    ("softmax_dim0", "Softmax", {"dim": 0}, nn.Softmax(dim=0)),
    ("logsoftmax", "LogSoftmax", {"dim": -1}, nn.LogSoftmax(dim=-1)),
]:
    layer_case(name, kind, args, m, act_input)
layer_case("sequential", "Sequential", {}, nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 2)), rand(3, 4))

# ---------------------------------------------------------------- batch norm in training mode

BN_TRAINING = []


def bn_training_case(name, kind, args, module, inputs):
    module = randomize(module).train()
    entry = {"name": name, "kind": kind, "args": args, "state": state(module), "inputs": [], "outputs": []}
    for step, x in enumerate(inputs):
        x = x.clone().requires_grad_(True)
        y = module(x)
        entry["inputs"].append(enc(x))
        entry["outputs"].append(enc(y))
        if step == 0:
            g = rand(*y.shape)
            (y * g).sum().backward()
            entry["grad_output"] = enc(g)
            entry["grads"] = {"input": enc(x.grad), **{n: enc(p.grad) for n, p in module.named_parameters()}}
    entry["final_state"] = state(module)
    BN_TRAINING.append(entry)


bn_training_case("batchnorm1d", "BatchNorm1d", {"num_features": 4}, nn.BatchNorm1d(4),
                 [rand(6, 4) * 2 + 1, rand(6, 4) - 0.5])
bn_training_case("batchnorm1d_3d_momentum", "BatchNorm1d", {"num_features": 3, "momentum": 0.3, "eps": 1e-3},
                 nn.BatchNorm1d(3, momentum=0.3, eps=1e-3), [rand(2, 3, 5), rand(2, 3, 5) * 3])
bn_training_case("batchnorm1d_cumulative", "BatchNorm1d", {"num_features": 2, "momentum": None},
                 nn.BatchNorm1d(2, momentum=None), [rand(4, 2), rand(4, 2) + 2])
bn_training_case("batchnorm2d", "BatchNorm2d", {"num_features": 3}, nn.BatchNorm2d(3),
                 [rand(2, 3, 4, 4) * 1.5, rand(2, 3, 4, 4) + 1])
bn_training_case("batchnorm2d_no_affine", "BatchNorm2d", {"num_features": 2, "affine": False},
                 nn.BatchNorm2d(2, affine=False), [rand(3, 2, 2, 3), rand(3, 2, 2, 3) * 0.5])

# ---------------------------------------------------------------- losses

LOSSES = []


def loss_case(name, loss, x, target, **config):
    x = x.clone().requires_grad_(True)
    kwargs = dict(config)
    fn = {"cross_entropy": F.cross_entropy, "nll": F.nll_loss, "mse": F.mse_loss,
          "bce_with_logits": F.binary_cross_entropy_with_logits}[loss]
    value = fn(x, target, **kwargs)
    value.sum().backward()
    enc_config = {k: (enc(v) if isinstance(v, torch.Tensor) else v) for k, v in config.items()}
    LOSSES.append({"name": name, "loss": loss, "config": enc_config, "input": enc(x), "target": enc(target),
                   "value": enc(value), "grad": enc(x.grad)})


logits = rand(6, 5, scale=2.0)
targets = torch.tensor([0, 3, 4, 1, 3, 2])
targets_ignored = torch.tensor([0, -100, 4, 1, -100, 2])
targets_ignore2 = torch.tensor([2, 3, 4, 2, 3, 0])
class_weights = torch.tensor([0.5, 1.0, 2.0, 0.25, 1.5])
for reduction in ("mean", "sum", "none"):
    loss_case(f"ce/{reduction}", "cross_entropy", logits, targets, reduction=reduction)
    loss_case(f"ce/smoothing/{reduction}", "cross_entropy", logits, targets, reduction=reduction, label_smoothing=0.1)
    loss_case(f"ce/ignore/{reduction}", "cross_entropy", logits, targets_ignored, reduction=reduction)
    loss_case(f"ce/ignore_valid_class/{reduction}", "cross_entropy", logits, targets_ignore2, reduction=reduction,
              ignore_index=2)
    loss_case(f"ce/smoothing_ignore/{reduction}", "cross_entropy", logits, targets_ignored, reduction=reduction,
              label_smoothing=0.2)
    loss_case(f"ce/weights_smoothing_ignore/{reduction}", "cross_entropy", logits, targets_ignored,
              reduction=reduction, label_smoothing=0.15, weight=class_weights)
    loss_case(f"nll/{reduction}", "nll", F.log_softmax(logits, dim=1), targets_ignored, reduction=reduction)
    loss_case(f"nll/weights/{reduction}", "nll", F.log_softmax(logits, dim=1), targets, reduction=reduction,
              weight=class_weights)
    loss_case(f"mse/{reduction}", "mse", rand(3, 4), rand(3, 4), reduction=reduction)
    bce_x = torch.cat([rand(2, 3, scale=3.0), torch.tensor([[60.0, -60.0, 0.0]])])
    bce_y = torch.tensor(GEN.uniform(0, 1, (3, 3)), dtype=torch.float32)
    loss_case(f"bce_with_logits/{reduction}", "bce_with_logits", bce_x, bce_y, reduction=reduction)
    loss_case(f"bce_with_logits/pos_weight/{reduction}", "bce_with_logits", bce_x, bce_y, reduction=reduction,
              pos_weight=torch.tensor([0.5, 2.0, 3.0]), weight=torch.tensor([1.0, 0.5, 2.0]))
loss_case("ce/spatial_smoothing", "cross_entropy", rand(2, 4, 3, 3), torch.tensor(GEN.integers(0, 4, (2, 3, 3))),
          label_smoothing=0.1)
loss_case("ce/unbatched", "cross_entropy", rand(5), torch.tensor(3))
probs = torch.softmax(rand(4, 5), dim=1)
loss_case("ce/probabilities_smoothing", "cross_entropy", rand(4, 5), probs, label_smoothing=0.1)
loss_case("ce/probabilities_weights", "cross_entropy", rand(4, 5), probs, weight=class_weights)
loss_case("ce/weights_smoothing_mean", "cross_entropy", logits, targets, label_smoothing=0.3, weight=class_weights)

# ---------------------------------------------------------------- a nested model


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2))
        self.blocks = nn.ModuleList([nn.Linear(64, 16), nn.Linear(16, 16)])
        self.norm = nn.LayerNorm(16)
        self.head = nn.Sequential(nn.Dropout(0.2), nn.Linear(16, 10))

    def forward(self, x):
        x = self.features(x).flatten(1)
        for block in self.blocks:
            x = F.gelu(block(x))
        return self.head(self.norm(x))


net = randomize(Net()).eval()
x = rand(2, 1, 8, 8)
out = net(x)
target = torch.tensor([3, 7])
F.cross_entropy(out, target).backward()
MODEL = {
    "named_parameters": [n for n, _ in net.named_parameters()],
    "named_buffers": [n for n, _ in net.named_buffers()],
    "state_dict_keys": list(net.state_dict().keys()),
    "state": state(net),
    "input": enc(x),
    "output": enc(out),
    "target": enc(target),
    "grads": {n: enc(p.grad) for n, p in net.named_parameters()},
}

with open(OUT, "w") as f:
    json.dump({"format": 1, "torch": torch.__version__.split("+")[0], "layers": LAYERS,
               "batchnorm_training": BN_TRAINING, "losses": LOSSES, "model": MODEL}, f, separators=(",", ":"))
    f.write("\n")
print(f"wrote {OUT}: {len(LAYERS)} layers, {len(BN_TRAINING)} batch-norm runs, {len(LOSSES)} losses")
