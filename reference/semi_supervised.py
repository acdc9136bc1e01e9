"""Reference values for breadth's semi-supervised learning (crates/classic/src/semi_supervised).

Run: python3 reference/semi_supervised.py   (scikit-learn 1.9.1, numpy 2.4.6; see requirements.txt)
Writes crates/classic/tests/fixtures/semi_supervised/*.json.
"""

import json
from pathlib import Path

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.semi_supervised import LabelPropagation, LabelSpreading, SelfTrainingClassifier

OUT = Path(__file__).resolve().parent.parent / "crates/classic/tests/fixtures/semi_supervised"
OUT.mkdir(parents=True, exist_ok=True)

rng = np.random.default_rng(7)
centers = np.array([[0.0, 0.0, 0.0], [2.5, 2.5, 0.0], [0.0, 2.5, 2.5]])
X = np.vstack([c + rng.normal(scale=0.8, size=(30, 3)) for c in centers])
y_true = np.repeat([0, 1, 2], 30)
y = y_true.copy()
y[rng.random(90) > 0.2] = -1  # about 20% labelled
X_new = rng.normal(scale=1.5, size=(6, 3)) + 1.0

cases = {}
for name, est in {
    "propagation_rbf": LabelPropagation(kernel="rbf", gamma=1.0, max_iter=1000, tol=1e-3),
    "propagation_knn": LabelPropagation(kernel="knn", n_neighbors=5, max_iter=1000, tol=1e-3),
    "spreading_rbf": LabelSpreading(kernel="rbf", gamma=1.0, alpha=0.2, max_iter=30, tol=1e-3),
    "spreading_knn": LabelSpreading(kernel="knn", n_neighbors=5, alpha=0.3, max_iter=30, tol=1e-3),
}.items():
    est.fit(X, y)
    cases[name] = {
        "params": est.get_params(),
        "label_distributions": est.label_distributions_.tolist(),
        "transduction": est.transduction_.tolist(),
        "n_iter": int(est.n_iter_),
        "predict_proba_new": est.predict_proba(X_new).tolist(),
    }

self_training = {}
for name, base, crit in [
    ("gaussian_nb_threshold", GaussianNB(), dict(criterion="threshold", threshold=0.9)),
    ("gaussian_nb_k_best", GaussianNB(), dict(criterion="k_best", k_best=7)),
    ("logistic_threshold", LogisticRegression(C=1.0), dict(criterion="threshold", threshold=0.8)),
]:
    st = SelfTrainingClassifier(base, max_iter=10, **crit).fit(X, y)
    self_training[name] = {
        "labeled_iter": st.labeled_iter_.tolist(),
        "transduction": st.transduction_.tolist(),
        "n_iter": int(st.n_iter_),
        "termination": st.termination_condition_,
    }

(OUT / "graph.json").write_text(
    json.dumps(
        {
            "source": f"reference/semi_supervised.py, scikit-learn {sklearn.__version__}",
            "X": X.tolist(),
            "y": y.tolist(),
            "y_true": y_true.tolist(),
            "X_new": X_new.tolist(),
            "cases": cases,
            "self_training": self_training,
        },
        default=str,
    )
)
print("labelled:", int((y != -1).sum()), "of", len(y))
for k, v in cases.items():
    print(k, "n_iter", v["n_iter"])
for k, v in self_training.items():
    print(k, v["n_iter"], v["termination"])
