"""Fréchet distance from 2048-d statistics: the symmetric method (default) against `eig` and `sqrtm`.

Statistics of two seeded sets of N synthetic 2048-d features (a shared low-rank structure plus
noise, differing in spread and mean, like pool3 features of two image sets). Each method runs
`--repeats` times; the best and median wall times are printed with the relative difference of
its FD from the `eig` method (the earlier default), in float64.

    python benchmarks/frechet_speed.py [--n 4096] [--dim 2048] [--repeats 3] [--sqrtm] [--threads T]
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

from ganforge.metrics.fid import frechet_distance
from ganforge.metrics.stats import feature_stats


def synthetic_stats(seed: int, n: int, dim: int, spread: float, shift: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    basis = np.random.default_rng(0).standard_normal((64, dim)) / 8  # shared structure
    features = spread * rng.standard_normal((n, 64)) @ basis + 0.4 * rng.standard_normal((n, dim)) + shift
    return feature_stats(features.astype(np.float32))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=4096, help="features per set (default 4096)")
    parser.add_argument("--dim", type=int, default=2048)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sqrtm", action="store_true", help="also time scipy's sqrtm (slow)")
    parser.add_argument("--threads", type=int, help="BLAS threads (default: all)")
    args = parser.parse_args(argv)
    if args.threads:
        threadpool_limits(args.threads)
    fake = synthetic_stats(1, args.n, args.dim, 1.3, 0.05)
    real = synthetic_stats(2, args.n, args.dim, 1.0, 0.0)
    methods = ["symmetric", "eig"] + (["sqrtm"] if args.sqrtm else [])
    values, times = {}, {}
    for method in methods:
        runs = []
        for _ in range(args.repeats):
            began = time.perf_counter()
            values[method] = frechet_distance(*fake, *real, method=method)
            runs.append(time.perf_counter() - began)
        times[method] = runs
    print(f"\nFD of {args.dim}-d statistics ({args.n} features per set), load average {os.getloadavg()[0]:.1f}")
    print("| method | best s | median s | FD | rel. diff. from eig |")
    print("|---|---:|---:|---:|---:|")
    for method in methods:
        relative = abs(values[method] - values["eig"]) / abs(values["eig"])
        print(f"| {method} | {min(times[method]):.3f} | {statistics.median(times[method]):.3f} | "
              f"{values[method]:.10g} | {relative:.1e} |")  # fmt: skip
    print(f"\ncommand: python benchmarks/frechet_speed.py {shlex.join(sys.argv[1:] if argv is None else argv)}".rstrip())


if __name__ == "__main__":
    main()
