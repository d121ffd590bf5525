#!/usr/bin/env python3
"""Golden values for every op in Lumen's op registry, computed with NumPy.

Run from the repository root (needs NumPy 2.x):

    python3 scripts/make_goldens.py

It writes Tests/LumenTests/Goldens/ops.json, which Tests/LumenTests/OpGoldenTests.swift checks every
registered op against. The output is deterministic (fixed seeds, no timestamps): rerunning the script
gives a byte-identical file.

File format: {"format": 1, "cases": [case, ...]}, one case per line. A case is
    {"name": "Add/broadcast_row_col/float32", "op": "Add",
     "inputs":  [{"dtype": "float32", "shape": [3, 1], "data": [...]}, ...],
     "attrs":   {"axes": {"ints": [0, 2]}, "keep_dims": {"bool": true}, ...},
     "outputs": [{"dtype": ..., "shape": ..., "data": [...]}, ...],
     "rtol": 1e-4, "atol": 1e-5,          # optional, looser than the per-dtype default
     "signed_zero": true}                  # optional: expected zeros must match in sign
Attribute kinds: int, float, bool, string, ints, floats, dtype, shape. Data is row-major; floats
that are NaN or infinite are the strings "nan", "inf", "-inf"; integral floats are written as
integers (except -0.0); float32 values are written as the shortest decimal that round-trips through
a double to the same float32. A large numeric tensor whose values are all the integers 0...9 is
written compactly as "digits": "0193..." instead of "data".

A case may carry "known_issue": "reason" (see KNOWN_ISSUES): the golden is NumPy's value and Lumen is
known to differ; the Swift test expects the mismatch (withKnownIssue) and fails once it is fixed.
"""

import json
import math
import os
import warnings

import numpy as np

warnings.simplefilter("ignore")
np.seterr(all="ignore")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "LumenTests", "Goldens", "ops.json")

F32, F64, I32, I64, U8, BOOL = np.float32, np.float64, np.int32, np.int64, np.uint8, np.bool_
FLOATS = [F32, F64]
INTS = [I32, I64, U8]
NUMERIC = FLOATS + INTS
ALL = NUMERIC + [BOOL]
NAN, INF = float("nan"), float("inf")

CASES = []
NAMES = set()


def dname(dt):
    return {F32: "float32", F64: "float64", I32: "int32", I64: "int64", U8: "uint8", BOOL: "bool"}[np.dtype(dt).type]


# ---------------------------------------------------------------- encoding


def enc_data(a):
    flat = np.asarray(a).reshape(-1)
    kind = flat.dtype.kind
    if kind == "b":
        return [bool(v) for v in flat]
    if kind in "iu":
        return [int(v) for v in flat]
    out = []
    for v in flat:
        if np.isnan(v):
            out.append("nan")
        elif np.isinf(v):
            out.append("inf" if v > 0 else "-inf")
        else:
            d = float(v)
            if d == 0.0:
                out.append(-0.0 if math.copysign(1.0, d) < 0 else 0)
            elif d.is_integer() and abs(d) < 2**53:
                out.append(int(d))
            elif flat.dtype == F32:
                s = float(str(v))  # shortest float32 repr
                out.append(s if np.float32(s) == v else d)
            else:
                out.append(d)
    return out


def enc_tensor(a):
    a = np.asarray(a)
    t = {"dtype": dname(a.dtype), "shape": list(a.shape)}
    if a.size >= 1024 and a.dtype != BOOL:
        flat = a.reshape(-1)
        if np.all((flat >= 0) & (flat <= 9) & (flat == np.round(flat))) and not np.any(np.signbit(flat)):
            t["digits"] = "".join("0123456789"[int(v)] for v in flat)
            return t
    t["data"] = enc_data(a)
    return t


# Cases where Lumen is known to differ from NumPy in code this script's owner may not change. Each
# names the cause; the Swift test records the mismatch as a known issue.
KNOWN_ISSUES: dict = {}


# attribute constructors
def I(v):
    return {"int": int(v)}


def IS(v):
    return {"ints": [int(x) for x in v]}


def FL(v):
    return {"float": float(v)}


def B(v):
    return {"bool": bool(v)}


def S(v):
    return {"string": v}


def DT(v):
    return {"dtype": dname(v)}


# Default tolerances (the Swift test's): per-case rtol/atol may only loosen them.
DEFAULT_TOL = {"float32": (1e-5, 1e-6), "float64": (1e-12, 1e-12)}


def case(name, op, inputs, outputs, attrs=None, rtol=None, atol=None, signed_zero=False):
    assert name not in NAMES, name
    for y in outputs:
        d = DEFAULT_TOL.get(dname(np.asarray(y).dtype))
        assert d is None or ((rtol or d[0]) >= d[0] and (atol or d[1]) >= d[1]), name
    NAMES.add(name)
    c = {"name": name, "op": op, "inputs": [enc_tensor(x) for x in inputs]}
    if attrs:
        c["attrs"] = attrs
    c["outputs"] = [enc_tensor(y) for y in outputs]
    if rtol is not None:
        c["rtol"] = rtol
    if atol is not None:
        c["atol"] = atol
    if signed_zero:
        c["signed_zero"] = True
    if name in KNOWN_ISSUES:
        c["known_issue"] = KNOWN_ISSUES[name]
    CASES.append(c)


def arr(values, dt):
    return np.array(values, dtype=dt)


def quant(rng, shape, dt, lo=-4, hi=4, step=0.25):
    """Random values on a grid (exact in float32), or integers for integer dtypes."""
    if dt == BOOL:
        return rng.integers(0, 2, size=shape).astype(BOOL)
    if np.dtype(dt).kind in "iu":
        info = np.iinfo(dt)
        return rng.integers(max(lo, info.min), min(hi, info.max) + 1, size=shape).astype(dt)
    n = int(round((hi - lo) / step))
    return (lo + step * rng.integers(0, n + 1, size=shape)).astype(dt)


def smooth(rng, shape, dt, lo=-3.0, hi=3.0):
    """Random floats rounded to 3 decimals."""
    return np.round(rng.uniform(lo, hi, size=shape), 3).astype(dt)


# ---------------------------------------------------------------- binary ops

BINARY = {
    "Add": (np.add, NUMERIC),
    "AddV2": (np.add, NUMERIC),
    "Sub": (np.subtract, NUMERIC),
    "Mul": (np.multiply, NUMERIC),
    "RealDiv": (np.true_divide, FLOATS),
    "FloorDiv": (np.floor_divide, NUMERIC),
    "FloorMod": (np.mod, NUMERIC),
    "Pow": (np.power, [F32, F64, I32, I64]),
    "Maximum": (np.maximum, NUMERIC),
    "Minimum": (np.minimum, NUMERIC),
    "SquaredDifference": (lambda a, b: np.square(np.subtract(a, b)), NUMERIC),
    "Equal": (np.equal, ALL),
    "NotEqual": (np.not_equal, ALL),
    "Less": (np.less, NUMERIC),
    "LessEqual": (np.less_equal, NUMERIC),
    "Greater": (np.greater, NUMERIC),
    "GreaterEqual": (np.greater_equal, NUMERIC),
    "LogicalAnd": (np.logical_and, [BOOL]),
    "LogicalOr": (np.logical_or, [BOOL]),
}


def binary(name, op, a, b, **kw):
    f = BINARY[op][0]
    out = np.asarray(f(a, b))
    if out.dtype != BOOL:
        out = out.astype(a.dtype)
    case(name, op, [a, b], [out], **kw)


def binary_operands(rng, op, dt, shape_a, shape_b):
    if op == "Pow":
        if np.dtype(dt).kind == "f":
            return quant(rng, shape_a, dt, 0.25, 3), quant(rng, shape_b, dt, -2, 2, 0.5)
        return quant(rng, shape_a, dt, -3, 3), quant(rng, shape_b, dt, 0, 6)
    if op in ("Equal", "NotEqual", "Less", "LessEqual", "Greater", "GreaterEqual", "Maximum", "Minimum"):
        if dt == U8:
            return quant(rng, shape_a, dt, 0, 3), quant(rng, shape_b, dt, 0, 3)
        return quant(rng, shape_a, dt, -2, 2, 1.0), quant(rng, shape_b, dt, -2, 2, 1.0)
    lo, hi = (0, 255) if dt == U8 else (-20, 20)
    if np.dtype(dt).kind == "f":
        lo, hi = -4, 4
    a = quant(rng, shape_a, dt, lo, hi)
    b = quant(rng, shape_b, dt, lo, hi)
    if op in ("RealDiv", "FloorDiv", "FloorMod"):
        b = np.where(b == 0, np.asarray(3, dtype=dt), b).astype(dt)
    return a, b


