"""Expected values for breadth-data's splits, cross-validation and search.

Writes crates/data/tests/fixtures/model_selection/*.json. Run from the repository root:

    python reference/model_selection.py

Versions: scikit-learn 1.9.1, numpy 2.4.6 (pinned in reference/requirements.txt).
Only deterministic (non-shuffled) behaviour is recorded: shuffled splitters draw from numpy's
stream, which breadth does not reproduce; their properties are tested instead.
"""

import json
from pathlib import Path

import numpy as np
import sklearn
from sklearn.datasets import load_diabetes, load_iris, load_wine
from sklearn.dummy import DummyRegressor
from sklearn.model_selection import (
    GridSearchCV,
    GroupKFold,
    KFold,
    StratifiedKFold,
    cross_val_predict,
    cross_validate,
    train_test_split,
)
from sklearn.neighbors import NearestCentroid
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

OUT = Path(__file__).resolve().parent.parent / "crates/data/tests/fixtures/model_selection"
OUT.mkdir(parents=True, exist_ok=True)


def folds(splitter, X, y=None, groups=None):
    return [t.tolist() for _, t in splitter.split(X, y, groups)]


def write(name, obj):
    obj["_source"] = f"reference/model_selection.py, scikit-learn {sklearn.__version__}, numpy {np.__version__}"
    (OUT / f"{name}.json").write_text(json.dumps(obj, separators=(",", ":")))


rng = np.random.RandomState(0)

# KFold without shuffling: test folds only (train is the complement).
kfold = []
for n, k in [(10, 3), (7, 7), (23, 5), (100, 10), (5, 2)]:
    kfold.append({"n": n, "k": k, "test": folds(KFold(k), np.zeros((n, 1)))})

# StratifiedKFold without shuffling; labels given in arbitrary order of first appearance.
strat = []
cases = [
    ([2, 2, 0, 1, 0, 1, 2, 0, 1, 2, 2, 2], 3),
    (rng.randint(0, 3, 40).tolist(), 4),
    (([1] * 13 + [0] * 7 + [2] * 5), 5),
    (rng.choice([0, 1, 2, 3], size=61, p=[0.5, 0.25, 0.15, 0.1]).tolist(), 3),
    (load_iris().target.tolist(), 5),
    (load_wine().target.tolist(), 10),
]
for y, k in cases:
    y = np.asarray(y)
    strat.append({"labels": y.tolist(), "k": k, "test": folds(StratifiedKFold(k), np.zeros((len(y), 1)), y)})

# GroupKFold without shuffling, with tied group sizes.
group = []
gcases = [
    ([0, 0, 2, 2, 3, 3], 2),
    ([5, 1, 1, 3, 3, 3, 0, 0, 0, 0, 7, 2, 2, 9, 9, 9], 3),
    (rng.randint(0, 12, 50).tolist(), 4),
    (rng.randint(-5, 30, 80).tolist(), 5),
]
for g, k in gcases:
    g = np.asarray(g)
    group.append({"groups": g.tolist(), "k": k, "test": folds(GroupKFold(k), np.zeros((len(g), 1)), None, g)})

# train_test_split sizes, and its unshuffled split.
tts = []
for n, test_size in [(10, 0.25), (150, 0.2), (7, 0.5), (101, 0.33), (20, 3), (13, 0.1)]:
    tr, te = train_test_split(np.arange(n), test_size=test_size, shuffle=False)
    tts.append({"n": n, "test_size": test_size, "train": tr.tolist(), "test": te.tolist()})

write("splits", {"kfold": kfold, "stratified": strat, "group": group, "train_test_split": tts})

# cross_validate of NearestCentroid (uniform priors: the nearest mean wins) on iris, and of a
# StandardScaler + NearestCentroid pipeline on wine, with unshuffled StratifiedKFold(5).
iris, wine = load_iris(), load_wine()
cv_iris = cross_validate(NearestCentroid(), iris.data, iris.target, cv=StratifiedKFold(5), scoring="accuracy", return_train_score=True)
pipe = make_pipeline(StandardScaler(), NearestCentroid())
cv_wine = cross_validate(pipe, wine.data, wine.target, cv=StratifiedKFold(5), scoring="accuracy")
cv_wine_raw = cross_validate(NearestCentroid(), wine.data, wine.target, cv=StratifiedKFold(5), scoring="accuracy")
oof = cross_val_predict(NearestCentroid(), iris.data, iris.target, cv=StratifiedKFold(5))

# Grid search over DummyRegressor's quantile on raw diabetes, KFold(5), R^2.
diab = load_diabetes(scaled=False)
qs = [0.1, 0.3, 0.5, 0.7, 0.9]
gs = GridSearchCV(DummyRegressor(strategy="quantile"), {"quantile": qs}, cv=KFold(5), scoring="r2").fit(diab.data, diab.target)
write(
    "cv",
    {
        "iris_nearest_centroid": {
            "test_accuracy": cv_iris["test_score"].tolist(),
            "train_accuracy": cv_iris["train_score"].tolist(),
        },
        "wine_scaled_nearest_centroid": {"test_accuracy": cv_wine["test_score"].tolist()},
        "wine_raw_nearest_centroid": {"test_accuracy": cv_wine_raw["test_score"].tolist()},
        "iris_oof_predictions": oof.tolist(),
        "diabetes_quantile_grid": {
            "quantiles": qs,
            "mean_test_score": gs.cv_results_["mean_test_score"].tolist(),
            "std_test_score": gs.cv_results_["std_test_score"].tolist(),
            "rank_test_score": gs.cv_results_["rank_test_score"].tolist(),
            "split_test_scores": [gs.cv_results_[f"split{i}_test_score"].tolist() for i in range(5)],
            "best_quantile": gs.best_params_["quantile"],
        },
    },
)
print("wrote", sorted(p.name for p in OUT.iterdir()))
print("iris NC", cv_iris["test_score"], "wine pipe", cv_wine["test_score"], "wine raw", cv_wine_raw["test_score"])
print("grid", gs.cv_results_["mean_test_score"], gs.cv_results_["rank_test_score"])
