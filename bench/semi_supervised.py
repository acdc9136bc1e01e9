"""LabelSpreading (kNN kernel) on 50,000 x 20 with 5% of the labels: breadth against scikit-learn.

Run: python3 bench/semi_supervised.py [n_samples]
"""

import sys

import numpy as np
from sklearn.datasets import make_classification
from sklearn.semi_supervised import LabelSpreading

from harness import DATA, Row, compare, example, run_ours, timed

n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
DATA.mkdir(parents=True, exist_ok=True)
X, y_true = make_classification(
    n_samples=n, n_features=20, n_informative=10, n_classes=4, n_clusters_per_class=1, random_state=0
)
rng = np.random.default_rng(0)
y = y_true.copy()
y[rng.random(n) > 0.05] = -1
paths = [DATA / f"semi_{name}_{n}.npy" for name in ("X", "y", "ytrue")]
for p, a in zip(paths, (X, y.astype(np.float64), y_true.astype(np.float64))):
    np.save(p, a)
binary = example("breadth-classic", "bench_semi_supervised")
unlabelled = y == -1


def ours():
    return run_ours(binary, *paths, 7)


def peer():
    model = LabelSpreading(kernel="knn", n_neighbors=7, n_jobs=2)
    seconds, _ = timed(model.fit, X, y)
    return {"seconds": seconds, "quality": float((model.transduction_[unlabelled] == y_true[unlabelled]).mean())}


compare(
    "semi_supervised",
    [Row("LabelSpreading knn k=7", f"{n}x20", ours, peer, "scikit-learn", "acc(unlabelled)")],
)
