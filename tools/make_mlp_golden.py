#!/usr/bin/python3
"""Writes test/autograd/golden/mlp_golden.txt: a tiny MLP's loss and gradients
computed once by PyTorch, the reference that test/autograd/test_mlp_golden.cpp
compares eager's ops and gradient rules against.

    logits = relu(x @ W1 + b1) @ W2 + b2
    loss   = mean(sparse_softmax_cross_entropy(labels, logits))
             + 1e-2 * (sum(W1^2) + sum(W2^2)) / 2

with x [4, 6], W1 [6, 5], b1 [5], W2 [5, 3], b2 [3] and int32 labels [4] in
0..2. The inputs come from NumPy with a fixed seed and are written to the file
as well, so the C++ test never regenerates them. Two cases: "float64" (inputs
and arithmetic in float64) and "float32" (the same inputs rounded to float32,
arithmetic in float32).

Format, one tensor a line (lines starting with '#' are comments):

    <case>.<name> <dtype> <dim>... : <value>...

dtype is float64, float32 or int32; the dims (none for a scalar) are followed
by the row-major values, written as Python's repr of a float64, the shortest
decimal that reads back to the same double (float32 values are exact in
float64, so they round-trip as well).

Needs Debian's python3-torch and python3-numpy:

    /usr/bin/python3 tools/make_mlp_golden.py
"""
import pathlib

import numpy as np
import torch
import torch.nn.functional as F

OUTPUT = pathlib.Path(__file__).resolve().parent.parent / "test" / "autograd" / "golden" / "mlp_golden.txt"
WEIGHT_DECAY = 1e-2
FIRST_SEED = 20240601
# Hidden pre-activations this close to 0 would make the relu mask depend on
# rounding, and the two frameworks could disagree about it.
MIN_MARGIN = 1e-2


def make_inputs(seed):
    rng = np.random.default_rng(seed)
    return {
        "x": rng.standard_normal((4, 6)),
        "W1": rng.standard_normal((6, 5)) * 0.5,
        "b1": rng.uniform(-0.5, 0.5, size=5),
        "W2": rng.standard_normal((5, 3)) * 0.5,
        "b2": rng.uniform(-0.5, 0.5, size=3),
        "labels": np.array([2, 0, 1, 2], dtype=np.int32),
    }


def well_conditioned(inputs):
    """True when no pre-activation is near 0 and the relu both passes and blocks some units."""
    for dtype in (np.float64, np.float32):
        pre = inputs["x"].astype(dtype) @ inputs["W1"].astype(dtype) + inputs["b1"].astype(dtype)
        if np.abs(pre).min() < MIN_MARGIN or (pre > 0).all() or (pre < 0).all():
            return False
    return True


def run(inputs, dtype):
    params = {k: torch.tensor(v, dtype=dtype, requires_grad=True) for k, v in inputs.items() if k != "labels"}
    labels = torch.tensor(inputs["labels"], dtype=torch.int64)
    x, w1, b1, w2, b2 = (params[k] for k in ("x", "W1", "b1", "W2", "b2"))
    logits = torch.relu(x @ w1 + b1) @ w2 + b2
    loss = F.cross_entropy(logits, labels) + WEIGHT_DECAY * (w1.pow(2).sum() + w2.pow(2).sum()) / 2
    loss.backward()
    out = {k: p.detach() for k, p in params.items()}
    out["labels"] = labels.to(torch.int32)
    out["logits"] = logits.detach()
    out["loss"] = loss.detach()
    for k, p in params.items():
        out["grad_" + k] = p.grad
    return out


def line(name, tensor):
    dtype = str(tensor.dtype).replace("torch.", "")
    array = tensor.numpy()
    values = [repr(int(v)) if dtype == "int32" else repr(float(v)) for v in array.reshape(-1)]
    dims = [str(d) for d in array.shape]
    return " ".join([name, dtype] + dims + [":"] + values)


def main():
    seed = FIRST_SEED
    while not well_conditioned(make_inputs(seed)):
        seed += 1
    inputs = make_inputs(seed)
    torch.set_num_threads(1)
    lines = [
        f"# Written by tools/make_mlp_golden.py with PyTorch {torch.__version__} (NumPy seed {seed}); do not edit.",
        "# logits = relu(x @ W1 + b1) @ W2 + b2",
        f"# loss = mean(sparse_softmax_cross_entropy(labels, logits)) + {WEIGHT_DECAY} * (sum(W1^2) + sum(W2^2)) / 2",
        "# <case>.<name> <dtype> <dim>... : <row-major values>",
    ]
    names = ["x", "W1", "b1", "W2", "b2", "labels", "logits", "loss",
             "grad_x", "grad_W1", "grad_b1", "grad_W2", "grad_b2"]
    for case, dtype in (("float64", torch.float64), ("float32", torch.float32)):
        cast = {k: (v if k == "labels" else v.astype(np.float32 if dtype == torch.float32 else np.float64))
                for k, v in inputs.items()}
        result = run(cast, dtype)
        lines += [line(f"{case}.{name}", result[name]) for name in names]
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text("\n".join(lines) + "\n")
    print(f"{OUTPUT}: {len(lines)} lines, seed {seed}")


if __name__ == "__main__":
    main()
