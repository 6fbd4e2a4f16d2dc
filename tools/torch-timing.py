"""Times PyTorch for `npm run bench -- kernels` (bench/kernels.bench.ts), which interleaves these
requests with mbquad's own runs so both are timed in the same run on this machine.

Reads one request per line on stdin, "<case> <dtype> <threads>" with case `gradient` (the curvature
benchmark's CNN gradient: bench/curvature.bench.ts's model, batch 64 and loss, random weights and
data) or `matmul` (512×512 times 512×512), runs it once and prints the milliseconds it took.

Developers only; needs PyTorch (Debian: apt-get install python3-torch). The driver starts it with
/usr/bin/python3 (or $PYTHON) and OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (they slow it here).
"""
import sys
import time

import torch
from torch import nn

torch.manual_seed(0)


def gradient_problem(dtype):
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


def matmul_problem(dtype):
    a = torch.randn(512, 512, dtype=dtype)
    b = torch.randn(512, 512, dtype=dtype)
    return lambda: a @ b


MAKERS = {"gradient": gradient_problem, "matmul": matmul_problem}
problems = {}
print(f"torch {torch.__version__}, oneDNN {torch.backends.mkldnn.is_available()}", flush=True)
for line in sys.stdin:
    case, dtype_name, threads = line.split()
    torch.set_num_threads(int(threads))
    if (case, dtype_name) not in problems:
        problems[(case, dtype_name)] = MAKERS[case](getattr(torch, dtype_name))
    start = time.perf_counter()
    problems[(case, dtype_name)]()
    print(f"{1000 * (time.perf_counter() - start):.3f}", flush=True)
