"""Random forest accuracy over several seeds: breadth against scikit-learn.

The single-seed forest row of bench/trees.py compares one draw of each; this script separates a
real accuracy gap from seed noise. For each seed s it generates a fresh make_classification
problem (the same generator settings as bench/trees.py's forest row, data seed s), fits 100 trees
with forest seed s on both sides (scikit-learn n_jobs=2; breadth 2 threads) and scores accuracy
on a held-out set. Prints both sides' accuracies, their mean +- sd, and the paired differences.

Run: python bench/trees_forest_seeds.py [N_TRAIN] [N_TEST] [N_SEEDS]   (defaults 25000 10000 5)
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import DATA, example, run_ours, versions  # noqa: E402


def main() -> None:
    n, n_test, seeds = (int(a) for a in (sys.argv[1:] + ["25000", "10000", "5"][len(sys.argv) - 1:]))
    from sklearn.datasets import make_classification
    from sklearn.ensemble import RandomForestClassifier

    forest = example("breadth-classic", "bench_forest")
    ours, peer = [], []
    for s in range(1, seeds + 1):
        X, y = make_classification(n_samples=n + n_test, n_features=50, n_informative=50 * 2 // 3,
                                   n_redundant=50 // 7, n_classes=2, n_clusters_per_class=2, flip_y=0.05,
                                   class_sep=0.7, random_state=s)
        prefix = DATA / f"trees_rf_seeds_{n}_{n_test}_{s}"
        DATA.mkdir(parents=True, exist_ok=True)
        for name, arr in [("Xtr", X[:n]), ("ytr", y[:n]), ("Xte", X[n:]), ("yte", y[n:])]:
            np.save(f"{prefix}_{name}.npy", arr.astype(np.float64))
        a = run_ours(forest, str(prefix), 100, s, threads=2)["quality"]
        m = RandomForestClassifier(n_estimators=100, n_jobs=2, random_state=s).fit(X[:n], y[:n])
        b = float((m.predict(X[n:]) == y[n:]).mean())
        ours.append(a)
        peer.append(b)
        print(f"seed {s}: breadth {a:.4f}  scikit-learn {b:.4f}  diff {a - b:+.4f}", flush=True)
    diff = [a - b for a, b in zip(ours, peer)]
    sd = statistics.stdev if seeds > 1 else (lambda v: 0.0)
    print(f"# {versions('scikit-learn', 'numpy')}; {n} train x 50, {n_test} test rows, 100 trees")
    print(f"breadth      {statistics.mean(ours):.4f} +- {sd(ours):.4f}")
    print(f"scikit-learn {statistics.mean(peer):.4f} +- {sd(peer):.4f}")
    print(f"paired diff  {statistics.mean(diff):+.4f} +- {sd(diff):.4f}")


if __name__ == "__main__":
    main()