def binary_cases():
    rng = np.random.default_rng(1001)
    for op, (_, dtypes) in BINARY.items():
        for dt in dtypes:
            a, b = binary_operands(rng, op, dt, [2, 3], [2, 3])
            binary(f"{op}/same_shape/{dname(dt)}", op, a, b)
            a, b = binary_operands(rng, op, dt, [3, 4], [4])
            binary(f"{op}/broadcast_vector/{dname(dt)}", op, a, b)
    # broadcasting edge cases (Add, float32)
    shapes = [
        ("scalar_scalar", [], []),
        ("scalar_tensor", [], [2, 3]),
        ("tensor_scalar", [2, 3], []),
        ("one_tensor", [1], [2, 3]),
        ("row_col", [3, 1], [1, 4]),
        ("col_row", [1, 4], [3, 1]),
        ("rank_mismatch", [2, 3, 4], [4]),
        ("rank_mismatch_rev", [4], [2, 3, 4]),
        ("middle", [2, 3, 4], [2, 1, 4]),
        ("outer", [2, 3, 4], [1, 3, 4]),
        ("inner", [2, 3, 4], [2, 3, 1]),
        ("both_ways_3d", [5, 1, 4], [1, 3, 1]),
        ("rank3_vs_rank2", [2, 1, 3], [4, 1]),
        ("rank4", [2, 1, 3, 1], [1, 4, 1, 5]),
        ("empty_rows", [0, 3], [1, 3]),
        ("empty_vs_scalar", [0], []),
        ("empty_vs_vector", [2, 0], [1]),
        ("empty_both", [0, 3], [0, 3]),
        ("ones", [1, 1], [1, 1, 1]),
    ]
    for label, sa, sb in shapes:
        binary(f"Add/broadcast_{label}/float32", "Add", quant(rng, sa, F32), quant(rng, sb, F32))
    binary("Sub/broadcast_row_col/int32", "Sub", quant(rng, [3, 1], I32, -9, 9), quant(rng, [1, 4], I32, -9, 9))
    binary("Mul/broadcast_rank_mismatch/int64", "Mul", quant(rng, [2, 3, 4], I64, -9, 9), quant(rng, [3, 1], I64, -9, 9))
    binary("Less/broadcast_row_col/float64", "Less", quant(rng, [3, 1], F64, -2, 2, 1), quant(rng, [1, 4], F64, -2, 2, 1))
    binary("Equal/broadcast_rank_mismatch/bool", "Equal", quant(rng, [2, 3], BOOL), quant(rng, [3], BOOL))
    binary("LogicalAnd/broadcast_row_col/bool", "LogicalAnd", quant(rng, [3, 1], BOOL), quant(rng, [1, 4], BOOL))
    binary("LogicalOr/broadcast_scalar/bool", "LogicalOr", arr(False, BOOL), quant(rng, [5], BOOL))
    binary("Maximum/broadcast_row_col/uint8", "Maximum", quant(rng, [3, 1], U8, 0, 255), quant(rng, [1, 4], U8, 0, 255))
    binary("Greater/empty/int32", "Greater", quant(rng, [0, 3], I32), quant(rng, [3], I32))
    binary("RealDiv/broadcast_middle/float64", "RealDiv", quant(rng, [2, 3, 4], F64), quant(rng, [2, 1, 4], F64, 0.5, 4))

    # large: 100_000 outputs, crosses the parallel threshold ([1000,1] + [1,100])
    binary("Add/large_broadcast/float32", "Add", quant(rng, [1000, 1], F32, 0, 4, 1), quant(rng, [1, 100], F32, 0, 4, 1))

    # integer overflow wraps
    i32max, i32min = np.iinfo(I32).max, np.iinfo(I32).min
    i64max, i64min = np.iinfo(I64).max, np.iinfo(I64).min
    binary("Add/overflow/int32", "Add", arr([i32max, i32min, 2147483000, -5], I32), arr([1, -1, 1000, 5], I32))
    binary("Add/overflow/int64", "Add", arr([i64max, i64min, 5], I64), arr([1, -1, -5], I64))
    binary("Add/overflow/uint8", "Add", arr([255, 200, 0], U8), arr([1, 100, 0], U8))
    binary("Sub/overflow/int32", "Sub", arr([i32min, i32max, 0], I32), arr([1, -1, i32min], I32))
    binary("Sub/underflow/uint8", "Sub", arr([0, 5, 100], U8), arr([1, 10, 100], U8))
    binary("Mul/overflow/int32", "Mul", arr([65536, 46341, i32min, -7, 123456789], I32), arr([65536, 46341, -1, 3, 987], I32))
    binary("Mul/overflow/int64", "Mul", arr([2**32, 3037000500, i64min, 10**18], I64), arr([2**32, 3037000500, -1, 10], I64))
    binary("Mul/overflow/uint8", "Mul", arr([16, 255, 17], U8), arr([16, 255, 15], U8))
    binary("SquaredDifference/overflow/int32", "SquaredDifference", arr([100000, -50000, 3], I32), arr([-100000, 50000, 3], I32))
    binary("SquaredDifference/wrap/uint8", "SquaredDifference", arr([0, 10, 3], U8), arr([1, 30, 3], U8))

    # integer division semantics
    for dt in [I32, I64]:
        mn = np.iinfo(dt).min
        a = arr([-7, 7, -7, 7, 6, -6, 0, 5, -5, mn, mn, 1], dt)
        b = arr([2, -2, -2, 2, 3, 3, 4, 0, 0, -1, 1, mn], dt)
        binary(f"FloorDiv/signs_and_zero/{dname(dt)}", "FloorDiv", a, b)
        binary(f"FloorMod/signs_and_zero/{dname(dt)}", "FloorMod", a, b)
    binary("FloorDiv/zero/uint8", "FloorDiv", arr([7, 200, 0, 9], U8), arr([2, 0, 0, 10], U8))
    binary("FloorMod/zero/uint8", "FloorMod", arr([7, 200, 0, 9], U8), arr([2, 0, 0, 10], U8))
    for dt in FLOATS:
        a = arr([-7.5, 7.5, -7.5, 7.5, -0.5, 0.5, 1, -1, 0, 5, 3, -3, NAN, 6, INF], dt)
        b = arr([2, -2, -2, 2, 2, -2, 0, 0, 0, INF, 1.5, 1.5, 2, NAN, 2], dt)
        binary(f"FloorDiv/specials/{dname(dt)}", "FloorDiv", a, b, signed_zero=True)
        binary(f"FloorMod/specials/{dname(dt)}", "FloorMod", a, b, signed_zero=True)
        a = arr([5, -5, INF, -INF, 0, -0.0, INF], dt)
        b = arr([INF, -INF, 2, 3, INF, -INF, -INF], dt)
        binary(f"FloorDiv/infinite_operands/{dname(dt)}", "FloorDiv", a, b, signed_zero=True)
        binary(f"FloorMod/infinite_operands/{dname(dt)}", "FloorMod", a, b, signed_zero=True)
        a, b = arr([-5, 5, 0.5, -0.5], dt), arr([INF, -INF, -INF, INF], dt)
        binary(f"FloorDiv/opposite_sign_infinite_divisor/{dname(dt)}", "FloorDiv", a, b)
        binary(f"FloorMod/opposite_sign_infinite_divisor/{dname(dt)}", "FloorMod", a, b)
        binary(f"RealDiv/specials/{dname(dt)}", "RealDiv", arr([1, -1, 0, 5, -5, INF, NAN, -0.0, 3], dt),
               arr([0, 0, 0, INF, INF, INF, 1, 2, -0.0], dt), signed_zero=True)
        binary(f"Add/specials/{dname(dt)}", "Add", arr([INF, INF, NAN, 1, -INF, -0.0, -0.0, 1e30], dt),
               arr([-INF, 1, 1, NAN, -INF, -0.0, 0.0, -1e30], dt), signed_zero=True)
        binary(f"Mul/specials/{dname(dt)}", "Mul", arr([0, -0.0, INF, NAN, -2, 3, -INF], dt),
               arr([INF, 5, -2, 0, 0, -0.0, -INF], dt), signed_zero=True)
        binary(f"Pow/specials/{dname(dt)}", "Pow", arr([0, 0, 1, INF, INF, 2, 4, 10, 0.5, 2, 1e10], dt),
               arr([-1, 2, NAN, -1, 0.5, 0.5, -0.5, 2, -INF, INF, 40], dt))
        binary(f"Pow/negative_base_and_nan/{dname(dt)}", "Pow", arr([-8, NAN, -2, -2, 0, -INF, -1, -0.5, NAN], dt),
               arr([1 / 3, 0, 3, -2, 0, 3, INF, 2, 1], dt))
        binary(f"Maximum/nan_inf/{dname(dt)}", "Maximum", arr([NAN, 1, NAN, INF, -INF, -1, 2], dt),
               arr([1, NAN, NAN, 1, -2, -INF, 2], dt))
        binary(f"Minimum/nan_inf/{dname(dt)}", "Minimum", arr([NAN, 1, NAN, INF, -INF, -1, 2], dt),
               arr([1, NAN, NAN, 1, -2, -INF, 2], dt))
        binary(f"SquaredDifference/specials/{dname(dt)}", "SquaredDifference", arr([INF, NAN, 1e20, 3], dt),
               arr([1, 1, -1e20, 3], dt))
        for op in ["Equal", "NotEqual", "Less", "LessEqual", "Greater", "GreaterEqual"]:
            binary(f"{op}/nan_inf/{dname(dt)}", op, arr([NAN, NAN, 1, INF, -INF, INF, -0.0], dt),
                   arr([NAN, 1, NAN, INF, INF, 1e30, 0.0], dt))
    for dt in [I32, I64]:
        binary(f"Pow/overflow_and_edges/{dname(dt)}", "Pow", arr([3, 0, -2, -3, 7, 1, -1, 2, 0], dt),
               arr([25 if dt == I32 else 45, 0, 3, 4, 0, 100, 7, 31 if dt == I32 else 63, 5], dt))


# ---------------------------------------------------------------- unary ops

def sigmoid_ref(x):
    x64 = x.astype(F64)
    with np.errstate(all="ignore"):
        out = np.where(x64 >= 0, 1 / (1 + np.exp(-x64)), np.exp(x64) / (1 + np.exp(x64)))
    return out.astype(x.dtype)


def gelu_ref(x, approximate):
    """Per element in double precision (math.erf / math.tanh); finite values and NaN only."""
    out = []
    for v in x.astype(F64).reshape(-1):
        v = float(v)
        if math.isnan(v):
            out.append(NAN)
        elif approximate:
            out.append(0.5 * v * (1 + math.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v**3))))
        else:
            out.append(0.5 * v * (1 + math.erf(v / math.sqrt(2))))
    return np.array(out, dtype=F64).reshape(x.shape).astype(x.dtype)


UNARY = {
    "Neg": (np.negative, NUMERIC),
    "Abs": (np.abs, NUMERIC),
    "Sign": (np.sign, NUMERIC),
    "Square": (np.square, NUMERIC),
    "Relu": (lambda x: np.maximum(x, np.zeros((), x.dtype)), NUMERIC),
    "Exp": (lambda x: np.exp(x.astype(F64)).astype(x.dtype), FLOATS),
    "Log": (lambda x: np.log(x.astype(F64)).astype(x.dtype), FLOATS),
    "Sqrt": (np.sqrt, FLOATS),
    "Rsqrt": (lambda x: (1 / np.sqrt(x.astype(F64))).astype(x.dtype), FLOATS),
    "Tanh": (lambda x: np.tanh(x.astype(F64)).astype(x.dtype), FLOATS),
    "Sigmoid": (sigmoid_ref, FLOATS),
    "Softplus": (lambda x: np.logaddexp(0, x.astype(F64)).astype(x.dtype), FLOATS),
    "LogicalNot": (np.logical_not, [BOOL]),
}


def unary(name, op, x, **kw):
    out = np.asarray(UNARY[op][0](x)).astype(x.dtype)
    case(name, op, [x], [out], **kw)


