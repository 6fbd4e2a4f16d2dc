"""Times numpy.linalg.eigh (LAPACK) on random symmetric n×n matrices, n = 500, 1000, 2000, to set
beside `npm run bench -- kfac` (mbquad's eigh) in the same session. Run with one thread and the
OpenBLAS variables unset (they slow it here):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python3 tools/eigh-numpy.py
"""
import time
import numpy as np

print(f"numpy {np.__version__}")

for n in (500, 1000, 2000):
    a = np.random.default_rng(n).standard_normal((n, n))
    a = (a + a.T) / 2
    times = []
    for _ in range(3 if n <= 1000 else 1):
        start = time.perf_counter()
        np.linalg.eigh(a)
        times.append(time.perf_counter() - start)
    print(f"numpy eigh n={n}: {1000 * sorted(times)[len(times) // 2]:.0f} ms")
