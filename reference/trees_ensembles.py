"""5-fold cross-validated scores of scikit-learn's tree ensembles, for breadth's agreement tests.

Folds are fixed (row i belongs to fold i % 5) so the Rust test can rebuild them. Randomized
models are averaged over random_state 0..7 (their seed-to-seed spread on these small data sets
is about 3 points of R^2 or accuracy; breadth averages over its seeds 0, 1, 2): the comparison
is of expected quality, not of random streams. Writes
crates/classic/tests/fixtures/trees/ensembles.json.

Run: python reference/trees_ensembles.py   (scikit-learn 1.9.1, numpy 2.4.6)
"""

import json
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn import datasets
from sklearn.ensemble import (AdaBoostClassifier, AdaBoostRegressor, ExtraTreesClassifier,
                              ExtraTreesRegressor, GradientBoostingClassifier,
                              GradientBoostingRegressor, RandomForestClassifier, RandomForestRegressor)

OUT = Path(__file__).resolve().parent.parent / "crates/classic/tests/fixtures/trees"


def load(name):
    if name == "synthetic_clf":
        X, y = datasets.make_classification(n_samples=400, n_features=12, n_informative=6, random_state=0)
        return X, y
    if name == "synthetic_reg":
        return datasets.make_regression(n_samples=300, n_features=8, n_informative=5, noise=10.0, random_state=0)
    if name == "diabetes":
        return datasets.load_diabetes(return_X_y=True, scaled=False)
    return getattr(datasets, f"load_{name}")(return_X_y=True)


def cv(make, X, y, seeds):
    folds = np.arange(len(y)) % 5
    scores = []
    for seed in seeds:
        for k in range(5):
            tr, te = folds != k, folds == k
            m = make(seed).fit(X[tr], y[tr])
            scores.append(m.score(X[te], y[te]))
    return float(np.mean(scores))


CASES = [
    # (breadth model, sklearn factory, datasets, randomized)
    ("random-forest-classifier", lambda s: RandomForestClassifier(n_estimators=30, random_state=s),
     ["breast_cancer", "wine", "digits", "synthetic_clf"], True),
    ("extra-trees-classifier", lambda s: ExtraTreesClassifier(n_estimators=30, random_state=s),
     ["breast_cancer", "wine", "synthetic_clf"], True),
    ("random-forest-regressor", lambda s: RandomForestRegressor(n_estimators=30, random_state=s),
     ["diabetes", "synthetic_reg"], True),
    ("extra-trees-regressor", lambda s: ExtraTreesRegressor(n_estimators=30, random_state=s),
     ["diabetes", "synthetic_reg"], True),
    ("adaboost-classifier", lambda s: AdaBoostClassifier(n_estimators=50, random_state=s),
     ["breast_cancer", "wine", "synthetic_clf"], False),
    ("adaboost-regressor", lambda s: AdaBoostRegressor(n_estimators=30, random_state=s),
     ["diabetes", "synthetic_reg"], True),
    ("gradient-boosting-classifier", lambda s: GradientBoostingClassifier(n_estimators=30, random_state=s),
     ["breast_cancer", "wine", "digits", "synthetic_clf"], False),
    ("gradient-boosting-regressor", lambda s: GradientBoostingRegressor(n_estimators=50, random_state=s),
     ["diabetes", "synthetic_reg"], False),
    ("gradient-boosting-regressor:huber", lambda s: GradientBoostingRegressor(n_estimators=50, loss="huber", random_state=s),
     ["diabetes"], False),
]


def main():
    warnings.simplefilter("ignore")
    out = {"generator": f"reference/trees_ensembles.py, scikit-learn {sklearn.__version__}", "cases": []}
    for model, make, names, randomized in CASES:
        for name in names:
            X, y = load(name)
            score = cv(make, X, y, list(range(8)) if randomized else [0])
            out["cases"].append({"model": model, "dataset": name, "score": score, "randomized": randomized})
            print(model, name, round(score, 4))
            if name.startswith("synthetic"):
                out.setdefault("data", {})[name] = {"X": X.round(12).tolist(), "y": y.tolist()}
    (OUT / "ensembles.json").write_text(json.dumps(out))
    print("bytes", (OUT / "ensembles.json").stat().st_size)


if __name__ == "__main__":
    main()
