#!/usr/bin/env python3
"""Golden values for Lumen's optimizers and learning-rate schedulers, computed with PyTorch.

Run from the repository root (needs PyTorch; the project's venv has it):

    .venv/bin/python scripts/make_optim_goldens.py

It writes Tests/LumenTests/Goldens/optim.json, which Tests/LumenTests/OptimGoldenTests.swift checks.
The output is deterministic (fixed seed, no timestamps): rerunning the script gives the same file.

The problem: parameters W [4, 3], b [3] and u [2] (u takes no part in the loss, so its gradient
stays None and every optimizer must leave it alone), a fixed batch X [5, 4] with targets Y [5, 3],
and loss = mean((X·W + b − Y)²). Each optimizer case runs five steps of

    optimizer.zero_grad(); loss = f(W, b); loss.backward(); optimizer.step(); scheduler.step()

in the case's dtype (the scheduler only where the case names one) and records the loss before
each update and W, b, u after it. Scheduler cases record get_last_lr() after construction and after
each of 12 steps (13 values).

File format:
    {"format": 1,
     "problem": {"W": {"shape": [4, 3], "data": [...]}, "b": ..., "u": ..., "X": ..., "Y": ...},
     "optimizers": [{"name": ..., "optimizer": "SGD" | "Adam" | "AdamW", "dtype": "float32" | "float64",
                     "options": {"lr": ..., "momentum": ..., "betas": [b1, b2], "amsgrad": false, ...},
                     "scheduler": <scheduler spec> (optional),
                     "steps": [{"loss": ..., "W": [...], "b": [...], "u": [...]}, ...]}, ...],
     "schedulers": [{"name": ..., "lr": ..., "scheduler": <scheduler spec>, "lrs": [...]}, ...]}
A scheduler spec is {"type": "StepLR", "step_size": 3, "gamma": 0.5, ...} with PyTorch's argument
names; a SequentialLR spec has "schedulers": [spec, ...] and "milestones". Values are the float64
values of the tensors (float32 results are exactly representable).
"""

import json
import os

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "LumenTests", "Goldens", "optim.json")
STEPS = 5
EPOCHS = 12

rng = np.random.default_rng(20240607)
PROBLEM = {
    "W": rng.normal(0, 0.5, (4, 3)),
    "b": rng.normal(0, 0.1, (3,)),
    "u": np.array([0.75, -1.25]),
    "X": rng.normal(0, 1, (5, 4)),
    "Y": rng.normal(0, 1, (5, 3)),
}

DTYPES = {"float32": torch.float32, "float64": torch.float64}


def flat(t):
    return [float(v) for v in t.detach().to(torch.float64).reshape(-1).tolist()]


def make_scheduler(optimizer, spec):
    kind = spec["type"]
    if kind == "StepLR":
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=spec["step_size"], gamma=spec["gamma"])
    if kind == "MultiStepLR":
        return torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=spec["milestones"], gamma=spec["gamma"])
    if kind == "ExponentialLR":
        return torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=spec["gamma"])
    if kind == "CosineAnnealingLR":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=spec["t_max"], eta_min=spec["eta_min"])
    if kind == "LinearLR":
        return torch.optim.lr_scheduler.LinearLR(
            optimizer, start_factor=spec["start_factor"], end_factor=spec["end_factor"], total_iters=spec["total_iters"])
    if kind == "SequentialLR":
        children = [make_scheduler(optimizer, child) for child in spec["schedulers"]]
        return torch.optim.lr_scheduler.SequentialLR(optimizer, schedulers=children, milestones=spec["milestones"])
    raise ValueError(kind)


def make_optimizer(kind, params, options):
    o = dict(options)
    if "betas" in o:
        o["betas"] = tuple(o["betas"])
    cls = {"SGD": torch.optim.SGD, "Adam": torch.optim.Adam, "AdamW": torch.optim.AdamW}[kind]
    # The single-tensor loops: PyTorch's default on CPU, stated so a future default cannot change the goldens.
    return cls(params, foreach=False, **o)


def optimizer_case(name, kind, dtype, options, scheduler=None):
    dt = DTYPES[dtype]
    W = torch.tensor(PROBLEM["W"], dtype=dt, requires_grad=True)
    b = torch.tensor(PROBLEM["b"], dtype=dt, requires_grad=True)
    u = torch.tensor(PROBLEM["u"], dtype=dt, requires_grad=True)
    X = torch.tensor(PROBLEM["X"], dtype=dt)
    Y = torch.tensor(PROBLEM["Y"], dtype=dt)
    optimizer = make_optimizer(kind, [W, b, u], options)
    sched = make_scheduler(optimizer, scheduler) if scheduler else None
    steps = []
    for _ in range(STEPS):
        optimizer.zero_grad()
        loss = ((X @ W + b - Y) ** 2).mean()
        loss.backward()
        optimizer.step()
        if sched:
            sched.step()
        steps.append({"loss": float(loss.item()), "W": flat(W), "b": flat(b), "u": flat(u)})
    case = {"name": name, "optimizer": kind, "dtype": dtype, "options": options, "steps": steps}
    if scheduler:
        case["scheduler"] = scheduler
    return case


