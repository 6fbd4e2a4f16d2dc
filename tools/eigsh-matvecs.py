"""Matrix-vector products scipy.sparse.linalg.eigsh (ARPACK) needs for the top-8 eigenpairs at
tol 1e-10 of the known spectra of bench/linalg.bench.ts (diagonal operators: Krylov methods with
a random start do not depend on the eigenbasis), or with --matrix FILE of a dense float64
matrix (e.g. the MLP GGN written by tools/mlp-ggn-matrix.ts). The numbers are recorded in
bench/spectra.ts. Developers only: python3 tools/eigsh-matvecs.py [--matrix FILE]
"""
import sys
import numpy as np
from scipy.sparse.linalg import LinearOperator, eigsh


def spectra():
    i = np.arange
    yield "power law i^-1.5 (n=1000)", 1.0 / (i(1000) + 1) ** 1.5
    yield "GGN-like: 20 outliers + bulk (n=1210)", np.concatenate([100.0 / (i(20) + 1) ** 2, 0.5 * np.linspace(1, 0, 1190) ** 3])
    yield "clustered top 4 within 1e-6 (n=500)", np.concatenate([10 - 1e-6 * i(4), 5 * np.exp(-i(496) / 20)])
    yield "repeated top, multiplicity 3 (n=500)", np.concatenate([[5.0, 5.0, 5.0], 4 * np.exp(-i(497) / 50)])
    yield "linear, small gaps (n=1000)", 1 - i(1000) / 1000


def count(matvec, n, seed):
    calls = [0]

    def mv(v):
        calls[0] += 1
        return matvec(v.ravel())

    op = LinearOperator((n, n), matvec=mv, dtype=np.float64)
    found = eigsh(op, k=8, which="LA", tol=1e-10, v0=np.random.default_rng(seed).standard_normal(n))[0]
    return calls[0], found


if len(sys.argv) == 3 and sys.argv[1] == "--matrix":
    raw = np.fromfile(sys.argv[2], dtype="<f8")
    n = int(round(np.sqrt(raw.size)))
    m = raw.reshape(n, n)
    counts = [count(lambda v: m @ v, n, seed)[0] for seed in range(5)]
    print(f"dense {n}x{n} from {sys.argv[2]}: median {int(np.median(counts))}, runs {counts}")
    sys.exit(0)

for name, values in spectra():
    counts = []
    for seed in range(5):
        calls = [0]

        def mv(v, values=values, calls=calls):
            calls[0] += 1
            return values * v.ravel()

        op = LinearOperator((len(values), len(values)), matvec=mv, dtype=np.float64)
        v0 = np.random.default_rng(seed).standard_normal(len(values))
        found = eigsh(op, k=8, which="LA", tol=1e-10, v0=v0, return_eigenvectors=True)[0]
        assert np.allclose(np.sort(found)[::-1], np.sort(values)[::-1][:8], rtol=1e-8), name
        counts.append(calls[0])
    print(f"{name}: median {int(np.median(counts))}, runs {counts}")
