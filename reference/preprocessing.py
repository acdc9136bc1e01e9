"""Expected values for breadth-data's preprocessing, imputers and deterministic generators.

Run from the repository root:  python reference/preprocessing.py
Writes crates/data/tests/fixtures/preprocessing/<transformer>.json with scikit-learn 1.9.1 /
numpy 2.4 (pinned in reference/requirements.txt).

Each file is a list of cases:
  {"params": {breadth parameter: value as text}, "fit_x": matrix, "fit_w": weights or null,
   "x": matrix to transform, "out": sklearn's transform(x), "names": get_feature_names_out(),
   "inverse": sklearn's inverse_transform(out) or null, "attrs": {fitted attributes}}
Matrices are lists of rows; NaN is written as null (JSON has no NaN).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import sklearn
from sklearn.datasets import make_circles, make_moons
from sklearn.impute import KNNImputer, MissingIndicator, SimpleImputer
from sklearn.preprocessing import (
    MinMaxScaler,
    Normalizer,
    OneHotEncoder,
    OrdinalEncoder,
    PolynomialFeatures,
    RobustScaler,
    StandardScaler,
)

OUT = Path(__file__).resolve().parent.parent / "crates" / "data" / "tests" / "fixtures" / "preprocessing"


def enc(a):
    """A numpy array (or None) as JSON-ready lists with NaN as null."""
    if a is None:
        return None
    a = np.asarray(a, dtype=float)
    return [[None if np.isnan(v) else float(v) for v in row] for row in np.atleast_2d(a)] if a.ndim == 2 else [
        None if np.isnan(v) else float(v) for v in a
    ]


def names_in(d):
    return [f"x{j}" for j in range(d)]


def case(est, params, fit_x, x, fit_w=None, inverse=True, attrs=()):
    if fit_w is not None:
        est.fit(fit_x, sample_weight=fit_w)
    else:
        est.fit(fit_x)
    out = est.transform(x)
    inv = None
    if inverse:
        inv = est.inverse_transform(out)
        inv = np.where(inv == None, np.nan, inv).astype(float)  # noqa: E711 (unknown -> NaN)
    at = {}
    for a in attrs:
        v = getattr(est, a)
        at[a] = None if v is None else enc(v)
    return {
        "params": params,
        "fit_x": enc(fit_x),
        "fit_w": None if fit_w is None else enc(fit_w),
        "x": enc(x),
        "out": enc(out),
        "names": [str(n) for n in est.get_feature_names_out(names_in(fit_x.shape[1]))],
        "inverse": enc(inv),
        "attrs": at,
    }


def write(name, cases):
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.json").write_text(json.dumps({"sklearn": sklearn.__version__, "numpy": np.__version__, "cases": cases}))
    print(f"{name}: {len(cases)} cases")


rng = np.random.default_rng(20240611)


def scaled_data(n):
    """Mixed scales, negative values, a constant column and a near-constant one."""
    x = rng.normal(size=(n, 5)) * np.array([1.0, 100.0, 0.01, 1.0, 3.0]) + np.array([0.0, -50.0, 2.0, 0.0, 1e3])
    x[:, 3] = 4.2  # constant column: scale 1
    return x


fx, tx = scaled_data(31), scaled_data(9)
w = rng.uniform(0, 2, size=31)
w[:4] = 0.0
std_attrs = ("mean_", "var_", "scale_")
write(
    "standard_scaler",
    [
        case(StandardScaler(), {}, fx, tx, attrs=std_attrs),
        case(StandardScaler(with_mean=False), {"with_mean": "false"}, fx, tx, attrs=std_attrs),
        case(StandardScaler(with_std=False), {"with_std": "false"}, fx, tx, attrs=std_attrs),
        case(StandardScaler(with_mean=False, with_std=False), {"with_mean": "false", "with_std": "false"}, fx, tx, attrs=std_attrs),
        case(StandardScaler(), {}, fx, tx, fit_w=w, attrs=std_attrs),
    ],
)

mm_attrs = ("data_min_", "data_max_", "scale_", "min_")
wide = tx * 3.0  # outside the fitted range, for clipping
write(
    "min_max_scaler",
    [
        case(MinMaxScaler(), {}, fx, tx, attrs=mm_attrs),
        case(MinMaxScaler(feature_range=(-2, 3)), {"feature_range": "-2,3"}, fx, wide, attrs=mm_attrs),
        case(MinMaxScaler(clip=True), {"clip": "true"}, fx, wide, inverse=False, attrs=mm_attrs),
    ],
)

rb_attrs = ("center_", "scale_")
even = scaled_data(30)
write(
    "robust_scaler",
    [
        case(RobustScaler(), {}, fx, tx, attrs=rb_attrs),
        case(RobustScaler(), {}, even, tx, attrs=rb_attrs),
        case(RobustScaler(quantile_range=(10.0, 90.0)), {"quantile_range": "10,90"}, fx, tx, attrs=rb_attrs),
        case(RobustScaler(quantile_range=(3.5, 71.0), unit_variance=True), {"quantile_range": "3.5,71", "unit_variance": "true"}, even, tx, attrs=rb_attrs),
        case(RobustScaler(with_centering=False), {"with_centering": "false"}, fx, tx, attrs=rb_attrs),
        case(RobustScaler(with_scaling=False), {"with_scaling": "false"}, fx, tx, attrs=rb_attrs),
    ],
)

nx = rng.normal(size=(8, 4))
nx[2] = 0.0  # zero row stays zero
nx[5] = [1e-300, 0.0, -1e-300, 0.0]
write(
    "normalizer",
    [case(Normalizer(norm=n), {"norm": n}, nx, nx * 1.5, inverse=False) for n in ("l1", "l2", "max")],
)

cat = np.column_stack(
    [
        rng.integers(0, 3, size=25),
        rng.choice([-1.0, 5.0], size=25),
        rng.choice([2.5, 3.5, 7.0, 10.0], size=25),
        np.full(25, 9.0),
    ]
).astype(float)
cat_new = cat[:6].copy()
cat_unseen = cat[:6].copy()
cat_unseen[1, 0] = 4.0
cat_unseen[3, 2] = 0.5
cat_unseen[4, 1] = 6.0
write(
    "one_hot_encoder",
    [
        case(OneHotEncoder(sparse_output=False), {}, cat, cat_new),
        case(OneHotEncoder(sparse_output=False, drop="first"), {"drop": "first"}, cat, cat_new),
        case(OneHotEncoder(sparse_output=False, drop="if_binary"), {"drop": "if_binary"}, cat, cat_new),
        case(OneHotEncoder(sparse_output=False, handle_unknown="ignore"), {"handle_unknown": "ignore"}, cat, cat_unseen),
        case(
            OneHotEncoder(sparse_output=False, handle_unknown="ignore", drop="if_binary"),
            {"handle_unknown": "ignore", "drop": "if_binary"},
            cat,
            cat_unseen,
        ),
    ],
)
write(
    "ordinal_encoder",
    [
        case(OrdinalEncoder(), {}, cat, cat_new),
        case(
            OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1),
            {"handle_unknown": "use_encoded_value:-1"},
            cat,
            cat_unseen,
        ),
        case(
            OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan),
            {"handle_unknown": "use_encoded_value:nan"},
            cat,
            cat_unseen,
        ),
    ],
)

px = rng.normal(size=(7, 3)) * 2.0
pt = rng.normal(size=(5, 3)) * 2.0
write(
    "polynomial_features",
    [
        case(PolynomialFeatures(), {}, px, pt, inverse=False, attrs=("powers_",)),
        case(PolynomialFeatures(degree=3, interaction_only=True), {"degree": "3", "interaction_only": "true"}, px, pt, inverse=False, attrs=("powers_",)),
        case(PolynomialFeatures(degree=3, include_bias=False), {"degree": "3", "include_bias": "false"}, px, pt, inverse=False, attrs=("powers_",)),
        case(PolynomialFeatures(degree=(2, 3)), {"degree": "3", "min_degree": "2"}, px, pt, inverse=False, attrs=("powers_",)),
        case(
            PolynomialFeatures(degree=(2, 4), interaction_only=True, include_bias=False),
            {"degree": "4", "min_degree": "2", "interaction_only": "true", "include_bias": "false"},
            rng.normal(size=(6, 5)),
            rng.normal(size=(4, 5)),
            inverse=False,
            attrs=("powers_",),
        ),
        case(PolynomialFeatures(degree=0), {"degree": "0"}, px, pt, inverse=False, attrs=("powers_",)),
    ],
)


def with_missing(n, d, frac, seed):
    r = np.random.default_rng(seed)
    x = r.normal(size=(n, d)) * 3.0 + 1.0
    x[r.uniform(size=(n, d)) < frac] = np.nan
    return x


# Imputers: an all-NaN column (dropped unless keep_empty_features), integer-valued ties for
# most_frequent, an even number of present values for the median.
ix = with_missing(16, 5, 0.25, 1)
ix[:, 2] = np.nan
ix[:, 4] = np.array([3, 1, 1, 3, np.nan, 2, 2, 5, np.nan, 0, 5, 7, 8, 9, 4, 6], dtype=float)  # tie 1/2/3/5 -> 1
it = with_missing(7, 5, 0.3, 2)
it[0, 4] = np.nan
si_attrs = ("statistics_",)
simple_cases = []
for strat, p in [("mean", "mean"), ("median", "median"), ("most_frequent", "most_frequent")]:
    simple_cases.append(case(SimpleImputer(strategy=strat), {"strategy": p}, ix, it, inverse=False, attrs=si_attrs))
    simple_cases.append(
        case(SimpleImputer(strategy=strat, keep_empty_features=True), {"strategy": p, "keep_empty_features": "true"}, ix, it, inverse=False, attrs=si_attrs)
    )
simple_cases.append(case(SimpleImputer(strategy="constant", fill_value=7.5), {"strategy": "constant:7.5"}, ix, it, inverse=False))
simple_cases.append(
    case(SimpleImputer(strategy="constant", fill_value=7.5, keep_empty_features=True), {"strategy": "constant:7.5", "keep_empty_features": "true"}, ix, it, inverse=False)
)
simple_cases.append(case(SimpleImputer(strategy="median", add_indicator=True), {"strategy": "median", "add_indicator": "true"}, ix, ix, inverse=True, attrs=si_attrs))
write("simple_imputer", simple_cases)

kx = with_missing(24, 4, 0.2, 3)
kx[5] = np.nan  # a row with nothing observed: every distance is NaN -> column mean
kx[7] = [np.nan, np.nan, 0.3, np.nan]
kt = with_missing(9, 4, 0.35, 4)
kt[0] = np.nan
kx_empty = kx.copy()
kx_empty[:, 1] = np.nan
knn_cases = []
for k in (1, 3, 5, 30):
    for wts in ("uniform", "distance"):
        knn_cases.append(case(KNNImputer(n_neighbors=k, weights=wts), {"n_neighbors": str(k), "weights": wts}, kx, kt, inverse=False))
knn_cases.append(case(KNNImputer(), {}, kx, kx, inverse=False))
knn_cases.append(case(KNNImputer(n_neighbors=2), {"n_neighbors": "2"}, kx_empty, kt, inverse=False))
kept = case(KNNImputer(n_neighbors=2, keep_empty_features=True), {"n_neighbors": "2", "keep_empty_features": "true"}, kx_empty, kt, inverse=False)
# scikit-learn 1.9.1 bug: KNNImputer.get_feature_names_out drops the empty column even when
# keep_empty_features keeps it in the output (4 columns, 3 names). breadth names every column.
assert len(kept["names"]) == len(kept["out"][0]) - 1
kept["names"] = names_in(kx_empty.shape[1])
knn_cases.append(kept)
knn_cases.append(case(KNNImputer(n_neighbors=3, weights="distance", add_indicator=True), {"n_neighbors": "3", "weights": "distance", "add_indicator": "true"}, kx_empty, kt, inverse=False))
write("knn_imputer", knn_cases)

mx = with_missing(10, 4, 0.2, 5)
mx[:, 1] = np.arange(10.0)  # no missing value: left out by features="missing-only"
mt = with_missing(5, 4, 0.4, 6)
mt[:, 1] = 1.0
write(
    "missing_indicator",
    [
        case(MissingIndicator(), {}, mx, mt, inverse=False, attrs=("features_",)),
        case(MissingIndicator(features="all"), {"features": "all"}, mx, mt, inverse=False, attrs=("features_",)),
    ],
)

# Generators without noise or shuffling are deterministic: they must match exactly.
gen = []
for n in (7, 10):
    X, y = make_moons(n_samples=n, shuffle=False, noise=None)
    gen.append({"generator": "moons", "n_samples": n, "factor": None, "x": enc(X), "y": [int(v) for v in y]})
    X, y = make_circles(n_samples=n, shuffle=False, noise=None, factor=0.3)
    gen.append({"generator": "circles", "n_samples": n, "factor": 0.3, "x": enc(X), "y": [int(v) for v in y]})
(OUT / "generators.json").write_text(json.dumps({"sklearn": sklearn.__version__, "cases": gen}))
print(f"generators: {len(gen)} cases")
