"""Reference quality of LightGBM on small problems, for breadth's histogram GBDT tests.

Writes crates/classic/tests/fixtures/trees/gbdt.json: for each problem a fixed train/test split
(every 4th row is test), LightGBM's test metrics with the same hyper-parameters breadth uses in the
test (num_leaves, rounds, learning rate, min_data_in_leaf, 255 bins), so the test can require
breadth to be as good within a tolerance. Exact predictions are not compared: the two libraries
cut bins differently.

Run: python reference/trees_gbdt.py   (lightgbm 4.7.0, scikit-learn 1.9.1, numpy 2.4.6)
"""

import json
from pathlib import Path

import lightgbm as lgb
import numpy as np
from sklearn import datasets
from sklearn.metrics import accuracy_score, log_loss, r2_score, mean_poisson_deviance

OUT = Path(__file__).resolve().parent.parent / "crates/classic/tests/fixtures/trees"


def split(X, y):
    test = np.arange(len(y)) % 4 == 0
    return X[~test], y[~test], X[test], y[test]


def main():
    params = dict(num_leaves=15, n_estimators=60, learning_rate=0.1, min_child_samples=20,
                  max_bin=255, verbose=-1, n_jobs=1, min_child_weight=1e-3, reg_lambda=0.0)
    out = {"generator": f"reference/trees_gbdt.py, lightgbm {lgb.__version__}", "cases": []}
    for name, loader in [("breast_cancer", datasets.load_breast_cancer), ("wine", datasets.load_wine),
                         ("digits", datasets.load_digits)]:
        X, y = loader(return_X_y=True)
        Xtr, ytr, Xte, yte = split(X, y)
        m = lgb.LGBMClassifier(**params).fit(Xtr, ytr)
        p = m.predict_proba(Xte)
        out["cases"].append({"dataset": name, "kind": "clf", "accuracy": accuracy_score(yte, p.argmax(1)),
                             "log_loss": log_loss(yte, p, labels=np.unique(y))})
    X, y = datasets.load_diabetes(return_X_y=True, scaled=False)
    Xtr, ytr, Xte, yte = split(X, y)
    m = lgb.LGBMRegressor(**params).fit(Xtr, ytr)
    out["cases"].append({"dataset": "diabetes", "kind": "reg", "r2": r2_score(yte, m.predict(Xte))})
    m = lgb.LGBMRegressor(objective="poisson", **params).fit(Xtr, ytr)
    out["cases"].append({"dataset": "diabetes", "kind": "poisson",
                         "deviance": mean_poisson_deviance(yte, m.predict(Xte))})
    (OUT / "gbdt.json").write_text(json.dumps(out, indent=1))
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
