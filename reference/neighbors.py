"""Reference values for breadth-classic's nearest-neighbour index and k-NN / radius models.

Run: python reference/neighbors.py   (scikit-learn 1.9.1, numpy 2.4.6; see requirements.txt)
Writes crates/classic/tests/fixtures/neighbors/*.json. The data is continuous random draws, so
no two distances tie and the neighbour indices are unambiguous.
"""

import json
from pathlib import Path

import numpy as np
import sklearn
from sklearn.datasets import make_classification, make_regression
from sklearn.neighbors import (
    KNeighborsClassifier,
    KNeighborsRegressor,
    NearestNeighbors,
    RadiusNeighborsClassifier,
    RadiusNeighborsRegressor,
)

OUT = Path(__file__).resolve().parent.parent / "crates/classic/tests/fixtures/neighbors"
OUT.mkdir(parents=True, exist_ok=True)


def dump(name, obj):
    (OUT / name).write_text(json.dumps(obj, separators=(",", ":")))


rng = np.random.default_rng(7)
X = rng.normal(size=(60, 3))
Q = rng.normal(size=(15, 3))
VI = np.linalg.inv(np.cov(X.T))

metrics = {
    "euclidean": dict(metric="euclidean"),
    "manhattan": dict(metric="manhattan"),
    "chebyshev": dict(metric="chebyshev"),
    "minkowski3": dict(metric="minkowski", p=3),
    "cosine": dict(metric="cosine"),
    "mahalanobis": dict(metric="mahalanobis", metric_params={"VI": VI}),
}
index = {"sklearn": sklearn.__version__, "X": X.tolist(), "Q": Q.tolist(), "VI": VI.tolist(), "cases": {}}
for name, kw in metrics.items():
    algorithm = "brute" if name == "cosine" else "ball_tree"
    nn = NearestNeighbors(n_neighbors=5, algorithm=algorithm, **kw).fit(X)
    d, i = nn.kneighbors(Q)
    # A value off the sample distances, so no row sits exactly on the boundary.
    radius = float(np.round(np.median(d[:, 2]), 2)) + 0.001234
    rd, ri = nn.radius_neighbors(Q, radius=radius, sort_results=True)
    sd, si = nn.kneighbors(n_neighbors=3)  # X=None: each training point, itself excluded
    index["cases"][name] = {
        "dist": d.tolist(),
        "ind": i.tolist(),
        "radius": radius,
        "rdist": [r.tolist() for r in rd],
        "rind": [r.tolist() for r in ri],
        "self_dist": sd.tolist(),
        "self_ind": si.tolist(),
    }
dump("index.json", index)

Xc, yc = make_classification(n_samples=120, n_features=4, n_informative=3, n_redundant=0,
                             n_classes=3, n_clusters_per_class=1, random_state=3)
Xr, yr = make_regression(n_samples=120, n_features=4, noise=5.0, random_state=4)
models = {"Xc": Xc[:80].tolist(), "yc": yc[:80].tolist(), "Qc": Xc[80:].tolist(),
          "Xr": Xr[:80].tolist(), "yr": yr[:80].tolist(), "Qr": Xr[80:].tolist(), "cases": {}}
for weights in ["uniform", "distance"]:
    for metric in ["euclidean", "manhattan"]:
        clf = KNeighborsClassifier(n_neighbors=7, weights=weights, metric=metric).fit(Xc[:80], yc[:80])
        reg = KNeighborsRegressor(n_neighbors=7, weights=weights, metric=metric).fit(Xr[:80], yr[:80])
        rclf = RadiusNeighborsClassifier(radius=1.5, weights=weights, metric=metric,
                                         outlier_label="most_frequent").fit(Xc[:80], yc[:80])
        rreg = RadiusNeighborsRegressor(radius=1.8, weights=weights, metric=metric).fit(Xr[:80], yr[:80])
        rreg_pred = rreg.predict(Xr[80:])
        models["cases"][f"{weights}_{metric}"] = {
            "knn_pred": clf.predict(Xc[80:]).tolist(),
            "knn_proba": clf.predict_proba(Xc[80:]).tolist(),
            "knn_reg": reg.predict(Xr[80:]).tolist(),
            "radius_pred": rclf.predict(Xc[80:]).tolist(),
            "radius_proba": rclf.predict_proba(Xc[80:]).tolist(),
            # NaN (no neighbour within the radius) is written as null.
            "radius_reg": [None if np.isnan(v) else float(v) for v in rreg_pred],
        }
dump("models.json", models)
print("wrote", sorted(p.name for p in OUT.iterdir()))