def unary_cases():
    rng = np.random.default_rng(2002)
    float_specials = [NAN, INF, -INF, 0.0, -0.0]
    for op, (_, dtypes) in UNARY.items():
        for dt in dtypes:
            if dt == BOOL:
                x = quant(rng, [2, 3], BOOL)
            elif dt == U8:
                x = quant(rng, [2, 4], U8, 0, 255)
            elif np.dtype(dt).kind == "i":
                x = quant(rng, [2, 4], dt, -50, 50)
            elif op in ("Log", "Sqrt", "Rsqrt"):
                x = smooth(rng, [2, 4], dt, 0.01, 20.0)
            elif op == "Exp":
                x = smooth(rng, [2, 4], dt, -20.0, 20.0)
            else:
                x = smooth(rng, [2, 4], dt, -6.0, 6.0)
            unary(f"{op}/random/{dname(dt)}", op, x)
            if np.dtype(dt).kind == "f":
                extra = {"Log": [1.0, 1e-30, -1.0, 0.5], "Sqrt": [4.0, 1e-30, -1.0, 2.0], "Rsqrt": [4.0, 1e-30, -1.0, 0.25],
                         "Exp": [88.0, -88.0, 700.0, -700.0], "Tanh": [1e-8, -20.0, 20.0, 0.5],
                         "Sigmoid": [-40.0, 40.0, 1e-8, -700.0], "Softplus": [-40.0, 40.0, 1e-8, 700.0]}.get(op, [1.5, -2.5, 1e30, -1e-30])
                x = arr(float_specials + extra, dt)
                sz = op in ("Neg", "Abs", "Square")
                unary(f"{op}/specials/{dname(dt)}", op, x, signed_zero=sz)
    # integer edges
    for dt in [I32, I64]:
        mn, mx = np.iinfo(dt).min, np.iinfo(dt).max
        x = arr([mn, mx, 0, -1, 1, mn + 1], dt)
        for op in ["Neg", "Abs", "Sign", "Square", "Relu"]:
            unary(f"{op}/extremes/{dname(dt)}", op, x)
    x = arr([0, 1, 127, 128, 255], U8)
    for op in ["Neg", "Abs", "Sign", "Square", "Relu"]:
        unary(f"{op}/extremes/uint8", op, x)
    # empty and scalar tensors
    unary("Neg/empty/float32", "Neg", np.zeros([0], F32))
    unary("Exp/empty/float64", "Exp", np.zeros([2, 0], F64))
    unary("Abs/empty/int32", "Abs", np.zeros([0, 3], I32))
    unary("LogicalNot/empty/bool", "LogicalNot", np.zeros([0], BOOL))
    unary("Tanh/scalar/float32", "Tanh", arr(0.5, F32))
    unary("Relu/scalar/int64", "Relu", arr(-3, I64))

    # Gelu, exact and tanh approximation
    for dt in FLOATS:
        x = np.concatenate([smooth(rng, [10], dt, -5, 5), arr([0.0, -0.0, 8.0, -8.0, 1e-6], dt)])
        for approx in [False, True]:
            case(f"Gelu/{'tanh' if approx else 'exact'}/{dname(dt)}", "Gelu", [x], [gelu_ref(x, approx)],
                 attrs={"approximate": B(approx)})
    x = smooth(rng, [2, 3], F32, -3, 3)
    case("Gelu/default_exact/float32", "Gelu", [x], [gelu_ref(x, False)])
    case("Gelu/nan/float64", "Gelu", [arr([NAN], F64)], [arr([NAN], F64)], attrs={"approximate": B(False)})

    # ClipByValue
    for dt in NUMERIC:
        if np.dtype(dt).kind == "f":
            x = np.concatenate([smooth(rng, [8], dt, -5, 5), arr([NAN, INF, -INF, -0.0], dt)])
            lo, hi = -1.5, 2.25
        elif dt == U8:
            x = quant(rng, [8], dt, 0, 255)
            lo, hi = 50, 200
        else:
            x = quant(rng, [8], dt, -50, 50)
            lo, hi = -10, 20
        out = np.clip(x, np.asarray(lo, dtype=dt), np.asarray(hi, dtype=dt)).astype(dt)
        case(f"ClipByValue/basic/{dname(dt)}", "ClipByValue", [x], [out], attrs={"min": FL(lo), "max": FL(hi)})
    x = quant(rng, [2, 3], F64, -4, 4)
    case("ClipByValue/int_attrs/float64", "ClipByValue", [x], [np.clip(x, -1, 1)], attrs={"min": I(-1), "max": I(1)})

    # SelectV2
    for dt in ALL:
        c = quant(rng, [2, 3], BOOL)
        x, y = quant(rng, [2, 3], dt, 0, 9), quant(rng, [2, 3], dt, 0, 9)
        case(f"SelectV2/same_shape/{dname(dt)}", "SelectV2", [c, x, y], [np.where(c, x, y)])
    c, x, y = quant(rng, [3, 1, 1], BOOL), quant(rng, [1, 4, 1], F32), quant(rng, [5], F32)
    case("SelectV2/broadcast_all/float32", "SelectV2", [c, x, y], [np.where(c, x, y)])
    c, x, y = quant(rng, [4], BOOL), quant(rng, [3, 4], I64, -9, 9), arr(-1, I64)
    case("SelectV2/scalar_y/int64", "SelectV2", [c, x, y], [np.where(c, x, y)])
    c, x, y = arr(True, BOOL), quant(rng, [2, 2], F64), quant(rng, [2, 1], F64)
    case("SelectV2/scalar_cond/float64", "SelectV2", [c, x, y], [np.where(c, x, y)])
    c, x, y = quant(rng, [0, 3], BOOL), quant(rng, [3], F32), quant(rng, [1, 3], F32)
    case("SelectV2/empty/float32", "SelectV2", [c, x, y], [np.where(c, x, y)])
    c = arr([True, False, True], BOOL)
    case("SelectV2/nan/float32", "SelectV2", [c, arr([NAN, 1, -0.0], F32), arr([2, NAN, 3], F32)],
         [arr([NAN, NAN, -0.0], F32)], signed_zero=True)

    # Cast: every pair of dtypes, values in range for every destination
    for src in ALL:
        for dst in ALL:
            if src == BOOL:
                x = arr([True, False, True, True], BOOL)
            elif np.dtype(src).kind == "f":
                x = arr([0.0, 1.0, 2.7, 200.9, 0.5, 99.99, 255.0, 3.2], src)
                if dst not in (U8, BOOL):
                    x = arr([0.0, -1.5, 2.7, -200.9, 0.5, -0.99, 100000.75, 3.2], src)
            elif src == U8:
                x = arr([0, 1, 127, 128, 255], U8)
            else:
                x = arr([0, 1, -1, 127, -128, 255, 100000, -100000], src)
                if dst == U8:
                    x = arr([0, 1, 127, 128, 255, 7], src)
            case(f"Cast/{dname(src)}_to_{dname(dst)}", "Cast", [x], [x.astype(dst)], attrs={"DstT": DT(dst)})
    # integer narrowing wraps (np.astype, like C, TensorFlow and PyTorch)
    x = arr([300, -1, 256, -129, 2**31 + 5, -(2**40) - 3], I64)
    case("Cast/int64_to_int32_wrap", "Cast", [x], [x.astype(I32)], attrs={"DstT": DT(I32)})
    case("Cast/int64_to_uint8_wrap", "Cast", [x], [x.astype(U8)], attrs={"DstT": DT(U8)})
    x = arr([300, -1, 256, -129, 1000], I32)
    case("Cast/int32_to_uint8_wrap", "Cast", [x], [x.astype(U8)], attrs={"DstT": DT(U8)})
    x = arr([2**62 + 1, -(2**53) - 1, 12345678901], I64)
    case("Cast/int64_to_float64_large", "Cast", [x], [x.astype(F64)], attrs={"DstT": DT(F64)})
    x = arr([1e30, -1e-30, NAN, INF, -INF, 3.4028235e38, 1e-45], F64)
    case("Cast/float64_to_float32_specials", "Cast", [x], [x.astype(F32)], attrs={"DstT": DT(F32)})
    x = arr([NAN, INF, -0.0, 0.0, 1e-30], F32)
    case("Cast/float32_to_bool_specials", "Cast", [x], [x.astype(BOOL)], attrs={"DstT": DT(BOOL)})
    case("Cast/float32_to_float64_specials", "Cast", [x], [x.astype(F64)], attrs={"DstT": DT(F64)}, signed_zero=True)
    x = arr([2**53 + 2**29 + 1, -(2**40) - 1, 16777217, 2**63 - 1], I64)
    case("Cast/int64_to_float32_rounding", "Cast", [x], [x.astype(F32)], attrs={"DstT": DT(F32)})
    x = np.zeros([0, 2], I32)
    case("Cast/empty_int32_to_float32", "Cast", [x], [x.astype(F32)], attrs={"DstT": DT(F32)})


# ---------------------------------------------------------------- reductions

def lse_ref(x, axes, keep):
    x64 = x.astype(F64)
    if x64.size == 0:
        m = np.zeros(np.sum(x64, axis=axes, keepdims=True).shape)
    else:
        m = np.max(x64, axis=axes, keepdims=True)
        m = np.where(np.isfinite(m), m, 0.0)
    r = np.log(np.sum(np.exp(x64 - m), axis=axes, keepdims=True)) + m
    if not keep:
        r = np.squeeze(r, axis=axes) if axes is not None else r.reshape(())
    return r.astype(x.dtype)


def reduce_ref(op, x, axes, keep, correction=0):
    if op == "Sum":
        return np.sum(x, axis=axes, keepdims=keep, dtype=x.dtype)
    if op == "Prod":
        return np.prod(x, axis=axes, keepdims=keep, dtype=x.dtype)
    if op == "Max":
        return np.max(x, axis=axes, keepdims=keep)
    if op == "Min":
        return np.min(x, axis=axes, keepdims=keep)
    if op == "Mean":
        return np.mean(x, axis=axes, keepdims=keep, dtype=x.dtype)
    if op == "Variance":
        return np.var(x.astype(F64), axis=axes, keepdims=keep, ddof=correction).astype(x.dtype)
    if op == "LogSumExp":
        return lse_ref(x, axes, keep)
    raise ValueError(op)


REDUCTIONS = {"Sum": NUMERIC, "Prod": NUMERIC, "Max": NUMERIC, "Min": NUMERIC, "Mean": FLOATS,
              "Variance": FLOATS, "LogSumExp": FLOATS}


def reduction(name, op, x, axes=None, keep=None, correction=None, **kw):
    attrs = {}
    if axes is not None:
        attrs["axes"] = IS(axes)
    if keep is not None:
        attrs["keep_dims"] = B(keep)
    if correction is not None:
        attrs["correction"] = I(correction)
    np_axes = tuple(axes) if axes is not None else None
    out = np.asarray(reduce_ref(op, x, np_axes, bool(keep), correction or 0)).astype(x.dtype)
    case(name, op, [x], [out], attrs=attrs, **kw)


def reduction_input(rng, op, dt, shape):
    if op == "Prod":
        if np.dtype(dt).kind == "f":
            return quant(rng, shape, dt, -2, 2, 0.5)
        return quant(rng, shape, dt, 0 if dt == U8 else -3, 3)
    if op in ("Sum", "Mean", "Max", "Min"):
        if dt == U8:
            return quant(rng, shape, dt, 0, 255)
        return quant(rng, shape, dt, -20, 20) if np.dtype(dt).kind in "iu" else quant(rng, shape, dt, -4, 4)
    return smooth(rng, shape, dt, -3, 3)


