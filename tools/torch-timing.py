"""Times PyTorch on the curvature benchmark's CNN gradient, for tools/torch-compare.ts.

Reads one configuration per line on stdin ("float64 1": dtype and threads), computes the gradient
of the benchmark's loss once in it and prints the milliseconds it took. The driver interleaves
these requests with mbquad's own gradients, so both are timed in the same run.

Run through the driver (developers only; needs PyTorch): npx tsx tools/torch-compare.ts
"""
import sys
import time

import torch
from torch import nn

torch.manual_seed(0)


def problem(dtype):
    """The model, batch and loss of bench/curvature.bench.ts (weights and data are random)."""
    model = nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(4096, 10)).to(dtype)
    x = torch.randn(64, 3, 32, 32, dtype=dtype)
    y = torch.randint(0, 10, (64,))
    params = list(model.parameters())
    weights = [p for name, p in model.named_parameters() if name.endswith("weight")]

    def gradient():
        loss = nn.functional.cross_entropy(model(x), y) + 5e-4 / 2 * sum((w * w).sum() for w in weights)
        return torch.autograd.grad(loss, params)

    return gradient


problems = {}
print(f"torch {torch.__version__}, oneDNN {torch.backends.mkldnn.is_available()}", flush=True)
for line in sys.stdin:
    dtype_name, threads = line.split()
    torch.set_num_threads(int(threads))
    if dtype_name not in problems:
        problems[dtype_name] = problem(getattr(torch, dtype_name))
    start = time.perf_counter()
    problems[dtype_name]()
    print(f"{1000 * (time.perf_counter() - start):.3f}", flush=True)
