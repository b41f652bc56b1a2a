"""Baseline for bench-labels.ts: scikit-learn Lloyd k-means from given centroids on float32 data.
Usage: python sklearn-kmeans.py X.f32 INIT.f32 N K D ITERATIONS [ROUNDS]  → one JSON line on stdout:
the best round's seconds (as bench-labels.ts takes its own), every round's, the inertia and n_iter."""
import json
import sys
import time

import numpy as np
from sklearn.cluster import KMeans

x_path, init_path, n, k, d, iterations = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:7])
rounds = int(sys.argv[7]) if len(sys.argv) > 7 else 1
x = np.fromfile(x_path, dtype=np.float32).reshape(n, d)
init = np.fromfile(init_path, dtype=np.float32).reshape(k, d)
# Warm the OpenMP/BLAS thread pools so the timed fits measure the algorithm alone: 10 iterations on
# the first 8,192 rows, the same warm-up bench-labels.ts gives its own run.
KMeans(k, init=init, n_init=1, max_iter=10, tol=0, algorithm="lloyd").fit(x[: min(n, 8192)])
times = []
for _ in range(rounds):
    started = time.perf_counter()
    model = KMeans(k, init=init, n_init=1, max_iter=iterations, tol=0, algorithm="lloyd").fit(x)
    times.append(time.perf_counter() - started)
print(json.dumps({"seconds": min(times), "rounds": times, "inertia": float(model.inertia_), "iterations": int(model.n_iter_)}))