def reduction_cases():
    rng = np.random.default_rng(3003)
    axis_sets = [(None, None), ([0], None), ([1], None), ([2], None), ([-1], None), ([0, 1], None),
                 ([1, 2], None), ([0, 2], None), ([0, 1, 2], None), ([], None), ([0, 2], True), ([1], True),
                 (None, True), ([-3, -1], False)]
    for op, dtypes in REDUCTIONS.items():
        for dt in dtypes:
            x = reduction_input(rng, op, dt, [2, 3, 4])
            main = dt in (F32, I32) or (op in ("Mean", "Variance", "LogSumExp") and dt == F64)
            for axes, keep in (axis_sets if main else axis_sets[:2] + [([0, 2], True)]):
                label = "all" if axes is None else ("none" if axes == [] else "_".join(str(a) for a in axes))
                if keep is not None:
                    label += "_keep" if keep else "_nokeep"
                reduction(f"{op}/axes_{label}/{dname(dt)}", op, x, axes, keep)
            x4 = reduction_input(rng, op, dt, [2, 3, 2, 3])
            reduction(f"{op}/rank4_axes_1_3_keep/{dname(dt)}", op, x4, [1, 3], True)
            reduction(f"{op}/rank4_axes_0_2/{dname(dt)}", op, x4, [0, 2], None)
            reduction(f"{op}/rank4_axes_1_2/{dname(dt)}", op, x4, [-3, -2], None)
            reduction(f"{op}/scalar/{dname(dt)}", op, reduction_input(rng, op, dt, []), None, None)
    # empty inputs
    for dt in [F32, F64, I32]:
        e = np.zeros([0, 3], dt)
        for op in ["Sum", "Prod"]:
            reduction(f"{op}/empty_all/{dname(dt)}", op, e)
            reduction(f"{op}/empty_axis0/{dname(dt)}", op, e, [0])
            reduction(f"{op}/empty_axis1/{dname(dt)}", op, e, [1])
        reduction(f"Max/empty_nonreduced_axis/{dname(dt)}", "Max", e, [1])
        reduction(f"Min/empty_nonreduced_axis/{dname(dt)}", "Min", e, [1], True)
    for dt in FLOATS:
        e = np.zeros([0, 3], dt)
        reduction(f"Mean/empty_all/{dname(dt)}", "Mean", e)
        reduction(f"Mean/empty_axis0/{dname(dt)}", "Mean", e, [0])
        reduction(f"Mean/empty_axis1/{dname(dt)}", "Mean", e, [1])
        reduction(f"Variance/empty_axis0/{dname(dt)}", "Variance", e, [0])
        reduction(f"LogSumExp/empty_axis0/{dname(dt)}", "LogSumExp", e, [0])
    # Variance with a correction (ddof)
    for dt in FLOATS:
        x = smooth(rng, [3, 5], dt, -3, 3)
        reduction(f"Variance/correction1_axis1/{dname(dt)}", "Variance", x, [1], None, 1)
        reduction(f"Variance/correction1_all/{dname(dt)}", "Variance", x, None, None, 1)
        reduction(f"Variance/correction0_axis0_keep/{dname(dt)}", "Variance", x, [0], True, 0)
    # special values
    for dt in FLOATS:
        x = arr([[1, NAN, 3], [INF, 2, -INF], [-1, -2, -3], [5, 5, NAN]], dt)
        for op in ["Max", "Min", "Sum", "Prod", "Mean"]:
            reduction(f"{op}/nan_inf_axis1/{dname(dt)}", op, x, [1])
            reduction(f"{op}/nan_inf_axis0/{dname(dt)}", op, x, [0])
        x = arr([[1, 2, INF], [-INF, -INF, -INF], [0, NAN, 1], [1000, 1000, -1000]], dt)
        reduction(f"LogSumExp/specials_axis1/{dname(dt)}", "LogSumExp", x, [1])
        reduction(f"Max/negzero/{dname(dt)}", "Max", arr([-INF, -INF], dt), [0])
    # integer wrap
    reduction("Sum/wrap/int32", "Sum", arr([2**31 - 1, 1, 5], I32))
    reduction("Sum/wrap/uint8", "Sum", arr([200, 100, 7], U8))
    reduction("Prod/wrap/int32", "Prod", arr([65536, 65536, 3], I32))
    reduction("Prod/wrap/int64", "Prod", arr([2**40, 2**30, 3], I64))
    reduction("Max/extremes/int64", "Max", arr([-(2**63), -(2**62)], I64))
    reduction("Min/extremes/uint8", "Min", arr([255, 255], U8))

    # large inputs that cross the parallel thresholds (integer-valued, so every summation order is exact)
    big = quant(rng, [300, 300], F32, 0, 9, 1)
    reduction("Sum/large_axis0/float32", "Sum", big, [0])
    big = quant(rng, [300, 300], F32, 0, 9, 1)
    reduction("Sum/large_axis1/float32", "Sum", big, [1])
    flat = quant(rng, [140003], F32, 0, 9, 1)
    reduction("Sum/large_all/float32", "Sum", flat)
    # outer and inner both > 1: the parallel chunks split rows of `inner` in the middle
    mid = quant(rng, [7, 10, 999], F32, 0, 9, 1)
    reduction("Sum/large_middle_axis/float32", "Sum", mid, [1])
    mid = quant(rng, [7, 10, 999], I32, 0, 9, 1)
    reduction("Max/large_middle_axis_keep/int32", "Max", mid, [1], True)
    big = quant(rng, [300, 300], F32, 0, 9, 1)
    reduction("Max/large_axis0/float32", "Max", big, [0])

    # ArgMax / ArgMin
    for op, f in [("ArgMax", np.argmax), ("ArgMin", np.argmin)]:
        for dt in NUMERIC:
            x = quant(rng, [3, 4], dt, 0 if dt == U8 else -3, 3, 1)  # many ties: first occurrence wins
            case(f"{op}/flat/{dname(dt)}", op, [x], [np.asarray(f(x), I64)])
            case(f"{op}/axis0/{dname(dt)}", op, [x], [f(x, axis=0).astype(I64)], attrs={"axis": I(0)})
            case(f"{op}/axis1/{dname(dt)}", op, [x], [f(x, axis=1).astype(I64)], attrs={"axis": I(1)})
        x = quant(rng, [2, 3, 4], F32, -3, 3, 1)
        case(f"{op}/axis_neg1_keep/float32", op, [x], [f(x, axis=-1, keepdims=True).astype(I64)],
             attrs={"axis": I(-1), "keep_dims": B(True)})
        case(f"{op}/axis1_rank3/float32", op, [x], [f(x, axis=1).astype(I64)], attrs={"axis": I(1)})
        case(f"{op}/axis0_keep_rank3/float32", op, [x], [f(x, axis=0, keepdims=True).astype(I64)],
             attrs={"axis": I(0), "keep_dims": B(True)})
        for dt in FLOATS:
            x = arr([[1, NAN, 3, NAN], [INF, 2, -INF, 1], [NAN, 0, 0, 9], [-1, -1, -1, -1]], dt)
            case(f"{op}/nan_inf_axis1/{dname(dt)}", op, [x], [f(x, axis=1).astype(I64)], attrs={"axis": I(1)})
            case(f"{op}/nan_inf_axis0/{dname(dt)}", op, [x], [f(x, axis=0).astype(I64)], attrs={"axis": I(0)})
            case(f"{op}/nan_flat/{dname(dt)}", op, [x], [np.asarray(f(x), I64)])
        x = arr(7, I32)
        case(f"{op}/scalar/int32", op, [x], [np.asarray(f(x), I64)])


# ---------------------------------------------------------------- matmul

def matmul_cases():
    rng = np.random.default_rng(4004)

    def mm(name, op, a, b, ta, tb, **kw):
        am = np.swapaxes(a, -1, -2) if ta else a
        bm = np.swapaxes(b, -1, -2) if tb else b
        if np.dtype(a.dtype).kind == "f":
            out = np.matmul(am.astype(F64), bm.astype(F64)).astype(a.dtype)
        else:
            out = np.matmul(am, bm).astype(a.dtype)  # integer matmul wraps like the dtype
        keys = ("transpose_a", "transpose_b") if op == "MatMul" else ("adj_x", "adj_y")
        attrs = {}
        if ta is not None:
            attrs[keys[0]] = B(ta)
        if tb is not None:
            attrs[keys[1]] = B(tb)
        case(name, op, [a, b], [out], attrs=attrs, **kw)

    for dt in NUMERIC:
        lo, hi = (0, 9) if dt == U8 else (-4, 4)
        for ta in [False, True]:
            for tb in [False, True]:
                m, k, n = 3, 5, 4
                a = quant(rng, [k, m] if ta else [m, k], dt, lo, hi)
                b = quant(rng, [n, k] if tb else [k, n], dt, lo, hi)
                mm(f"MatMul/ta{int(ta)}_tb{int(tb)}/{dname(dt)}", "MatMul", a, b, ta, tb)
                a = quant(rng, [2, k, m] if ta else [2, m, k], dt, lo, hi)
                b = quant(rng, [2, n, k] if tb else [2, k, n], dt, lo, hi)
                mm(f"BatchMatMulV2/adjx{int(ta)}_adjy{int(tb)}/{dname(dt)}", "BatchMatMulV2", a, b, ta, tb)
    mm("MatMul/default_attrs/float32", "MatMul", quant(rng, [2, 3], F32), quant(rng, [3, 2], F32), None, None)
    mm("MatMul/vector_like/float64", "MatMul", quant(rng, [1, 7], F64), quant(rng, [7, 1], F64), False, False)
    mm("MatMul/k0/float32", "MatMul", np.zeros([2, 0], F32), np.zeros([0, 3], F32), False, False)
    mm("MatMul/k0/int32", "MatMul", np.zeros([2, 0], I32), np.zeros([0, 3], I32), False, False)
    mm("MatMul/m0/float64", "MatMul", np.zeros([0, 3], F64), quant(rng, [3, 2], F64), False, False)
    mm("MatMul/larger/float32", "MatMul", quant(rng, [17, 33], F32), quant(rng, [33, 9], F32), False, False)
    mm("MatMul/overflow/int32", "MatMul", arr([[65536, 65536]], I32), arr([[65536], [3]], I32), False, False)
    mm("MatMul/nan_inf/float32", "MatMul", arr([[1, NAN], [INF, 0], [1, 1]], F32), arr([[1, 2], [3, 4]], F32),
       False, False)
    # batch broadcasting
    mm("BatchMatMulV2/broadcast_batch/float32", "BatchMatMulV2", quant(rng, [2, 1, 3, 4], F32),
       quant(rng, [5, 4, 2], F32), False, False)
    mm("BatchMatMulV2/broadcast_batch_adj/float64", "BatchMatMulV2", quant(rng, [3, 1, 4, 3], F64),
       quant(rng, [1, 2, 2, 4], F64), True, True)
    mm("BatchMatMulV2/rank2_vs_rank3/float32", "BatchMatMulV2", quant(rng, [3, 4], F32), quant(rng, [2, 4, 5], F32),
       False, False)
    mm("BatchMatMulV2/rank3_vs_rank2/int64", "BatchMatMulV2", quant(rng, [2, 3, 4], I64), quant(rng, [4, 2], I64),
       False, None)
    mm("BatchMatMulV2/rank2/int32", "BatchMatMulV2", quant(rng, [2, 3], I32), quant(rng, [2, 3], I32), None, True)
    mm("BatchMatMulV2/batch1_broadcast/float32", "BatchMatMulV2", quant(rng, [1, 2, 3], F32),
       quant(rng, [4, 3, 2], F32), False, False)
    mm("BatchMatMulV2/empty_batch/float32", "BatchMatMulV2", np.zeros([0, 2, 3], F32), quant(rng, [3, 4], F32),
       False, False)


