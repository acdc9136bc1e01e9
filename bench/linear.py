"""Linear family (breadth-classic linear / svm) against scikit-learn, side by side.

Run from the repository root:  CARGO_TARGET_DIR=/work/target python bench/linear.py [SCALE]
SCALE (default 1.0) multiplies every row count, to fit a busy machine; the issue's sizes are
SCALE=1: LinearRegression and Ridge 200,000 x 100, LogisticRegression (L2, L-BFGS) 100,000 x 100
binary and 10-class, Lasso 50,000 x 500, SVC RBF 10,000 x 20, LinearSVC 100,000 x 100.
Quality is R^2 (regression) or accuracy (classification) on a held-out 20 %.
"""

import sys
import time

import numpy as np
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import Lasso, LinearRegression, LogisticRegression, Ridge
from sklearn.svm import SVC, LinearSVC

from harness import DATA, Row, compare, example, run_ours

SCALE = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
DATA.mkdir(parents=True, exist_ok=True)


def split_save(name, X, y):
    n = int(0.8 * len(y))
    parts = {"Xtr": X[:n], "ytr": y[:n], "Xte": X[n:], "yte": y[n:]}
    for k, v in parts.items():
        np.save(DATA / f"linear_{name}_{k}.npy", np.ascontiguousarray(v, dtype=np.float64))
    return parts


def r2(y, p):
    return 1 - ((y - p) ** 2).sum() / ((y - y.mean()) ** 2).sum()


def peer(model, parts, regression):
    def run():
        t = time.perf_counter()
        model.fit(parts["Xtr"], parts["ytr"])
        secs = time.perf_counter() - t
        p = model.predict(parts["Xte"])
        q = r2(parts["yte"], p) if regression else float((p == parts["yte"]).mean())
        return {"seconds": secs, "quality": q}

    return run


def ours(kind, name):
    binary = example("breadth-classic", "bench_linear")
    return lambda: run_ours(binary, kind, str(DATA / f"linear_{name}"))


def n(rows):
    return max(1000, int(rows * SCALE))


rows = []
X, y = make_regression(n_samples=n(250_000), n_features=100, noise=10.0, random_state=0)
p = split_save("reg", X, y)
rows.append(Row("LinearRegression", f"{len(p['ytr'])}x100", ours("ols", "reg"), peer(LinearRegression(), p, True), "sklearn", "R2"))
rows.append(Row("Ridge (alpha=1)", f"{len(p['ytr'])}x100", ours("ridge", "reg"), peer(Ridge(alpha=1.0), p, True), "sklearn", "R2"))
X, y = make_classification(n_samples=n(125_000), n_features=100, n_informative=20, random_state=0)
p = split_save("bin", X, y)
rows.append(Row("LogisticRegression L2 lbfgs, 2 cl", f"{len(p['ytr'])}x100", ours("logistic", "bin"), peer(LogisticRegression(max_iter=1000), p, False), "sklearn", "acc"))
X, y = make_classification(n_samples=n(125_000), n_features=100, n_informative=30, n_classes=10, random_state=0)
p = split_save("multi", X, y)
rows.append(Row("LogisticRegression L2 lbfgs, 10 cl", f"{len(p['ytr'])}x100", ours("logistic", "multi"), peer(LogisticRegression(max_iter=1000), p, False), "sklearn", "acc"))
X, y = make_regression(n_samples=n(62_500), n_features=500, n_informative=50, noise=5.0, random_state=0)
p = split_save("lasso", X, y)
rows.append(Row("Lasso (alpha=0.01)", f"{len(p['ytr'])}x500", ours("lasso", "lasso"), peer(Lasso(alpha=0.01), p, True), "sklearn", "R2"))
X, y = make_classification(n_samples=n(12_500), n_features=20, n_informative=10, random_state=0)
p = split_save("svc", X, y)
rows.append(Row("SVC RBF (C=1, gamma=scale)", f"{len(p['ytr'])}x20", ours("svc", "svc"), peer(SVC(), p, False), "sklearn", "acc"))
X, y = make_classification(n_samples=n(125_000), n_features=100, n_informative=20, random_state=1)
p = split_save("lsvc", X, y)
rows.append(Row("LinearSVC (squared hinge)", f"{len(p['ytr'])}x100", ours("linear-svc", "lsvc"), peer(LinearSVC(), p, False), "sklearn", "acc"))

compare("linear", rows, repeats=1)