def scheduler_case(name, lr, spec):
    p = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([p], lr=lr)
    sched = make_scheduler(optimizer, spec)
    lrs = [float(sched.get_last_lr()[0])]
    for _ in range(EPOCHS):
        optimizer.step()
        sched.step()
        lrs.append(float(sched.get_last_lr()[0]))
    return {"name": name, "lr": lr, "scheduler": spec, "lrs": lrs}


def main():
    optimizers = [
        optimizer_case("sgd", "SGD", "float64", {"lr": 0.1}),
        optimizer_case("sgd_momentum_dampening", "SGD", "float64", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}),
        optimizer_case("sgd_nesterov_weight_decay", "SGD", "float64",
                       {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.01}),
        optimizer_case("sgd_momentum_weight_decay", "SGD", "float64",
                       {"lr": 0.03, "momentum": 0.5, "weight_decay": 0.1}),
        optimizer_case("sgd_nesterov_float32", "SGD", "float32",
                       {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.01}),
        optimizer_case("sgd_momentum_step_lr", "SGD", "float64", {"lr": 0.1, "momentum": 0.9},
                       scheduler={"type": "StepLR", "step_size": 2, "gamma": 0.5}),
        optimizer_case("adam", "Adam", "float64", {"lr": 0.01}),
        optimizer_case("adam_weight_decay", "Adam", "float64",
                       {"lr": 0.01, "betas": [0.8, 0.99], "eps": 1e-6, "weight_decay": 0.1}),
        optimizer_case("adam_amsgrad", "Adam", "float64", {"lr": 0.02, "amsgrad": True}),
        optimizer_case("adam_float32", "Adam", "float32", {"lr": 0.01, "weight_decay": 0.05}),
        optimizer_case("adamw", "AdamW", "float64", {"lr": 0.01}),
        optimizer_case("adamw_weight_decay", "AdamW", "float64",
                       {"lr": 0.02, "betas": [0.85, 0.995], "weight_decay": 0.3}),
        optimizer_case("adamw_float32", "AdamW", "float32", {"lr": 0.01, "weight_decay": 0.1}),
        optimizer_case("adamw_amsgrad_cosine", "AdamW", "float64", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1},
                       scheduler={"type": "CosineAnnealingLR", "t_max": 4, "eta_min": 0.001}),
    ]
    schedulers = [
        scheduler_case("step", 0.1, {"type": "StepLR", "step_size": 3, "gamma": 0.5}),
        scheduler_case("multi_step", 0.2, {"type": "MultiStepLR", "milestones": [2, 5, 5, 9], "gamma": 0.1}),
        scheduler_case("exponential", 0.05, {"type": "ExponentialLR", "gamma": 0.9}),
        scheduler_case("cosine", 0.1, {"type": "CosineAnnealingLR", "t_max": 10, "eta_min": 0.001}),
        scheduler_case("cosine_short", 0.3, {"type": "CosineAnnealingLR", "t_max": 5, "eta_min": 0.0}),
        scheduler_case("linear_warmup", 0.1, {"type": "LinearLR", "start_factor": 0.25, "end_factor": 1.0,
                                              "total_iters": 4}),
        scheduler_case("linear_default", 0.1, {"type": "LinearLR", "start_factor": 1.0 / 3, "end_factor": 1.0,
                                               "total_iters": 5}),
        scheduler_case("linear_decay", 0.5, {"type": "LinearLR", "start_factor": 1.0, "end_factor": 0.1,
                                             "total_iters": 8}),
        scheduler_case("warmup_then_cosine", 0.1, {
            "type": "SequentialLR", "milestones": [3],
            "schedulers": [{"type": "LinearLR", "start_factor": 0.1, "end_factor": 1.0, "total_iters": 3},
                           {"type": "CosineAnnealingLR", "t_max": 9, "eta_min": 0.0001}]}),
    ]
    problem = {k: {"shape": list(v.shape), "data": [float(x) for x in v.reshape(-1)]} for k, v in PROBLEM.items()}
    document = {"format": 1, "torch": torch.__version__, "problem": problem,
                "optimizers": optimizers, "schedulers": schedulers}
    # One case per line, so a change to one case is a one-line diff.
    def lines(cases):
        return "[\n" + ",\n".join("  " + json.dumps(c) for c in cases) + "\n ]"
    head = {k: v for k, v in document.items() if k not in ("optimizers", "schedulers")}
    text = json.dumps(head)[:-1] + ',\n "optimizers": ' + lines(optimizers) + ',\n "schedulers": ' + lines(schedulers) + "}\n"
    json.loads(text)  # well-formed
    with open(OUT, "w") as f:
        f.write(text)
    print(f"wrote {OUT}: {len(optimizers)} optimizer cases, {len(schedulers)} scheduler cases")


if __name__ == "__main__":
    main()