# ---------------------------------------------------------------- shape ops

def take_slice(x, spec):
    """spec: list of ('r', begin|None, end|None, step) or ('i', index). Returns (numpy result, attrs)."""
    begin, end, strides = [], [], []
    bm = em = sm = 0
    index = []
    for axis, s in enumerate(spec):
        if s[0] == "i":
            begin.append(s[1]); end.append(s[1] + 1); strides.append(1)
            sm |= 1 << axis
            index.append(s[1])
        else:
            _, b, e, st = s
            begin.append(0 if b is None else b); end.append(0 if e is None else e); strides.append(st)
            if b is None:
                bm |= 1 << axis
            if e is None:
                em |= 1 << axis
            index.append(slice(b, e, st))
    attrs = {"begin": IS(begin), "end": IS(end), "strides": IS(strides)}
    if bm:
        attrs["begin_mask"] = I(bm)
    if em:
        attrs["end_mask"] = I(em)
    if sm:
        attrs["shrink_axis_mask"] = I(sm)
    return np.array(x[tuple(index)]), attrs


def shape_cases():
    rng = np.random.default_rng(5005)

    def val(shape, dt):
        if dt == BOOL:
            return quant(rng, shape, BOOL)
        return quant(rng, shape, dt, 0 if dt == U8 else -9, 9, 1 if np.dtype(dt).kind in "iu" else 0.5)

    for dt in ALL:
        d = dname(dt)
        x = val([2, 3, 4], dt)
        case(f"Identity/basic/{d}", "Identity", [x], [x])
        case(f"Reshape/infer/{d}", "Reshape", [x], [x.reshape(4, -1)], attrs={"shape": IS([4, -1])})
        case(f"ExpandDims/middle/{d}", "ExpandDims", [x], [np.expand_dims(x, 1)], attrs={"axis": I(1)})
        case(f"Transpose/perm/{d}", "Transpose", [x], [np.transpose(x, (2, 0, 1))], attrs={"perm": IS([2, 0, 1])})
        case(f"Tile/basic/{d}", "Tile", [x], [np.tile(x, (1, 2, 2))], attrs={"multiples": IS([1, 2, 2])})
        y = val([2, 1, 4], dt)
        case(f"Squeeze/all/{d}", "Squeeze", [y], [np.squeeze(y)], attrs={"squeeze_dims": IS([])})
        case(f"BroadcastTo/basic/{d}", "BroadcastTo", [y], [np.broadcast_to(y, (3, 2, 5, 4))],
             attrs={"shape": IS([3, 2, 5, 4])})
        z = val([2, 2, 4], dt)
        case(f"ConcatV2/axis1/{d}", "ConcatV2", [x, z], [np.concatenate([x, z], 1)], attrs={"axis": I(1)})
        case(f"Pack/axis1/{d}", "Pack", [x, x[::-1].copy(), x], [np.stack([x, x[::-1], x], 1)], attrs={"axis": I(1)})
        case(f"Split/axis2/{d}", "Split", [x], list(np.split(x, 2, axis=2)), attrs={"axis": I(2), "num_split": I(2)})
        case(f"SplitV/axis1/{d}", "SplitV", [x], list(np.split(x, [1], axis=1)),
             attrs={"axis": I(1), "size_splits": IS([1, -1])})
        r, at = take_slice(x, [("r", 1, None, 1), ("r", None, None, -1), ("r", 0, 4, 2)])
        case(f"StridedSlice/basic/{d}", "StridedSlice", [x], [r], attrs=at)
        idx = arr([2, 0, 2], I32)
        case(f"GatherV2/axis1/{d}", "GatherV2", [x, idx], [np.take(x, idx, axis=1)], attrs={"axis": I(1)})
        cv = 1 if dt == BOOL else 7
        case(f"Pad/basic/{d}", "Pad", [x], [np.pad(x, ((1, 0), (0, 2), (1, 1)), constant_values=np.asarray(cv).astype(dt))],
             attrs={"paddings": IS([1, 0, 0, 2, 1, 1]), "constant_value": FL(cv)})

    x = val([2, 3, 4], F32)
    # Reshape
    case("Reshape/flatten/float32", "Reshape", [x], [x.reshape(-1)], attrs={"shape": IS([-1])})
    case("Reshape/explicit/float32", "Reshape", [x], [x.reshape(3, 2, 2, 2)], attrs={"shape": IS([3, 2, 2, 2])})
    s = val([1, 1], F64)
    case("Reshape/to_scalar/float64", "Reshape", [s], [s.reshape(())], attrs={"shape": IS([])})
    s = val([], I32)
    case("Reshape/from_scalar/int32", "Reshape", [s], [s.reshape(1, 1, 1)], attrs={"shape": IS([1, 1, 1])})
    e = np.zeros([0, 4], F32)
    case("Reshape/empty/float32", "Reshape", [e], [e.reshape(2, 0, 2)], attrs={"shape": IS([2, 0, 2])})
    case("Reshape/shape_attr_kind/float32", "Reshape", [x], [x.reshape(6, 4)], attrs={"shape": {"shape": [6, 4]}})
    # ExpandDims / Squeeze
    case("ExpandDims/front/float32", "ExpandDims", [x], [np.expand_dims(x, 0)], attrs={"axis": I(0)})
    case("ExpandDims/back_neg/float32", "ExpandDims", [x], [np.expand_dims(x, -1)], attrs={"axis": I(-1)})
    sc = np.asarray(3, I64)
    case("ExpandDims/scalar/int64", "ExpandDims", [sc], [np.expand_dims(sc, 0)], attrs={"axis": I(0)})
    y = val([1, 3, 1, 2, 1], F32)
    case("Squeeze/dims/float32", "Squeeze", [y], [np.squeeze(y, axis=(0, 2))], attrs={"squeeze_dims": IS([0, 2])})
    case("Squeeze/neg_dim/float32", "Squeeze", [y], [np.squeeze(y, axis=-1)], attrs={"squeeze_dims": IS([-1])})
    case("Squeeze/no_attr/float32", "Squeeze", [y], [np.squeeze(y)])
    t = val([1, 1], I32)
    case("Squeeze/to_scalar/int32", "Squeeze", [t], [np.squeeze(t)])
    # Transpose
    case("Transpose/default_reverse/float32", "Transpose", [x], [np.transpose(x)])
    x4 = val([2, 3, 4, 5], F64)
    case("Transpose/rank4/float64", "Transpose", [x4], [np.transpose(x4, (0, 2, 3, 1))], attrs={"perm": IS([0, 2, 3, 1])})
    case("Transpose/identity_perm/float32", "Transpose", [x], [x], attrs={"perm": IS([0, 1, 2])})
    t = val([3, 2, 4], I32)
    case("Transpose/swap_last/int32", "Transpose", [t], [np.transpose(t, (0, 2, 1))], attrs={"perm": IS([0, 2, 1])})
    e = np.zeros([0, 3], F32)
    case("Transpose/empty/float32", "Transpose", [e], [e.T], attrs={"perm": IS([1, 0])})
    # BroadcastTo
    c = val([3, 1], F32)
    case("BroadcastTo/col/float32", "BroadcastTo", [c], [np.broadcast_to(c, (2, 3, 4))], attrs={"shape": IS([2, 3, 4])})
    sc = val([], F64)
    case("BroadcastTo/scalar/float64", "BroadcastTo", [sc], [np.broadcast_to(sc, (2, 2))], attrs={"shape": IS([2, 2])})
    c = val([2, 3], I32)
    case("BroadcastTo/same/int32", "BroadcastTo", [c], [c], attrs={"shape": IS([2, 3])})
    c = val([0, 1], F32)
    case("BroadcastTo/empty/float32", "BroadcastTo", [c], [np.broadcast_to(c, (0, 3))], attrs={"shape": IS([0, 3])})
    # Tile
    t = val([2, 3], F32)
    case("Tile/rows/float32", "Tile", [t], [np.tile(t, (3, 1))], attrs={"multiples": IS([3, 1])})
    case("Tile/zero/float32", "Tile", [t], [np.tile(t, (0, 2))], attrs={"multiples": IS([0, 2])})
    t = val([4], I64)
    case("Tile/vector/int64", "Tile", [t], [np.tile(t, 3)], attrs={"multiples": IS([3])})
    # ConcatV2
    a, b, c = val([2, 3], F32), val([1, 3], F32), val([3, 3], F32)
    case("ConcatV2/axis0_three/float32", "ConcatV2", [a, b, c], [np.concatenate([a, b, c], 0)], attrs={"axis": I(0)})
    a, b = val([2, 3, 2], I32), val([2, 3, 1], I32)
    case("ConcatV2/axis_neg1/int32", "ConcatV2", [a, b], [np.concatenate([a, b], -1)], attrs={"axis": I(-1)})
    a, b = val([2, 0], F64), val([2, 3], F64)
    case("ConcatV2/with_empty/float64", "ConcatV2", [a, b], [np.concatenate([a, b], 1)], attrs={"axis": I(1)})
    a = val([2, 2], F32)
    case("ConcatV2/single_input/float32", "ConcatV2", [a], [a], attrs={"axis": I(0)})
    # Pack
    a, b = val([3], F32), val([3], F32)
    case("Pack/axis0/float32", "Pack", [a, b], [np.stack([a, b])], attrs={"axis": I(0)})
    case("Pack/default_axis/float32", "Pack", [a, b], [np.stack([a, b])])
    case("Pack/axis_neg1/float32", "Pack", [a, b], [np.stack([a, b], -1)], attrs={"axis": I(-1)})
    s1, s2, s3 = np.asarray(1, I32), np.asarray(-2, I32), np.asarray(3, I32)
    case("Pack/scalars/int32", "Pack", [s1, s2, s3], [np.stack([s1, s2, s3])], attrs={"axis": I(0)})
    # Split / SplitV
    t = val([6, 2], F32)
    case("Split/axis0_three/float32", "Split", [t], list(np.split(t, 3, 0)), attrs={"axis": I(0), "num_split": I(3)})
    case("Split/axis_neg1/float32", "Split", [t], list(np.split(t, 2, -1)), attrs={"axis": I(-1), "num_split": I(2)})
    case("Split/one/float32", "Split", [t], [t], attrs={"axis": I(0), "num_split": I(1)})
    t = val([2, 7], I64)
    case("SplitV/sizes/int64", "SplitV", [t], list(np.split(t, [2, 2, 7], 1)),
         attrs={"axis": I(1), "size_splits": IS([2, 0, 5, 0])})
    case("SplitV/infer_middle/int64", "SplitV", [t], list(np.split(t, [3, 6], 1)),
         attrs={"axis": I(-1), "size_splits": IS([3, -1, 1])})
    # StridedSlice
    x = val([5, 6, 4], F32)
    specs = {
        "range_axis0": [("r", 1, 3, 1)],
        "reverse_all_axis0": [("r", None, None, -1)],
        "reverse_range": [("r", 3, 0, -1)],
        "neg_indices_neg_step": [("r", -1, -4, -2)],
        "neg_begin": [("r", -2, None, 1), ("r", None, -1, 1)],
        "shrink0": [("i", 2)],
        "shrink_neg": [("r", None, None, 1), ("i", -1)],
        "shrink_middle_range": [("r", 1, None, 2), ("i", 3), ("r", None, None, -1)],
        "clamp_out_of_range": [("r", -10, 100, 1), ("r", 100, -100, -1)],
        "clamp_neg_step_big": [("r", 10, -10, -2)],
        "empty_result": [("r", 3, 1, 1)],
        "empty_neg_step": [("r", 1, 3, -1)],
        "stride3": [("r", None, None, 1), ("r", 1, None, 3), ("r", None, None, 3)],
        "begin_mask_neg_step": [("r", None, 1, -2), ("r", 4, None, -3)],
        "all_shrink": [("i", 4), ("i", 0), ("i", -1)],
        "stop_before_start": [("r", 4, 4, 1), ("r", None, None, 1)],
    }
    for label, spec in specs.items():
        r, at = take_slice(x, spec)
        case(f"StridedSlice/{label}/float32", "StridedSlice", [x], [r], attrs=at)
    t = val([7], I64)
    r, at = take_slice(t, [("r", None, None, -3)])
    case("StridedSlice/vector_neg_stride/int64", "StridedSlice", [t], [r], attrs=at)
    case("StridedSlice/no_spec/int64", "StridedSlice", [t], [t], attrs={"begin": IS([]), "end": IS([]), "strides": IS([])})
    # GatherV2
    p = val([5, 3], F32)
    for idt in [I32, I64]:
        idx = arr([[4, 0], [1, 1], [3, 2]], idt)
        case(f"GatherV2/axis0_matrix_indices/{dname(idt)}_indices", "GatherV2", [p, idx], [np.take(p, idx, 0)],
             attrs={"axis": I(0)})
    idx = arr(2, I64)
    case("GatherV2/scalar_index/float32", "GatherV2", [p, idx], [np.take(p, idx, 0)])
    idx = arr([2, 0, 1, 2], I32)
    case("GatherV2/axis_neg1/float32", "GatherV2", [p, idx], [np.take(p, idx, -1)], attrs={"axis": I(-1)})
    idx = np.zeros([0], I32)
    case("GatherV2/empty_indices/float32", "GatherV2", [p, idx], [np.take(p, idx, 0)], attrs={"axis": I(0)})
    p3 = val([2, 4, 3], I64)
    idx = arr([[3], [0]], I64)
    case("GatherV2/rank3_axis1/int64", "GatherV2", [p3, idx], [np.take(p3, idx, 1)], attrs={"axis": I(1)})
    # Pad
    t = val([2, 3], F32)
    case("Pad/default_value/float32", "Pad", [t], [np.pad(t, ((1, 2), (0, 1)))], attrs={"paddings": IS([1, 2, 0, 1])})
    case("Pad/zero_pad/float32", "Pad", [t], [t], attrs={"paddings": IS([0, 0, 0, 0]), "constant_value": FL(5)})
    case("Pad/neg_value/float64", "Pad", [t.astype(F64)], [np.pad(t.astype(F64), ((0, 0), (2, 2)), constant_values=-1.5)],
         attrs={"paddings": IS([0, 0, 2, 2]), "constant_value": FL(-1.5)})
    e = np.zeros([0, 2], F32)
    case("Pad/empty/float32", "Pad", [e], [np.pad(e, ((1, 1), (1, 0)), constant_values=3)],
         attrs={"paddings": IS([1, 1, 1, 0]), "constant_value": FL(3)})
    sc = np.asarray(4, I32)
    case("Pad/scalar/int32", "Pad", [sc], [sc], attrs={"paddings": IS([])})
    # OneHot
    ind = arr([0, 2, -1, 3, 1], I32)
    for odt in ALL:
        on, off = {BOOL: (1, 0), U8: (5, 1), F32: (2.5, -1), F64: (2.5, -1)}.get(odt, (7, -1))
        onv, offv = np.asarray(on).astype(odt), np.asarray(off).astype(odt)
        out = np.where(ind[:, None] == np.arange(3)[None, :], onv, offv).astype(odt)
        case(f"OneHot/depth3_out_of_range/{dname(odt)}", "OneHot", [ind], [out],
             attrs={"depth": I(3), "on_value": FL(on), "off_value": FL(off), "dtype": DT(odt)})
    ind = arr([[1, 0, 3], [2, 2, 0]], I64)
    for axis in [0, 1, 2, -1]:
        ax = axis % 3
        shape = [1, 1, 1]
        shape[ax] = 4
        out = (np.expand_dims(ind, ax) == np.arange(4).reshape(shape)).astype(F32)
        case(f"OneHot/axis{axis}/int64_indices", "OneHot", [ind], [out], attrs={"depth": I(4), "axis": I(axis)})
    ind = arr([1, 0, 2], U8)
    case("OneHot/defaults/uint8_indices", "OneHot", [ind], [np.eye(3, dtype=F32)[ind]], attrs={"depth": I(3)})
    ind = arr(2, I32)
    case("OneHot/scalar_index/int32", "OneHot", [ind], [np.eye(4, dtype=F32)[2]], attrs={"depth": I(4)})
    ind = arr([1, 0], I32)
    case("OneHot/depth0/int32", "OneHot", [ind], [np.zeros([2, 0], F32)], attrs={"depth": I(0)})


