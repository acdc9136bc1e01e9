"""Reference quality of LightGBM with monotone constraints, for breadth's histogram GBDT tests.

Writes crates/classic/tests/fixtures/trees/monotone.json: a seeded synthetic problem (4 features
uniform on [0, 1], a target increasing in x0 with a wiggle, decreasing in x1, plus an interaction
of x2 and x3), split 800 train / 400 test, as a regression (Gaussian noise) and a binary problem
(labels drawn from the logistic of the same score). LightGBM is fit with monotone_constraints
[1, -1, 0, 0] and monotone_constraints_method="basic", and without constraints; the fixture holds
the data (4 decimals) and LightGBM's test RMSE / AUC, so the test can require breadth's constrained
model to be about as good. Exact predictions are not compared: the two libraries cut bins
differently.

Run: python reference/trees_monotone.py   (lightgbm 4.7.0, scikit-learn 1.9.1, numpy 2.4.6)
"""

import json
from pathlib import Path

import lightgbm as lgb
import numpy as np
from sklearn.metrics import mean_squared_error, roc_auc_score

OUT = Path(__file__).resolve().parent.parent / "crates/classic/tests/fixtures/trees"
N_TRAIN, N_TEST = 800, 400
CONSTRAINTS = [1, -1, 0, 0]


def main():
    rng = np.random.default_rng(7)
    X = np.round(rng.uniform(size=(N_TRAIN + N_TEST, 4)), 4)
    score = 3 * X[:, 0] + 0.6 * np.sin(12 * X[:, 0]) - 2 * X[:, 1] + 2 * X[:, 2] * X[:, 3]
    y_reg = np.round(score + rng.normal(scale=0.3, size=len(score)), 4)
    y_bin = (rng.uniform(size=len(score)) < 1 / (1 + np.exp(-2.5 * (score - score.mean())))).astype(int)
    params = dict(num_leaves=15, n_estimators=60, learning_rate=0.1, min_child_samples=20, max_bin=255,
                  verbose=-1, n_jobs=1, min_child_weight=1e-3, reg_lambda=0.0)
    mono = dict(monotone_constraints=CONSTRAINTS, monotone_constraints_method="basic")
    tr, te = slice(0, N_TRAIN), slice(N_TRAIN, None)
    out = {"generator": f"reference/trees_monotone.py, lightgbm {lgb.__version__}", "constraints": CONSTRAINTS,
           "n_train": N_TRAIN, "x": X.tolist(), "y_reg": y_reg.tolist(), "y_bin": y_bin.tolist()}
    for name, extra in [("constrained", mono), ("free", {})]:
        r = lgb.LGBMRegressor(**params, **extra).fit(X[tr], y_reg[tr])
        c = lgb.LGBMClassifier(**params, **extra).fit(X[tr], y_bin[tr])
        out[f"rmse_{name}"] = float(np.sqrt(mean_squared_error(y_reg[te], r.predict(X[te]))))
        out[f"auc_{name}"] = float(roc_auc_score(y_bin[te], c.predict_proba(X[te])[:, 1]))
    (OUT / "monotone.json").write_text(json.dumps(out, separators=(",", ":")))
    print({k: v for k, v in out.items() if k not in ("x", "y_reg", "y_bin")})


if __name__ == "__main__":
    main()
