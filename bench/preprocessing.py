"""Side-by-side benchmark of breadth's preprocessing and imputers against scikit-learn.

    CARGO_TARGET_DIR=/work/target python bench/preprocessing.py [--small]

Each row times fit + transform on the same .npy data. Quality is a checksum of the output: the
mean of the squared standardized values (1 for both when they agree) for the scaler, the mean of
the output values otherwise (equal when the outputs agree). breadth uses its default rayon pool
(all cores); scikit-learn's transformers here are single-threaded numpy.
"""

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import DATA, Row, compare, example, run_ours  # noqa: E402

from sklearn.impute import KNNImputer, SimpleImputer  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, PolynomialFeatures, StandardScaler  # noqa: E402

small = "--small" in sys.argv
DATA.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(0)


def save(name, a):
    path = DATA / f"{name}.npy"
    np.save(path, a)
    return str(path)


def timed(fn, checksum):
    t0 = time.perf_counter()
    out = fn()
    return {"seconds": time.perf_counter() - t0, "quality": float(checksum(out))}


binary = example("breadth-data", "bench_preprocessing")
rows = []

n = 100_000 if small else 1_000_000
x = rng.normal(size=(n, 20)) * rng.uniform(0.5, 50, size=20) + rng.uniform(-100, 100, size=20)
x_path = save("prep_x", x)
rows.append(Row(
    "StandardScaler", f"{n}x20",
    lambda: run_ours(binary, "standard", x_path),
    lambda: timed(lambda: StandardScaler().fit_transform(x), lambda o: np.mean(o * o)),
    "scikit-learn", "mean z^2",
))
xs = x / np.abs(x).max(axis=0)  # products of order 1, so the checksums compare meaningfully
xs_path = save("prep_xs", xs)
rows.append(Row(
    "PolynomialFeatures(2)", f"{n}x20",
    lambda: run_ours(binary, "poly2", xs_path),
    lambda: timed(lambda: PolynomialFeatures(2).fit_transform(xs), np.mean),
    "scikit-learn", "mean",
))
xm = x.copy()
xm[rng.uniform(size=xm.shape) < 0.1] = np.nan
xm_path = save("prep_xm", xm)
rows.append(Row(
    "SimpleImputer(median)", f"{n}x20",
    lambda: run_ours(binary, "simple-median", xm_path),
    lambda: timed(lambda: SimpleImputer(strategy="median").fit_transform(xm), np.mean),
    "scikit-learn", "mean",
))
cats = rng.integers(0, 10, size=(n, 5)).astype(np.float64)
cats_path = save("prep_cats", cats)
rows.append(Row(
    "OneHotEncoder", f"{n}x5 (10 cats)",
    lambda: run_ours(binary, "one-hot", cats_path),
    lambda: timed(lambda: OneHotEncoder(sparse_output=False).fit_transform(cats), np.mean),
    "scikit-learn", "mean",
))
m = 2_000 if small else 10_000
xk = rng.normal(size=(m, 10))
xk[rng.uniform(size=xk.shape) < 0.1] = np.nan
xk_path = save("prep_xk", xk)
rows.append(Row(
    "KNNImputer(5)", f"{m}x10",
    lambda: run_ours(binary, "knn", xk_path),
    lambda: timed(lambda: KNNImputer().fit_transform(xk), np.mean),
    "scikit-learn", "mean",
))

compare("preprocessing", rows, repeats=3, peers=("scikit-learn", "numpy"))