# ---------------------------------------------------------------- neural-network ops

def same_pads(size, k, stride, dilation):
    out = -(-size // stride)
    total = max((out - 1) * stride + (k - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def resolve_pads(padding, h, w, kh, kw, strides, dil, explicit):
    if padding == "VALID":
        return 0, 0, 0, 0
    if padding == "SAME":
        t, b = same_pads(h, kh, strides[0], dil[0])
        l, r = same_pads(w, kw, strides[1], dil[1])
        return t, b, l, r
    return tuple(explicit)


def conv2d_ref(x, w, strides, dil, pads, groups):
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    pt, pb, pl, pr = pads
    sh, sw = strides
    dh, dw = dil
    xp = np.pad(x.astype(F64), ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    oh = (h + pt + pb - ((kh - 1) * dh + 1)) // sh + 1
    ow = (wd + pl + pr - ((kw - 1) * dw + 1)) // sw + 1
    out = np.zeros((n, o, oh, ow), F64)
    og = o // groups
    for g in range(groups):
        for i in range(kh):
            for j in range(kw):
                patch = xp[:, g * cg:(g + 1) * cg, i * dh:i * dh + (oh - 1) * sh + 1:sh, j * dw:j * dw + (ow - 1) * sw + 1:sw]
                out[:, g * og:(g + 1) * og] += np.einsum("nchw,oc->nohw", patch, w[g * og:(g + 1) * og, :, i, j].astype(F64))
    return out.astype(x.dtype)


def pool_ref(x, k, strides, pads, is_max, include_pad):
    n, c, h, w = x.shape
    kh, kw = k
    sh, sw = strides
    pt, pb, pl, pr = pads
    oh = (h + pt + pb - kh) // sh + 1
    ow = (w + pl + pr - kw) // sw + 1
    out = np.zeros((n, c, oh, ow), F64)
    x64 = x.astype(F64)
    for i in range(oh):
        for j in range(ow):
            y0, x0 = i * sh - pt, j * sw - pl
            ys, ye = max(y0, 0), min(y0 + kh, h)
            xs, xe = max(x0, 0), min(x0 + kw, w)
            win = x64[:, :, ys:ye, xs:xe]
            if is_max:
                out[:, :, i, j] = np.max(win, axis=(2, 3))  # NaN propagates
            else:
                if include_pad:  # PyTorch: the window clipped to the padded input
                    count = (min(y0 + kh, h + pb) - y0) * (min(x0 + kw, w + pr) - x0)
                else:  # TensorFlow: only real elements
                    count = (ye - ys) * (xe - xs)
                out[:, :, i, j] = np.sum(win, axis=(2, 3)) / count
    return out.astype(x.dtype)


def softmax_ref(x, axis, log):
    x64 = x.astype(F64)
    if x64.size == 0:
        return x.copy()
    m = np.max(x64, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    z = x64 - m
    s = np.sum(np.exp(z), axis=axis, keepdims=True)
    out = z - np.log(s) if log else np.exp(z) / s
    return out.astype(x.dtype)


def nn_cases():
    rng = np.random.default_rng(6006)

    def conv(name, xshape, wshape, dt=F32, strides=(1, 1), dil=(1, 1), padding="VALID", explicit=None, groups=1,
             raw_attrs=None, **kw):
        x = quant(rng, xshape, dt, -2, 2)
        w = quant(rng, wshape, dt, -2, 2)
        pads = resolve_pads(padding, xshape[2], xshape[3], wshape[2], wshape[3], strides, dil, explicit)
        attrs = {"strides": IS(strides), "padding": S(padding)}
        if dil != (1, 1):
            attrs["dilations"] = IS(dil)
        if explicit is not None:
            attrs["explicit_paddings"] = IS(explicit)
        if groups != 1:
            attrs["groups"] = I(groups)
        if raw_attrs is not None:
            attrs = raw_attrs
        case(name, "Conv2D", [x, w], [conv2d_ref(x, w, strides, dil, pads, groups)], attrs=attrs, **kw)

    conv("Conv2D/valid_3x3/float32", [1, 2, 5, 5], [3, 2, 3, 3])
    conv("Conv2D/valid_3x3/float64", [1, 2, 5, 6], [3, 2, 3, 3], dt=F64)
    conv("Conv2D/stride2_valid/float32", [1, 3, 7, 8], [2, 3, 3, 3], strides=(2, 2))
    conv("Conv2D/same_stride1/float32", [1, 2, 5, 5], [4, 2, 3, 3], padding="SAME")
    conv("Conv2D/same_stride2_odd/float32", [1, 2, 7, 6], [3, 2, 3, 3], strides=(2, 2), padding="SAME")
    conv("Conv2D/same_even_kernel/float32", [1, 1, 6, 5], [2, 1, 2, 4], padding="SAME")
    conv("Conv2D/same_stride2_even_kernel/float64", [2, 2, 8, 7], [2, 2, 4, 2], dt=F64, strides=(2, 2), padding="SAME")
    conv("Conv2D/same_kernel_larger_than_input/float32", [1, 1, 3, 3], [1, 1, 5, 5], padding="SAME")
    conv("Conv2D/explicit_asymmetric/float32", [1, 2, 5, 5], [3, 2, 3, 3], padding="EXPLICIT", explicit=[1, 2, 0, 1])
    conv("Conv2D/explicit_stride2/float64", [2, 3, 6, 6], [4, 3, 3, 3], dt=F64, strides=(2, 2), padding="EXPLICIT",
         explicit=[1, 1, 1, 1])
    conv("Conv2D/dilation2/float32", [1, 2, 7, 7], [2, 2, 3, 3], dil=(2, 2))
    conv("Conv2D/dilation2_same/float32", [1, 2, 6, 7], [2, 2, 3, 3], dil=(2, 2), padding="SAME")
    conv("Conv2D/dilation_2_1_stride_1_2/float32", [1, 2, 8, 9], [3, 2, 3, 2], strides=(1, 2), dil=(2, 1),
         padding="EXPLICIT", explicit=[0, 1, 2, 0])
    conv("Conv2D/groups2/float32", [1, 4, 5, 5], [6, 2, 3, 3], groups=2)
    conv("Conv2D/groups2_same_batch2/float64", [2, 4, 5, 4], [4, 2, 3, 3], dt=F64, padding="SAME", groups=2)
    conv("Conv2D/depthwise/float32", [1, 3, 6, 6], [3, 1, 3, 3], groups=3, padding="SAME")
    conv("Conv2D/depthwise_multiplier2/float32", [2, 3, 5, 5], [6, 1, 3, 3], groups=3, strides=(2, 2))
    conv("Conv2D/pointwise_1x1/float32", [2, 3, 4, 5], [4, 3, 1, 1])
    conv("Conv2D/pointwise_1x1/float64", [1, 3, 4, 4], [2, 3, 1, 1], dt=F64)
    conv("Conv2D/1x1_stride2/float32", [1, 3, 5, 5], [2, 3, 1, 1], strides=(2, 2))
    conv("Conv2D/1x1_padded/float32", [1, 2, 3, 3], [2, 2, 1, 1], padding="EXPLICIT", explicit=[1, 0, 0, 1])
    conv("Conv2D/batch3/float32", [3, 2, 5, 4], [2, 2, 2, 2], strides=(1, 1))
    conv("Conv2D/batch4_stride2_same/float32", [4, 3, 9, 9], [5, 3, 3, 3], strides=(2, 2), padding="SAME")
    conv("Conv2D/larger/float32", [2, 8, 12, 12], [8, 8, 3, 3], padding="SAME")
    conv("Conv2D/tf_nchw_attr_forms/float32", [1, 2, 6, 6], [2, 2, 3, 3], strides=(2, 2), padding="EXPLICIT",
         explicit=[1, 0, 1, 1], raw_attrs={"strides": IS([1, 1, 2, 2]), "dilations": IS([1, 1, 1, 1]),
                                           "padding": S("EXPLICIT"), "explicit_paddings": IS([0, 0, 0, 0, 1, 0, 1, 1])})
    conv("Conv2D/default_attrs/float32", [1, 1, 4, 4], [1, 1, 2, 2], raw_attrs={})
    conv("Conv2D/lowercase_padding/float32", [1, 1, 4, 4], [1, 1, 3, 3], padding="SAME",
         raw_attrs={"strides": IS([1, 1]), "padding": S("same")})
    conv("Conv2D/batch0/float32", [0, 2, 4, 4], [3, 2, 3, 3])

    def pool(name, op, xshape, k, strides, padding="VALID", explicit=None, dt=F32, include_pad=None, x=None,
             raw_attrs=None):
        if x is None:
            x = quant(rng, xshape, dt, -4, 4)
        pads = resolve_pads(padding, x.shape[2], x.shape[3], k[0], k[1], strides, (1, 1), explicit)
        attrs = {"ksize": IS(k), "strides": IS(strides), "padding": S(padding)}
        if explicit is not None:
            attrs["explicit_paddings"] = IS(explicit)
        if include_pad is not None:
            attrs["count_include_pad"] = B(include_pad)
        if raw_attrs is not None:
            attrs = raw_attrs
        out = pool_ref(x, k, strides, pads, op == "MaxPool", bool(include_pad))
        case(name, op, [x], [out], attrs=attrs)

    for op in ["MaxPool", "AvgPool"]:
        for dt in FLOATS:
            pool(f"{op}/2x2_stride2_valid/{dname(dt)}", op, [1, 2, 4, 6], (2, 2), (2, 2), dt=dt)
            pool(f"{op}/3x3_stride2_same/{dname(dt)}", op, [2, 2, 7, 6], (3, 3), (2, 2), "SAME", dt=dt)
        pool(f"{op}/3x3_stride1_explicit/float32", op, [1, 2, 5, 5], (3, 3), (1, 1), "EXPLICIT", [1, 1, 1, 1])
        pool(f"{op}/explicit_asymmetric/float32", op, [1, 1, 6, 5], (3, 2), (2, 1), "EXPLICIT", [1, 0, 0, 1])
        pool(f"{op}/2x3_stride_1_2_valid/float32", op, [1, 3, 5, 7], (2, 3), (1, 2))
        pool(f"{op}/same_stride1/float32", op, [1, 1, 4, 5], (2, 2), (1, 1), "SAME")
        pool(f"{op}/overlapping_valid/float64", op, [2, 1, 6, 6], (3, 3), (1, 1), dt=F64)
        pool(f"{op}/tf_nchw_attr_forms/float32", op, [1, 2, 4, 4], (2, 2), (2, 2),
             raw_attrs={"ksize": IS([1, 1, 2, 2]), "strides": IS([1, 1, 2, 2]), "padding": S("VALID")})
        pool(f"{op}/batch0/float32", op, [0, 2, 4, 4], (2, 2), (2, 2))
    for inc in [False, True]:
        tag = "include_pad" if inc else "exclude_pad"
        pool(f"AvgPool/explicit_{tag}/float32", "AvgPool", [1, 2, 5, 5], (3, 3), (2, 2), "EXPLICIT", [1, 1, 1, 1],
             include_pad=inc)
        pool(f"AvgPool/explicit_asym_{tag}/float64", "AvgPool", [1, 1, 6, 5], (3, 2), (2, 1), "EXPLICIT",
             [1, 0, 0, 1], dt=F64, include_pad=inc)
        pool(f"AvgPool/same_{tag}/float32", "AvgPool", [1, 1, 5, 6], (3, 3), (2, 2), "SAME", include_pad=inc)
        pool(f"AvgPool/valid_{tag}/float32", "AvgPool", [1, 1, 4, 4], (2, 2), (2, 2), include_pad=inc)
    x = arr([[[[1, NAN, 3, 4], [5, 6, 7, 8], [-INF, -INF, 2, INF], [-INF, -INF, 0, 1]]]], F32)
    pool("MaxPool/nan_inf/float32", "MaxPool", None, (2, 2), (2, 2), x=x)
    pool("AvgPool/nan_inf/float32", "AvgPool", None, (2, 2), (2, 2), x=x)
    x = np.full([1, 1, 3, 3], -INF, F32)
    pool("MaxPool/all_neg_inf_padded/float32", "MaxPool", None, (2, 2), (1, 1), "EXPLICIT", [1, 0, 1, 0], x=x)

    # Softmax / LogSoftmax
    for op, log in [("Softmax", False), ("LogSoftmax", True)]:
        for dt in FLOATS:
            x = smooth(rng, [3, 5], dt, -5, 5)
            case(f"{op}/default_axis/{dname(dt)}", op, [x], [softmax_ref(x, -1, log)])
            x = smooth(rng, [2, 3, 4], dt, -5, 5)
            case(f"{op}/axis0/{dname(dt)}", op, [x], [softmax_ref(x, 0, log)], attrs={"axis": I(0)})
            case(f"{op}/axis1/{dname(dt)}", op, [x], [softmax_ref(x, 1, log)], attrs={"axis": I(1)})
            case(f"{op}/axis_neg1/{dname(dt)}", op, [x], [softmax_ref(x, -1, log)], attrs={"axis": I(-1)})
            x = arr([[1, -INF, 2, -INF], [-INF, -INF, -INF, -INF], [1000, 1001, -1000, 0], [NAN, 1, 2, 3],
                     [-1000, -1001, -1002, -1003]], dt)
            case(f"{op}/specials/{dname(dt)}", op, [x], [softmax_ref(x, -1, log)])
        x = smooth(rng, [7], F32, -5, 5)
        case(f"{op}/vector/float32", op, [x], [softmax_ref(x, -1, log)])
        x = smooth(rng, [4, 1], F64, -5, 5)
        case(f"{op}/size1_axis/float64", op, [x], [softmax_ref(x, -1, log)])
        x = np.zeros([0, 3], F32)
        case(f"{op}/empty_rows/float32", op, [x], [softmax_ref(x, -1, log)])
        x = np.zeros([2, 0], F32)
        case(f"{op}/empty_axis/float32", op, [x], [softmax_ref(x, -1, log)])


# ---------------------------------------------------------------- gradient support ops

def gelu_grad_ref(g, x, approximate):
    out = []
    for gv, v in zip(g.astype(F64).reshape(-1), x.astype(F64).reshape(-1)):
        gv, v = float(gv), float(v)
        if approximate:
            c = math.sqrt(2 / math.pi)
            t = math.tanh(c * (v + 0.044715 * v**3))
            d = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * c * (1 + 3 * 0.044715 * v * v)
        else:
            d = 0.5 * (1 + math.erf(v / math.sqrt(2))) + v * math.exp(-0.5 * v * v) / math.sqrt(2 * math.pi)
        out.append(gv * d)
    return np.array(out, F64).reshape(g.shape).astype(g.dtype)


def gradient_support_cases():
    rng = np.random.default_rng(7007)
    # SumToShapeOf(g, x): g summed back to x's shape (x's values are not used)
    for dt in NUMERIC:
        lo = 0 if dt == U8 else -9
        g = quant(rng, [2, 3, 4], dt, lo, 9, 1)
        for label, shape in [("lead_and_inner", [3, 1]), ("same", [2, 3, 4]), ("scalar", []), ("middle", [2, 1, 4]),
                             ("lead_only", [3, 4])]:
            if label != "lead_and_inner" and dt not in (F32, I32):
                continue
            x = np.zeros(shape, dt)
            lead = g.ndim - len(shape)
            axes = tuple(range(lead)) + tuple(lead + i for i, d in enumerate(shape) if d == 1 and g.shape[lead + i] != 1)
            out = np.sum(g, axis=axes, dtype=dt).reshape(shape)
            case(f"SumToShapeOf/{label}/{dname(dt)}", "SumToShapeOf", [g, x], [out])
    # ZerosLike / OnesLike
    for dt in ALL:
        x = quant(rng, [2, 3], dt, 0, 9, 1) if dt != BOOL else quant(rng, [2, 3], BOOL)
        case(f"ZerosLike/basic/{dname(dt)}", "ZerosLike", [x], [np.zeros_like(x)])
        case(f"OnesLike/basic/{dname(dt)}", "OnesLike", [x], [np.ones_like(x)])
    case("ZerosLike/empty/float32", "ZerosLike", [np.zeros([0, 2], F32)], [np.zeros([0, 2], F32)])
    case("OnesLike/scalar/float64", "OnesLike", [arr(NAN, F64)], [arr(1, F64)])
    # AddN
    for dt in NUMERIC:
        xs = [quant(rng, [2, 3], dt, 0 if dt == U8 else -9, 9 if dt != U8 else 200, 1 if np.dtype(dt).kind in "iu" else 0.25)
              for _ in range(3)]
        out = xs[0]
        for x in xs[1:]:
            out = np.add(out, x).astype(dt)
        case(f"AddN/three/{dname(dt)}", "AddN", xs, [out])
    x = quant(rng, [4], F32)
    case("AddN/single/float32", "AddN", [x], [x])
    case("AddN/overflow/int32", "AddN", [arr([2**31 - 1], I32), arr([1], I32)], [arr([-(2**31)], I32)])
    # ReluGrad(g, x) = g where x > 0 else 0
    for dt in FLOATS:
        g = quant(rng, [2, 5], dt)
        x = np.concatenate([quant(rng, [1, 5], dt, -2, 2, 1), arr([[NAN, INF, -INF, -0.0, 1e-30]], dt)])
        case(f"ReluGrad/basic/{dname(dt)}", "ReluGrad", [g, x], [np.where(x > 0, g, np.zeros((), dt)).astype(dt)])
    # GeluGrad(g, x)
    for dt in FLOATS:
        g = quant(rng, [12], dt, -2, 2)
        x = np.concatenate([smooth(rng, [9], dt, -5, 5), arr([0.0, 8.0, -8.0], dt)])
        for approx in [False, True]:
            case(f"GeluGrad/{'tanh' if approx else 'exact'}/{dname(dt)}", "GeluGrad", [g, x],
                 [gelu_grad_ref(g, x, approx)], attrs={"approximate": B(approx)})
    g, x = quant(rng, [2, 2], F32), smooth(rng, [2, 2], F32)
    case("GeluGrad/default_exact/float32", "GeluGrad", [g, x], [gelu_grad_ref(g, x, False)])


# ---------------------------------------------------------------- backprop ops (GradientKernelOps.swift)
# Inputs that TensorFlow passes as int32 size vectors are, in Lumen, tensors of that shape in the same
# position (their values are not read): Conv2DBackpropInput(input, filter, dy),
# Conv2DBackpropFilter(input, filter, dy), MaxPoolGrad(input, output, dy), AvgPoolGrad(input, dy),
# StridedSliceGrad(input, dy); UnsortedSegmentSum(data, ids) takes num_segments as an attribute.

def conv2d_backprop_ref(x, w, dy, strides, dil, pads, groups):
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    pt, pb, pl, pr = pads
    sh, sw = strides
    dh, dw = dil
    oh, ow = dy.shape[2], dy.shape[3]
    xp = np.pad(x.astype(F64), ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    dxp = np.zeros_like(xp)
    dwt = np.zeros(w.shape, F64)
    og = o // groups
    dy64, w64 = dy.astype(F64), w.astype(F64)
    for g in range(groups):
        for i in range(kh):
            for j in range(kw):
                sl = (slice(None), slice(g * cg, (g + 1) * cg),
                      slice(i * dh, i * dh + (oh - 1) * sh + 1, sh), slice(j * dw, j * dw + (ow - 1) * sw + 1, sw))
                dyg = dy64[:, g * og:(g + 1) * og]
                dxp[sl] += np.einsum("nohw,oc->nchw", dyg, w64[g * og:(g + 1) * og, :, i, j])
                dwt[g * og:(g + 1) * og, :, i, j] = np.einsum("nohw,nchw->oc", dyg, xp[sl])
    dx = dxp[:, :, pt:pt + h, pl:pl + wd]
    return dx.astype(x.dtype), dwt.astype(x.dtype)


def pool_grad_ref(x, dy, k, strides, pads, is_max, include_pad):
    n, c, h, w = x.shape
    kh, kw = k
    sh, sw = strides
    pt, pb, pl, pr = pads
    oh, ow = dy.shape[2], dy.shape[3]
    dx = np.zeros(x.shape, F64)
    x64, dy64 = x.astype(F64), dy.astype(F64)
    for i in range(oh):
        for j in range(ow):
            y0, x0 = i * sh - pt, j * sw - pl
            ys, ye = max(y0, 0), min(y0 + kh, h)
            xs, xe = max(x0, 0), min(x0 + kw, w)
            if is_max:
                for a in range(n):
                    for b in range(c):
                        win = x64[a, b, ys:ye, xs:xe]
                        r, q = np.unravel_index(np.argmax(win), win.shape)  # the first maximum
                        dx[a, b, ys + r, xs + q] += dy64[a, b, i, j]
            else:
                if include_pad:
                    count = (min(y0 + kh, h + pb) - y0) * (min(x0 + kw, w + pr) - x0)
                else:
                    count = (ye - ys) * (xe - xs)
                dx[:, :, ys:ye, xs:xe] += (dy64[:, :, i, j] / count)[:, :, None, None]
    return dx.astype(x.dtype)


def gradient_op_cases():
    rng = np.random.default_rng(7007)

    def conv(name, xshape, wshape, dt=F32, strides=(1, 1), dil=(1, 1), padding="VALID", explicit=None, groups=1):
        x = quant(rng, xshape, dt, -2, 2)
        w = quant(rng, wshape, dt, -2, 2)
        pads = resolve_pads(padding, xshape[2], xshape[3], wshape[2], wshape[3], strides, dil, explicit)
        y = conv2d_ref(x, w, strides, dil, pads, groups)
        dy = quant(rng, y.shape, dt, -2, 2)
        dx, dw = conv2d_backprop_ref(x, w, dy, strides, dil, pads, groups)
        attrs = {"strides": IS(strides), "padding": S(padding), "dilations": IS(dil), "groups": I(groups)}
        if explicit is not None:
            attrs["explicit_paddings"] = IS(explicit)
        tol = {"rtol": 1e-5, "atol": 1e-5} if dt == F32 else {}
        case(f"Conv2DBackpropInput/{name}", "Conv2DBackpropInput", [x, w, dy], [dx], attrs=attrs, **tol)
        case(f"Conv2DBackpropFilter/{name}", "Conv2DBackpropFilter", [x, w, dy], [dw], attrs=attrs, **tol)

    conv("valid_3x3/float32", [2, 2, 5, 5], [3, 2, 3, 3])
    conv("stride2_same/float64", [2, 3, 7, 6], [4, 3, 3, 3], dt=F64, strides=(2, 2), padding="SAME")
    conv("explicit_dilation2/float32", [1, 2, 7, 8], [2, 2, 3, 3], dil=(2, 2), padding="EXPLICIT", explicit=[1, 2, 0, 1])
    conv("groups2_stride_1_2/float64", [3, 4, 6, 6], [6, 2, 3, 3], dt=F64, strides=(1, 2), padding="SAME", groups=2)
    conv("pointwise/float32", [2, 3, 4, 5], [4, 3, 1, 1])

    def pool(name, op, xshape, k, strides, padding="VALID", explicit=None, include_pad=False, dt=F32):
        n = int(np.prod(xshape))
        x = (rng.permutation(n) * 0.25 - n * 0.125).reshape(xshape).astype(dt)  # distinct: one argmax
        pads = resolve_pads(padding, xshape[2], xshape[3], k[0], k[1], strides, (1, 1), explicit)
        y = pool_ref(x, k, strides, pads, op == "MaxPoolGrad", include_pad)
        dy = quant(rng, y.shape, dt, -2, 2)
        attrs = {"ksize": IS(k), "strides": IS(strides), "padding": S(padding)}
        if explicit is not None:
            attrs["explicit_paddings"] = IS(explicit)
        if op == "MaxPoolGrad":
            inputs, out = [x, y, dy], pool_grad_ref(x, dy, k, strides, pads, True, False)
        else:
            attrs["count_include_pad"] = B(include_pad)
            inputs, out = [x, dy], pool_grad_ref(x, dy, k, strides, pads, False, include_pad)
        tol = {"rtol": 1e-5, "atol": 1e-5} if dt == F32 else {}
        case(f"{op}/{name}", op, inputs, [out], attrs=attrs, **tol)

    pool("2x2_valid/float32", "MaxPoolGrad", [2, 2, 4, 6], (2, 2), (2, 2))
    pool("3x3_stride1_overlapping/float64", "MaxPoolGrad", [1, 2, 5, 5], (3, 3), (1, 1), dt=F64)
    pool("3x3_stride2_same/float32", "MaxPoolGrad", [1, 2, 5, 6], (3, 3), (2, 2), padding="SAME")
    pool("3x3_stride2_include_pad/float32", "AvgPoolGrad", [2, 2, 5, 6], (3, 3), (2, 2), padding="EXPLICIT",
         explicit=[1, 1, 1, 1], include_pad=True)
    pool("3x3_stride2_exclude_pad/float64", "AvgPoolGrad", [2, 2, 5, 6], (3, 3), (2, 2), padding="EXPLICIT",
         explicit=[1, 1, 1, 1], dt=F64)
    pool("2x3_same/float32", "AvgPoolGrad", [1, 3, 5, 7], (2, 3), (1, 2), padding="SAME")

    for dt in FLOATS:
        x = quant(rng, [4, 5, 3], dt)
        y, attrs = take_slice(x, [("r", 1, 4, 2), ("r", None, None, -2), ("i", 1)])
        dy = quant(rng, y.shape, dt)
        dx = np.zeros_like(x)
        dx[1:4:2, ::-2, 1] = dy
        case(f"StridedSliceGrad/steps_reverse_shrink/{dname(dt)}", "StridedSliceGrad", [x, dy], [dx], attrs=attrs)

    for dt, it in [(F32, I64), (F64, I32), (I32, I32)]:
        data = quant(rng, [5, 2, 3], dt)
        ids = arr([2, 0, 2, -1, 3], it)
        out = np.zeros((4, 2, 3), dt)
        for r, k in enumerate(ids):
            if k >= 0:
                out[k] += data[r]
        case(f"UnsortedSegmentSum/repeated_and_negative_ids/{dname(dt)}", "UnsortedSegmentSum", [data, ids], [out],
             attrs={"num_segments": I(4)})
    data = quant(rng, [2, 3, 4], F32)
    ids = arr([[0, 1, 0], [2, 0, 1]], I32)
    out = np.zeros((3, 4), F32)
    np.add.at(out, ids, data)
    case("UnsortedSegmentSum/matrix_ids/float32", "UnsortedSegmentSum", [data, ids], [out], attrs={"num_segments": I(3)})


def main():
    binary_cases()
    unary_cases()
    reduction_cases()
    matmul_cases()
    shape_cases()
    nn_cases()
    gradient_support_cases()
    gradient_op_cases()
    lines = [json.dumps(c, separators=(",", ":"), allow_nan=False) for c in CASES]
    text = '{"format":1,"cases":[\n' + ",\n".join(lines) + "\n]}\n"
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print(f"wrote {len(CASES)} cases, {len(text)} bytes to {os.path.relpath(OUT, ROOT)}")


if __name__ == "__main__":
    main()
