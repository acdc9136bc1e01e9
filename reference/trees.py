"""Reference values for breadth's CART trees (crates/classic/src/tree), from scikit-learn.

Writes crates/classic/tests/fixtures/trees/cart.json: for each case the dataset, parameters and
scikit-learn's fitted tree arrays (node order, features, thresholds, impurities, sample counts,
values, missing directions), plus cost-complexity pruning paths. A case is marked `tie_free` when
ten random_state values give the identical tree, i.e. scikit-learn's random feature order never
decided a tie, so an exact structural comparison is meaningful.

Run: python reference/trees.py   (scikit-learn 1.9.1, numpy 2.4.6; see reference/requirements.txt)
"""

import json
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn import datasets
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

OUT = Path(__file__).resolve().parent.parent / "crates/classic/tests/fixtures/trees"


def load(name):
    if name == "iris":
        return datasets.load_iris(return_X_y=True)
    if name == "wine":
        return datasets.load_wine(return_X_y=True)
    if name == "breast_cancer":
        return datasets.load_breast_cancer(return_X_y=True)
    if name == "diabetes":
        return datasets.load_diabetes(return_X_y=True, scaled=False)
    if name == "missing":
        rng = np.random.RandomState(0)
        X = rng.normal(size=(120, 3))
        y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
        X[rng.rand(120) < 0.2, 0] = np.nan
        X[rng.rand(120) < 0.1, 2] = np.nan
        return X, y
    raise ValueError(name)


def tree_arrays(t):
    tr = t.tree_
    return {
        "left": tr.children_left.tolist(),
        "right": tr.children_right.tolist(),
        "feature": tr.feature.tolist(),
        "threshold": [float(v) for v in tr.threshold],
        "impurity": tr.impurity.tolist(),
        "n_samples": tr.n_node_samples.tolist(),
        "weight": tr.weighted_n_node_samples.tolist(),
        "value": tr.value[:, 0, :].tolist(),
        "missing_left": tr.missing_go_to_left.astype(int).tolist(),
    }


def same(a, b):
    return all(np.array_equal(np.asarray(a[k]), np.asarray(b[k]), equal_nan=True) for k in a)


CASES = [
    ("iris", "clf", {"criterion": "gini"}),
    ("iris", "clf", {"criterion": "entropy", "max_depth": 3}),
    ("wine", "clf", {"criterion": "gini"}),
    ("wine", "clf", {"criterion": "entropy"}),
    ("breast_cancer", "clf", {"criterion": "gini", "min_samples_leaf": 5}),
    ("breast_cancer", "clf", {"criterion": "gini", "class_weight": "balanced", "max_depth": 4}),
    ("breast_cancer", "clf", {"criterion": "entropy", "max_leaf_nodes": 8}),
    ("breast_cancer", "clf", {"criterion": "gini", "min_impurity_decrease": 0.005}),
    ("breast_cancer", "clf", {"criterion": "gini", "min_weight_fraction_leaf": 0.05, "weighted": True}),
    ("diabetes", "reg", {"criterion": "squared_error", "max_depth": 4}),
    ("diabetes", "reg", {"criterion": "squared_error", "min_samples_leaf": 10}),
    ("diabetes", "reg", {"criterion": "friedman_mse", "max_depth": 3}),
    ("diabetes", "reg", {"criterion": "poisson", "max_depth": 3}),
    ("diabetes", "reg", {"criterion": "absolute_error", "max_depth": 2}),
    ("diabetes", "reg", {"criterion": "squared_error", "max_leaf_nodes": 10}),
    ("missing", "clf", {"criterion": "gini", "max_depth": 4}),
]

PRUNE = [
    ("iris", "clf", {}),
    ("breast_cancer", "clf", {}),
    ("wine", "clf", {"criterion": "entropy"}),
    ("diabetes", "reg", {"min_samples_leaf": 5}),
]


def make(kind, params, seed):
    p = {k: v for k, v in params.items() if k != "weighted"}
    cls = DecisionTreeClassifier if kind == "clf" else DecisionTreeRegressor
    return cls(random_state=seed, **p)


def weights(n):
    return (1.0 + (np.arange(n) % 3)).tolist()


def main():
    warnings.simplefilter("ignore", FutureWarning)  # friedman_mse is deprecated in 1.9
    OUT.mkdir(parents=True, exist_ok=True)
    cases = []
    for name, kind, params in CASES:
        X, y = load(name)
        sw = weights(len(y)) if params.get("weighted") else None
        fits = [tree_arrays(make(kind, params, s).fit(X, y, sample_weight=sw)) for s in range(10)]
        case = {
            "dataset": name,
            "kind": kind,
            "params": params,
            "tie_free": all(same(fits[0], f) for f in fits[1:]),
            "tree": fits[0],
        }
        if name == "missing":
            case["X"] = [[None if np.isnan(v) else float(v) for v in row] for row in X]
            case["y"] = y.tolist()
        cases.append(case)
        print(name, kind, params, "tie_free" if case["tie_free"] else "TIES", len(fits[0]["left"]), "nodes")
    paths = []
    for name, kind, params in PRUNE:
        X, y = load(name)
        path = make(kind, params, 0).cost_complexity_pruning_path(X, y)
        # Between two path alphas (away from rounding): the pruned tree's size is checked too.
        k = len(path.ccp_alphas) // 2
        alpha = float(path.ccp_alphas[k] + path.ccp_alphas[k + 1]) / 2
        pruned = make(kind, {**params, "ccp_alpha": alpha}, 0).fit(X, y)
        paths.append({
            "dataset": name,
            "kind": kind,
            "params": params,
            "ccp_alphas": path.ccp_alphas.tolist(),
            "impurities": path.impurities.tolist(),
            "alpha": alpha,
            "pruned": tree_arrays(pruned),
        })
    doc = {"generator": f"reference/trees.py, scikit-learn {sklearn.__version__}, numpy {np.__version__}",
           "cases": cases, "pruning": paths}
    (OUT / "cart.json").write_text(json.dumps(doc))
    print("wrote", OUT / "cart.json", (OUT / "cart.json").stat().st_size, "bytes")


if __name__ == "__main__":
    main()
