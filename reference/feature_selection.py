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

# ---------------------------------------------------------------------------------------------
# Mutual information (Kraskov kNN estimator, n_neighbors=3) -> mutual_info.json.
# scikit-learn scales continuous columns (and a continuous target) by their standard deviation
# and adds noise 1e-10 * max(1, mean|x|) * N(0, 1) from `random_state`. To match exactly we
# replay that preprocessing with the same generator, store the noisy data, and check that
# scikit-learn's own estimator gives the same values on it as the public function.
from sklearn.feature_selection import mutual_info_classif, mutual_info_regression  # noqa: E402
from sklearn.feature_selection._mutual_info import _compute_mi  # noqa: E402
from sklearn.preprocessing import scale  # noqa: E402


def prepared(X, y, discrete_mask, discrete_target, seed):
    """scikit-learn's preprocessing of _estimate_mi, replayed."""
    rng = np.random.RandomState(seed)
    X = X.astype(np.float64).copy()
    cont = ~discrete_mask
    if cont.any():
        X[:, cont] = scale(X[:, cont], with_mean=False)
        means = np.maximum(1, np.mean(np.abs(X[:, cont]), axis=0))
        X[:, cont] += 1e-10 * means * rng.standard_normal(size=(X.shape[0], cont.sum()))
    y = y.astype(np.float64).copy()
    if not discrete_target:
        y = scale(y, with_mean=False)
        y += 1e-10 * np.maximum(1, np.mean(np.abs(y))) * rng.standard_normal(size=X.shape[0])
    return X, y


mi = {"sklearn": sklearn.__version__, "n_neighbors": 3}
# Continuous features, class target (iris: many tied values, so the noise matters).
mask = np.zeros(4, dtype=bool)
Xn, _ = prepared(Xi, yi, mask, True, 0)
want = mutual_info_classif(Xi, yi, random_state=0)
again = np.array([_compute_mi(Xn[:, j], yi, False, True, 3) for j in range(4)])
assert np.array_equal(want, again), (want, again)
mi["classif"] = {"X_prepared": Xn.tolist(), "y": yi.tolist(), "mi": want.tolist(),
                 "k2": SelectKBest(lambda X, y: mutual_info_classif(X, y, random_state=0), k=2)
                 .fit(Xi, yi).get_support().astype(int).tolist()}
# Continuous target, one discrete feature (diabetes' sex column), first 200 rows.
Xr, yr = Xd[:200], yd[:200]
dmask = np.zeros(10, dtype=bool)
dmask[1] = True
Xrn, yrn = prepared(Xr, yr, dmask, False, 0)
want = mutual_info_regression(Xr, yr, discrete_features=[1], random_state=0)
again = np.array([_compute_mi(Xrn[:, j], yrn, dmask[j], False, 3) for j in range(10)])
assert np.array_equal(want, again), (want, again)
mi["regression"] = {"X_prepared": Xrn.tolist(), "y_prepared": yrn.tolist(), "discrete": [1],
                    "mi": want.tolist()}
# Discrete features and classes: the contingency formula, no noise.
Xq = np.floor(Xi * 2.0)
mi["discrete"] = {"X": Xq.tolist(), "y": yi.tolist(),
                  "mi": mutual_info_classif(Xq, yi, discrete_features=True).tolist()}
# End to end on tie-free continuous data, raw (our noise differs from NumPy's; with no ties
# noise of 1e-10 moves no neighbour, so the values agree to rounding).
g = np.random.default_rng(7)
Xc = g.normal(size=(120, 3))
yc = Xc[:, 0] + np.sin(3 * Xc[:, 1]) + 0.1 * g.normal(size=120)
mi["raw"] = {"X": Xc.tolist(), "y": yc.tolist(),
             "mi": mutual_info_regression(Xc, yc, random_state=0).tolist()}
(OUT / "mutual_info.json").write_text(json.dumps(mi))
print("mutual information", mi["classif"]["mi"], mi["regression"]["mi"][:3], mi["discrete"]["mi"], mi["raw"]["mi"])

# ---------------------------------------------------------------------------------------------
# SelectFromModel -> from_model.json: the selection rule on given importances (a depth-3 tree's
# and a 50-tree random forest's on breast cancer) for each threshold form and a cap, and the
# tree end to end (a tree that considers every feature at every split is deterministic).
from sklearn.datasets import load_breast_cancer  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402

Xb, yb = load_breast_cancer(return_X_y=True)
tree = DecisionTreeClassifier(max_depth=3, random_state=0).fit(Xb, yb)
forest = RandomForestClassifier(n_estimators=50, random_state=0).fit(Xb, yb)
fm = {"sklearn": sklearn.__version__, "tree_importances": tree.feature_importances_.tolist(),
      "tree_support_mean": SelectFromModel(tree, prefit=True).get_support().astype(int).tolist(),
      "cases": []}
for imp_name, est in [("tree", tree), ("forest", forest)]:
    for threshold in ["mean", "median", "1.25*mean", "0.5*median", "0.01"]:
        for max_features in [None, 3]:
            arg = float(threshold) if "*" not in threshold and threshold[0].isdigit() else threshold
            sel = SelectFromModel(est, prefit=True, threshold=arg, max_features=max_features)
            fm["cases"].append({"importances": est.feature_importances_.tolist(), "threshold": threshold,
                                "max_features": max_features,
                                "support": sel.get_support().astype(int).tolist()})
(OUT / "from_model.json").write_text(json.dumps(fm))
print("from model", fm["tree_support_mean"], [sum(c["support"]) for c in fm["cases"]])
