"""Side-by-side benchmark of breadth's sampling, splits, cross-validation and search against
scikit-learn (and numpy for the bootstrap).

    CARGO_TARGET_DIR=/work/target python bench/model_selection.py

Quality columns: `skfold` a checksum of the fold assignment (equal when the folds are identical),
`cv` mean accuracy over folds, `grid` the best mean R^2, `tts` the test share, reservoir rows the
mean sampled position / N (about 0.5), `bootstrap` the out-of-bag share (about 0.368).
The models inside cv/grid are the trivial ones of the unit tests (nearest centroid, constant
quantile) on both sides, so the rows time the model-selection machinery, not a learner.
"""

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import DATA, Row, compare, example, run_ours  # noqa: E402

from sklearn.dummy import DummyRegressor  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold, StratifiedKFold, cross_validate, train_test_split  # noqa: E402
from sklearn.neighbors import NearestCentroid  # noqa: E402
from sklearn.utils.random import sample_without_replacement  # noqa: E402

DATA.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(0)


def save(name, a):
    path = DATA / f"{name}.npy"
    np.save(path, a)
    return str(path)


def timed(fn):
    t0 = time.perf_counter()
    q = fn()
    return {"seconds": time.perf_counter() - t0, "quality": float(q)}


def checksum(folds, n):
    return sum((j + 1) * float(np.sum(t)) for j, t in enumerate(folds)) / (n * n)


binary = example("breadth-data", "bench_selection")
rows = []

# Stratified 5-fold assignment of 1M rows in 10 unbalanced classes.
n = 1_000_000
y_big = rng.choice(10, size=n, p=np.linspace(1, 10, 10) / 55).astype(np.float64)
y_big_path = save("sel_y_big", y_big)
rows.append(Row(
    "StratifiedKFold(5) split", f"{n}",
    lambda: run_ours(binary, "skfold", "-", y_big_path, 5),
    lambda: timed(lambda: checksum([t for _, t in StratifiedKFold(5).split(np.zeros((n, 1)), y_big)], n)),
    "scikit-learn", "checksum",
))
rows.append(Row(
    "train_test_split stratified 0.25", f"{n}",
    lambda: run_ours(binary, "tts", y_big_path),
    lambda: timed(lambda: len(train_test_split(np.arange(n), test_size=0.25, stratify=y_big, random_state=0)[1]) / n),
    "scikit-learn", "test share",
))

# Cross-validation of a nearest-centroid classifier, 200k x 20, 10 classes.
m, d = 200_000, 20
yc = rng.integers(0, 10, m)
Xc = rng.normal(size=(m, d)) + yc[:, None] * 0.15
xc_path, yc_path = save("sel_xc", Xc), save("sel_yc", yc.astype(np.float64))
rows.append(Row(
    "cross_validate NearestCentroid 1 thr", f"{m}x{d}",
    lambda: run_ours(binary, "cv", xc_path, yc_path, 5, threads=1),
    lambda: timed(lambda: cross_validate(NearestCentroid(), Xc, yc, cv=StratifiedKFold(5), scoring="accuracy")["test_score"].mean()),
    "scikit-learn", "accuracy",
))
rows.append(Row(
    "cross_validate NearestCentroid 2 thr", f"{m}x{d}",
    lambda: run_ours(binary, "cv", xc_path, yc_path, 5, threads=2),
    lambda: timed(lambda: cross_validate(NearestCentroid(), Xc, yc, cv=StratifiedKFold(5), scoring="accuracy", n_jobs=2)["test_score"].mean()),
    "scikit-learn n_jobs=2", "accuracy",
))

# Grid search: 5 quantiles x 5 folds of a constant-quantile regressor, 200k x 10, and refit.
Xr = rng.normal(size=(m, 10))
yr = Xr[:, 0] * 3 + rng.gamma(2.0, 2.0, m)
xr_path, yr_path = save("sel_xr", Xr), save("sel_yr", yr)
rows.append(Row(
    "GridSearchCV quantile 5x5 folds", f"{m}x10",
    lambda: run_ours(binary, "grid", xr_path, yr_path, 5, threads=1),
    lambda: timed(lambda: GridSearchCV(DummyRegressor(strategy="quantile"), {"quantile": [0.1, 0.3, 0.5, 0.7, 0.9]}, cv=KFold(5), scoring="r2").fit(Xr, yr).best_score_),
    "scikit-learn", "best r2",
))

# Sampling.
N, K = 10_000_000, 1000
rows.append(Row(
    "reservoir Algorithm L (vs sklearn reservoir)", f"N={N} k={K}",
    lambda: run_ours(binary, "reservoir_l", N, K),
    lambda: timed(lambda: sample_without_replacement(N, K, method="reservoir_sampling", random_state=0).mean() / N),
    "scikit-learn", "mean pos / N",
))
rows.append(Row(
    "reservoir Algorithm R (vs sklearn reservoir)", f"N={N} k={K}",
    lambda: run_ours(binary, "reservoir_r", N, K),
    lambda: timed(lambda: sample_without_replacement(N, K, method="reservoir_sampling", random_state=0).mean() / N),
    "scikit-learn", "mean pos / N",
))


def np_bootstrap():
    g = np.random.default_rng(0)
    idx = g.integers(0, n, n)
    oob = np.flatnonzero(np.bincount(idx, minlength=n) == 0)
    return len(oob) / n


rows.append(Row(
    "bootstrap + out-of-bag", f"{n}",
    lambda: run_ours(binary, "bootstrap", n),
    lambda: timed(np_bootstrap),
    "numpy", "oob share",
))

compare("model_selection", rows, repeats=3, peers=("scikit-learn", "numpy"))
