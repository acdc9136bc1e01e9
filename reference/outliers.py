"""Reference values for breadth-classic's outlier detectors.

Run: python reference/outliers.py   (scikit-learn 1.9.1, scipy 1.17.1, numpy 2.4.6)
Writes crates/classic/tests/fixtures/outliers/outliers.json.
"""

import json
from pathlib import Path

import numpy as np
import scipy
import sklearn
from scipy import stats
from sklearn.covariance import EllipticEnvelope, MinCovDet
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import LocalOutlierFactor

OUT = Path(__file__).resolve().parent.parent / "crates/classic/tests/fixtures/outliers"
OUT.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(7)

# 180 correlated inliers and 20 scattered outliers in 4 dimensions; label 1 = outlier.
d = 4
a = rng.normal(size=(d, d))
inl = rng.normal(size=(180, d)) @ (0.5 * a)
outl = rng.uniform(-2.5, 2.5, size=(20, d))
X = np.vstack([inl, outl])
y = np.r_[np.zeros(180, int), np.ones(20, int)]
perm = rng.permutation(len(y))
X, y = X[perm], y[perm]
Q = np.vstack([rng.normal(size=(15, d)) @ (0.5 * a), rng.uniform(-2.5, 2.5, size=(5, d))])

out = {"sklearn": sklearn.__version__, "scipy": scipy.__version__, "X": X.tolist(),
       "y": y.tolist(), "Q": Q.tolist()}

# Isolation forest: random, so only the AUC (mean over seeds) is comparable.
aucs = [roc_auc_score(y, -IsolationForest(random_state=s).fit(X).score_samples(X)) for s in range(5)]
out["iforest_auc"] = float(np.mean(aucs))

lof = LocalOutlierFactor(n_neighbors=20).fit(X)
out["lof_nof"] = lof.negative_outlier_factor_.tolist()
out["lof_labels"] = lof.fit_predict(X).tolist()
out["lof_auc"] = roc_auc_score(y, -lof.negative_outlier_factor_)
nov = LocalOutlierFactor(n_neighbors=20, novelty=True).fit(X)
out["lof_novelty_scores"] = nov.score_samples(Q).tolist()
out["lof_novelty_labels"] = nov.predict(Q).tolist()

# FastMCD's random starts reach different local optima; keep the seed with the smallest determinant.
mcd = min((MinCovDet(random_state=s).fit(X) for s in range(20)),
          key=lambda m: np.linalg.slogdet(m.raw_covariance_)[1])
out["mcd_raw_logdet"] = float(np.linalg.slogdet(mcd.raw_covariance_)[1])
out["mcd_support"] = mcd.support_.astype(int).tolist()
out["mcd_raw_support"] = mcd.raw_support_.astype(int).tolist()
out["mcd_location"] = mcd.location_.tolist()
out["mcd_covariance"] = mcd.covariance_.tolist()
out["mcd_dist"] = mcd.dist_.tolist()
out["mcd_mahalanobis_q"] = mcd.mahalanobis(Q).tolist()
ee = EllipticEnvelope(contamination=0.1, random_state=mcd.random_state).fit(X)
out["ee_decision_q"] = ee.decision_function(Q).tolist()
out["ee_labels"] = ee.predict(X).tolist()

# Univariate rules: the largest per-feature statistic of each row.
z = np.abs(stats.zscore(X, axis=0))
out["zscore_max"] = z.max(axis=1).tolist()
med = np.median(X, axis=0)
mad = np.median(np.abs(X - med), axis=0)
mz = 0.6745 * np.abs(X - med) / mad
out["modz_max"] = mz.max(axis=1).tolist()
q1, q3 = np.percentile(X, [25, 75], axis=0)
out["iqr_q1"] = q1.tolist()
out["iqr_q3"] = q3.tolist()
iqr = q3 - q1
out["iqr_flags"] = ((X < q1 - 1.5 * iqr) | (X > q3 + 1.5 * iqr)).any(axis=1).astype(int).tolist()

(OUT / "outliers.json").write_text(json.dumps(out))
print({k: out[k] for k in ["iforest_auc", "lof_auc"]}, "iforest aucs", aucs)
