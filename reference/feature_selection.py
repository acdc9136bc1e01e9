"""Reference values for breadth-classic's feature selection.

Run: python reference/feature_selection.py   (scikit-learn 1.9.1, numpy 2.4.6)
Writes crates/classic/tests/fixtures/feature_selection/feature_selection.json.
"""

import json
from pathlib import Path

import numpy as np
import sklearn
from sklearn.datasets import load_diabetes, load_iris
from sklearn.feature_selection import (RFE, SelectFromModel, SelectKBest, SelectPercentile,
                                       VarianceThreshold, chi2, f_classif, f_regression)
from sklearn.linear_model import Lasso, LinearRegression

OUT = Path(__file__).resolve().parent.parent / "crates/classic/tests/fixtures/feature_selection"
OUT.mkdir(parents=True, exist_ok=True)

Xi, yi = load_iris(return_X_y=True)
Xd, yd = load_diabetes(return_X_y=True, scaled=False)
out = {"sklearn": sklearn.__version__}

for name, fn, X, y in [("chi2", chi2, Xi, yi), ("f_classif", f_classif, Xi, yi),
                       ("f_regression", f_regression, Xd, yd)]:
    s, p = fn(X, y)
    out[name] = {"scores": s.tolist(), "pvalues": p.tolist(),
                 "k3": SelectKBest(fn, k=3).fit(X, y).get_support().astype(int).tolist(),
                 "p40": SelectPercentile(fn, percentile=40).fit(X, y).get_support().astype(int).tolist()}

rng = np.random.default_rng(0)
Xv = rng.normal(size=(30, 5)) * np.array([1.0, 0.1, 0.0, 2.0, 0.3])
out["variance_X"] = Xv.tolist()
out["variance_support"] = VarianceThreshold(0.05).fit(Xv).get_support().astype(int).tolist()

rfe = RFE(LinearRegression(), n_features_to_select=4, step=1).fit(Xd, yd)
out["rfe_support"] = rfe.support_.astype(int).tolist()
out["rfe_ranking"] = rfe.ranking_.tolist()
sfm = SelectFromModel(Lasso(alpha=40.0, max_iter=100000, tol=1e-10)).fit(Xd, yd)
out["lasso_support"] = sfm.get_support().astype(int).tolist()
out["lasso_coef"] = sfm.estimator_.coef_.tolist()

(OUT / "feature_selection.json").write_text(json.dumps(out))
print(out["rfe_ranking"], out["lasso_support"], out["chi2"]["k3"], out["f_regression"]["p40"])

# Sequential selection: deterministic (unshuffled 5-fold CV, mean R^2).
from sklearn.feature_selection import SequentialFeatureSelector  # noqa: E402

for direction in ("forward", "backward"):
    sfs = SequentialFeatureSelector(LinearRegression(), n_features_to_select=4, direction=direction,
                                    cv=5).fit(Xd, yd)
    out[f"sfs_{direction}"] = sfs.get_support().astype(int).tolist()
(OUT / "feature_selection.json").write_text(json.dumps(out))
print(out["sfs_forward"], out["sfs_backward"])

# RFECV: unshuffled 5-fold CV (KFold for a regressor), mean R^2 per number of features.
from sklearn.feature_selection import RFECV  # noqa: E402

rfecv = RFECV(LinearRegression(), step=1, cv=5).fit(Xd, yd)
out["rfecv_support"] = rfecv.get_support().astype(int).tolist()
out["rfecv_mean_scores"] = rfecv.cv_results_["mean_test_score"].tolist()
(OUT / "feature_selection.json").write_text(json.dumps(out))
print(out["rfecv_support"], out["rfecv_mean_scores"])
