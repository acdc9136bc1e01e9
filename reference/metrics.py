"""Expected values for breadth-metrics, from scikit-learn / SciPy / statsmodels.

Run:  python reference/metrics.py
Writes crates/metrics/tests/fixtures/metrics/<area>.json (versions pinned in
reference/requirements.txt; each file records the versions that produced it).
Non-finite floats are written as the strings "NaN", "Infinity", "-Infinity".
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import scipy
import sklearn
from scipy import stats
from sklearn import metrics as M
from sklearn.calibration import calibration_curve

warnings.filterwarnings("ignore")

OUT = Path(__file__).resolve().parent.parent / "crates" / "metrics" / "tests" / "fixtures" / "metrics"
VERSIONS = {"numpy": np.__version__, "scipy": scipy.__version__, "scikit-learn": sklearn.__version__}


def clean(x):
    """numpy -> JSON-safe Python, non-finite floats as strings."""
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x]
    if isinstance(x, np.ndarray):
        return clean(x.tolist())
    if isinstance(x, (np.bool_, bool)):
        return bool(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if math.isnan(x):
            return "NaN"
        if math.isinf(x):
            return "Infinity" if x > 0 else "-Infinity"
        return x
    return x


def write(area: str, payload: dict, extra_versions: dict | None = None):
    OUT.mkdir(parents=True, exist_ok=True)
    v = dict(VERSIONS)
    v.update(extra_versions or {})
    payload = {"produced_by": "reference/metrics.py", "versions": v, **payload}
    text = json.dumps(clean(payload), separators=(",", ":"))
    (OUT / f"{area}.json").write_text(text)
    print(f"{area}.json: {len(text)} bytes")


ZD = {"0": 0.0, "1": 1.0, "nan": np.nan}


def rate_values(mcm, which, average, zd):
    """Specificity / FPR / FNR / TPR from sklearn's multilabel confusion matrices, with
    sklearn's _prf_divide and _nanaverage rules."""
    tn, fp, fn, tp = mcm[:, 0, 0], mcm[:, 0, 1], mcm[:, 1, 0], mcm[:, 1, 1]
    num, den = {"tnr": (tn, tn + fp), "fpr": (fp, tn + fp), "fnr": (fn, fn + tp), "tpr": (tp, tp + fn)}[which]
    num, den = num.astype(float), den.astype(float)
    support = (tp + fn).astype(float)
    if average == "micro":
        num, den = np.array([num.sum()]), np.array([den.sum()])

    def divide(n, d):
        out = np.where(d == 0, ZD[zd], n / np.where(d == 0, 1, d))
        return out

    vals = divide(num, den)
    if average in (None, "micro"):
        return vals
    from sklearn.utils.extmath import _nanaverage

    return np.array([_nanaverage(vals, weights=support if average == "weighted" else None)])


def classification():
    rng = np.random.default_rng(0)
    cases = []
    n = 60
    t = rng.integers(0, 4, n)
    p = np.where(rng.random(n) < 0.6, t, rng.integers(0, 4, n))
    cases.append(("multiclass_random", t, p))
    t = rng.integers(0, 2, 40)
    p = np.where(rng.random(40) < 0.7, t, 1 - t)
    cases.append(("binary_random", t, p))
    cases.append(("single_class_in_truth", np.ones(8, int), np.array([1, 0, 1, 1, 0, 1, 1, 1])))
    cases.append(("all_predictions_one_class", np.array([0, 1, 2, 1, 0, 2, 2]), np.zeros(7, int)))
    cases.append(("perfect", np.array([0, 1, 2, 2, 1]), np.array([0, 1, 2, 2, 1])))
    cases.append(("worst_binary", np.array([0, 1, 1, 0, 1]), np.array([1, 0, 0, 1, 0])))
    cases.append(("class_only_predicted", np.array([0, 0, 1, 1, 0]), np.array([0, 2, 1, 1, 0])))
    cases.append(("gappy_labels", np.array([0, 3, 3, 5, 0, 5]), np.array([3, 3, 0, 5, 0, 0])))
    out = []
    for name, t, p in cases:
        present = np.unique(np.concatenate([t, p]))
        binary = len(present) <= 2
        c = {"name": name, "truth": t, "pred": p, "labels": present}
        c["cm"] = M.confusion_matrix(t, p)
        for norm in ("true", "pred", "all"):
            c[f"cm_{norm}"] = M.confusion_matrix(t, p, normalize=norm)
        c["accuracy"] = M.accuracy_score(t, p)
        c["balanced_accuracy"] = M.balanced_accuracy_score(t, p)
        c["balanced_accuracy_adjusted"] = M.balanced_accuracy_score(t, p, adjusted=True)
        c["mcc"] = M.matthews_corrcoef(t, p)
        c["kappa"] = {w or "none": M.cohen_kappa_score(t, p, weights=w) for w in (None, "linear", "quadratic")}
        prf = []
        averages = [None, "micro", "macro", "weighted"] + (["binary"] if binary and (1 in present or len(present) < 2) else [])
        for avg in averages:
            for beta in (1.0, 0.5, 2.0):
                for zd in ("0", "1", "nan"):
                    pr, rc, f, s = M.precision_recall_fscore_support(
                        t, p, beta=beta, average=avg, zero_division=ZD[zd]
                    )
                    prf.append({"average": avg or "none", "beta": beta, "zero_division": zd,
                                "precision": np.atleast_1d(pr), "recall": np.atleast_1d(rc), "f": np.atleast_1d(f)})
        c["prf"] = prf
        mcm = M.multilabel_confusion_matrix(t, p, labels=present)
        rates = []
        for which in ("tnr", "fpr", "fnr", "tpr"):
            for avg in (None, "micro", "macro", "weighted"):
                for zd in ("0", "nan"):
                    rates.append({"rate": which, "average": avg or "none", "zero_division": zd,
                                  "values": rate_values(mcm, which, avg, zd)})
        c["rates"] = rates
        out.append(c)

    # multi-label
    ml = []
    t = (rng.random((30, 5)) < 0.4).astype(int)
    p = np.where(rng.random((30, 5)) < 0.75, t, 1 - t)
    t[:, 4] = 0  # a label never present in the truth
    p[:, 4] = 0  # ... nor predicted: every ratio of it is 0/0
    t[3] = 0
    p[3] = 0  # a sample with no labels at all
    for name, tt, pp in [("multilabel_random", t, p)]:
        c = {"name": name, "truth": tt, "pred": pp, "subset_accuracy": M.accuracy_score(tt, pp), "prf": []}
        for avg in (None, "micro", "macro", "weighted", "samples"):
            for zd in ("0", "1", "nan"):
                pr, rc, f, s = M.precision_recall_fscore_support(tt, pp, average=avg, zero_division=ZD[zd])
                c["prf"].append({"average": avg or "none", "beta": 1.0, "zero_division": zd,
                                 "precision": np.atleast_1d(pr), "recall": np.atleast_1d(rc), "f": np.atleast_1d(f)})
        ml.append(c)

    # probabilistic
    prob = []
    for k, n in ((2, 25), (3, 40), (4, 30)):
        y = rng.integers(0, k, n)
        y[:k] = np.arange(k)
        logits = rng.normal(size=(n, k)) + 1.5 * np.eye(k)[y]
        pr = np.exp(logits)
        pr /= pr.sum(1, keepdims=True)
        pr[0] = np.eye(k)[y[0]]  # certain and right
        pr[1] = np.eye(k)[(y[1] + 1) % k]  # certain and wrong: clipped
        dec = rng.normal(size=(n, k)) + np.eye(k)[y]
        w = rng.random(n) + 0.1
        e = {"k": k, "truth": y, "proba": pr, "decision": dec, "weights": w,
             "log_loss": M.log_loss(y, pr, labels=list(range(k))),
             "log_loss_weighted": M.log_loss(y, pr, labels=list(range(k)), sample_weight=w),
             "brier": M.brier_score_loss(y, pr, labels=list(range(k))) if k > 2 else M.brier_score_loss(y, pr[:, 1])}
        if k > 2:
            e["hinge"] = M.hinge_loss(y, dec, labels=list(range(k)))
        else:
            e["hinge_binary"] = M.hinge_loss(y, dec[:, 1])
        prob.append(e)
    write("classification", {"cases": out, "multilabel": ml, "probabilistic": prob})


def curves():
    rng = np.random.default_rng(1)
    cases = []
    n = 80
    y = rng.integers(0, 2, n)
    s = rng.normal(size=n) + y
    cases.append(("random", y, s))
    s2 = np.round(rng.random(n) + 0.3 * y, 1)
    cases.append(("ties", y, s2))
    cases.append(("perfect", np.array([0, 0, 0, 1, 1]), np.array([0.1, 0.2, 0.3, 0.8, 0.9])))
    cases.append(("worst", np.array([1, 1, 0, 0]), np.array([0.1, 0.2, 0.8, 0.9])))
    cases.append(("all_tied", np.array([1, 0, 1, 0, 0]), np.array([0.5] * 5)))
    out = []
    for name, y, s in cases:
        c = {"name": name, "truth": y, "scores": s}
        for drop in (True, False):
            f, t, th = M.roc_curve(y, s, drop_intermediate=drop)
            c[f"roc_{'drop' if drop else 'all'}"] = {"fpr": f, "tpr": t, "thresholds": th}
        c["roc_auc"] = M.roc_auc_score(y, s)
        pr, rc, pr_th = M.precision_recall_curve(y, s)
        c["pr"] = {"precision": pr, "recall": rc, "thresholds": pr_th}
        c["average_precision"] = M.average_precision_score(y, s)
        # threshold helpers, computed from the curves (predict positive when score >= t)
        f, t, th = M.roc_curve(y, s, drop_intermediate=False)
        j = t - f
        c["youden"] = {"threshold": th[np.argmax(j)], "value": j.max()}
        # F-beta over the PR points at the thresholds (exclude the final appended point)
        for beta in (1.0, 2.0):
            P, R = pr[:-1], rc[:-1]
            b2 = beta * beta
            den = b2 * P + R
            fb = np.where(den == 0, 0.0, (1 + b2) * P * R / np.where(den == 0, 1, den))
            # ties go to the higher threshold: thresholds are increasing here, so take the last max
            idx = len(fb) - 1 - np.argmax(fb[::-1])
            c[f"max_f{beta:g}"] = {"threshold": pr_th[idx], "value": fb[idx]}
        for target in (0.5, 0.8):
            P, R, TH = pr[:-1], rc[:-1], pr_th
            ok = np.where(P >= target)[0]
            if len(ok):
                # highest recall; ties -> highest threshold
                best = max(ok, key=lambda i: (R[i], TH[i]))
                c[f"for_precision_{target}"] = {"threshold": TH[best], "value": R[best]}
            ok = np.where(R >= target)[0]
            best = max(ok, key=lambda i: TH[i])
            c[f"for_recall_{target}"] = {"threshold": TH[best], "value": P[best]}
        pos, neg = y.sum(), len(y) - y.sum()
        for cfp, cfn in ((1.0, 1.0), (1.0, 5.0), (3.0, 1.0)):
            cost = (cfp * f * neg + cfn * (1 - t) * pos) / len(y)
            c[f"cost_{cfp:g}_{cfn:g}"] = {"threshold": th[np.argmin(cost)], "value": cost.min()}
        for nb in (5, 10):
            for strat in ("uniform", "quantile"):
                pt = 1 / (1 + np.exp(-s))
                a, b = calibration_curve(y, pt, n_bins=nb, strategy=strat)
                c[f"calibration_{strat}_{nb}"] = {"prob": pt, "prob_true": a, "prob_pred": b}
        out.append(c)
    multi = []
    for k, n in ((3, 60), (4, 50)):
        y = rng.integers(0, k, n)
        y[:k] = np.arange(k)
        logits = rng.normal(size=(n, k)) + np.eye(k)[y]
        pr = np.exp(logits)
        pr /= pr.sum(1, keepdims=True)
        pr = np.round(pr, 2)  # ties
        pr[:, -1] = 1 - pr[:, :-1].sum(1)
        m = {"truth": y, "proba": pr}
        for mc in ("ovr", "ovo"):
            for avg in ("macro", "weighted"):
                m[f"{mc}_{avg}"] = M.roc_auc_score(y, pr, multi_class=mc, average=avg)
        multi.append(m)
    write("curves", {"cases": out, "multiclass": multi})


def regression():
    rng = np.random.default_rng(2)
    cases = []
    y = rng.normal(size=50) * 3 + 1
    cases.append(("random", y, y + rng.normal(size=50)))
    cases.append(("perfect", np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0])))
    cases.append(("constant_truth", np.array([2.0, 2.0, 2.0, 2.0]), np.array([1.0, 2.0, 3.0, 2.5])))
    cases.append(("constant_truth_perfect", np.array([2.0, 2.0]), np.array([2.0, 2.0])))
    cases.append(("zeros_in_truth", np.array([0.0, 1.0, -2.0, 0.0, 5.0, 3.0]), np.array([0.1, 1.5, -2.0, 0.0, 4.0, 2.0])))
    out = []
    for name, t, p in cases:
        c = {"name": name, "truth": t, "pred": p,
             "mse": M.mean_squared_error(t, p), "rmse": M.root_mean_squared_error(t, p),
             "mae": M.mean_absolute_error(t, p), "median_ae": M.median_absolute_error(t, p),
             "mape": M.mean_absolute_percentage_error(t, p), "max_error": M.max_error(t, p),
             "r2": M.r2_score(t, p), "explained_variance": M.explained_variance_score(t, p)}
        nf = 2
        if len(t) > nf + 1:
            c["adjusted_r2_p2"] = 1 - (1 - c["r2"]) * (len(t) - 1) / (len(t) - nf - 1)
        out.append(c)
    write("regression", {"cases": out})


def clustering():
    from sklearn.metrics import cluster as C

    rng = np.random.default_rng(3)
    internal = []
    for k, n, d in ((3, 40, 2), (4, 60, 5)):
        centers = rng.normal(size=(k, d)) * 4
        lab = rng.integers(0, k, n)
        lab[:k] = np.arange(k)
        x = centers[lab] + rng.normal(size=(n, d))
        lab[k] = 0  # some mixing, and a singleton-free relabeling
        internal.append({"x": x, "labels": lab,
                         "silhouette": M.silhouette_score(x, lab),
                         "silhouette_samples": M.silhouette_samples(x, lab),
                         "davies_bouldin": M.davies_bouldin_score(x, lab),
                         "calinski_harabasz": M.calinski_harabasz_score(x, lab)})
    # a singleton cluster and noise label -1
    x = rng.normal(size=(12, 3))
    lab = np.array([0, 0, 0, 1, 1, 1, 1, -1, 2, 2, 2, 2])
    internal.append({"x": x, "labels": lab, "silhouette": M.silhouette_score(x, lab),
                     "silhouette_samples": M.silhouette_samples(x, lab),
                     "davies_bouldin": M.davies_bouldin_score(x, lab),
                     "calinski_harabasz": M.calinski_harabasz_score(x, lab)})
    external = []
    pairs = [
        ("random", rng.integers(0, 4, 70), rng.integers(0, 5, 70)),
        ("close", np.repeat(np.arange(5), 12), np.where(rng.random(60) < 0.8, np.repeat(np.arange(5), 12), rng.integers(0, 6, 60))),
        ("one_cluster", np.array([0, 0, 1, 1, 2]), np.zeros(5, int)),
        ("both_single", np.zeros(4, int), np.zeros(4, int)),
        ("all_singletons", np.arange(6), np.array([0, 0, 1, 1, 2, 2])),
        ("identical", np.array([3, 3, 1, 1, 1, 0]), np.array([0, 0, 2, 2, 2, 1])),
        ("larger", rng.integers(0, 8, 400), rng.integers(0, 6, 400)),
    ]
    for name, a, b in pairs:
        e = {"name": name, "a": a, "b": b, "ari": M.adjusted_rand_score(a, b), "mi": M.mutual_info_score(a, b)}
        for am in ("min", "geometric", "arithmetic", "max"):
            e[f"nmi_{am}"] = M.normalized_mutual_info_score(a, b, average_method=am)
            if not (name == "all_singletons" and am == "min"):
                # There E[I] equals the normalizer exactly: AMI is 0/0 and rounding picks its sign.
                e[f"ami_{am}"] = M.adjusted_mutual_info_score(a, b, average_method=am)
        h, c, v = M.homogeneity_completeness_v_measure(a, b)
        e.update(homogeneity=h, completeness=c, v_measure=v,
                 v_measure_beta2=M.v_measure_score(a, b, beta=2.0))
        external.append(e)
    write("clustering", {"internal": internal, "external": external})


def distances():
    from scipy.spatial.distance import cdist

    rng = np.random.default_rng(4)
    x = rng.normal(size=(7, 4))
    y = rng.normal(size=(5, 4))
    y[0] = 0.0
    xb = (rng.random((6, 8)) < 0.4).astype(float)
    yb = (rng.random((4, 8)) < 0.4).astype(float)
    yb[0] = 0.0
    xb[0] = 0.0
    out = {"x": x, "y": y, "xb": xb, "yb": yb}
    for m in ("euclidean", "sqeuclidean", "cityblock", "chebyshev", "cosine"):
        out[m] = cdist(x, y[1:] if m == "cosine" else y, m)
    out["minkowski3"] = cdist(x, y, "minkowski", p=3)
    out["mahalanobis_estimated"] = cdist(x, y, "mahalanobis")
    vi = np.linalg.inv(np.cov(x.T) + np.eye(4))
    out["vi"] = vi
    out["mahalanobis_given"] = cdist(x, y, "mahalanobis", VI=vi)
    out["hamming"] = cdist(xb, yb, "hamming")
    out["jaccard"] = cdist(xb, yb, "jaccard")
    out["euclidean_xx"] = M.pairwise.euclidean_distances(x)
    out["cosine_similarity"] = M.pairwise.cosine_similarity(x, y)
    write("distance", out)


def stats_tests():
    import statsmodels
    import statsmodels.api as sm
    from sklearn.datasets import load_diabetes
    from statsmodels.stats.contingency_tables import mcnemar

    rng = np.random.default_rng(5)
    alts = ("two-sided", "less", "greater")
    out = {}
    x = rng.normal(0.5, 1.0, 15)
    out["ttest_1samp"] = {"x": x, "popmean": 0.3, **{a: list(stats.ttest_1samp(x, 0.3, alternative=a)) + [len(x) - 1] for a in alts}}
    a, b = rng.normal(0, 1, 12), rng.normal(0.8, 2.0, 20)
    r = {"a": a, "b": b}
    for eq in (False, True):
        for alt in alts:
            t = stats.ttest_ind(a, b, equal_var=eq, alternative=alt)
            r[f"{'student' if eq else 'welch'}_{alt}"] = [t.statistic, t.pvalue, t.df]
    out["ttest_ind"] = r
    a, b = rng.normal(0, 1, 10), rng.normal(0.3, 1, 10)
    out["ttest_rel"] = {"a": a, "b": b, **{alt: list(stats.ttest_rel(a, b, alternative=alt)) for alt in alts}}
    chi = []
    for table in (np.array([[12.0, 5.0], [7.0, 9.0]]), np.array([[3.0, 0.5], [1.0, 9.0]]), rng.integers(1, 30, (3, 4)).astype(float)):
        for corr in (True, False):
            res = stats.chi2_contingency(table, correction=corr)
            chi.append({"table": table, "correction": corr, "stat": res.statistic, "p": res.pvalue, "dof": res.dof, "expected": res.expected_freq})
    out["chi2_contingency"] = chi
    obs = np.array([16.0, 18.0, 16.0, 14.0, 12.0, 12.0])
    exp = np.array([10.0, 20.0, 20.0, 10.0, 14.0, 14.0])
    out["chisquare"] = [
        {"obs": obs, "exp": None, "ddof": 0, "res": list(stats.chisquare(obs))},
        {"obs": obs, "exp": exp, "ddof": 0, "res": list(stats.chisquare(obs, exp))},
        {"obs": obs, "exp": exp, "ddof": 2, "res": list(stats.chisquare(obs, exp, ddof=2))},
    ]
    groups = [rng.normal(m, 1.0, n) for m, n in ((0.0, 8), (0.5, 11), (1.2, 6))]
    out["f_oneway"] = {"groups": groups, "res": list(stats.f_oneway(*groups))}
    ks = []
    for n1, n2, shift, rnd in ((8, 8, 1.0, None), (10, 15, 0.5, None), (50, 37, 0.3, None), (30, 40, 0.0, 0), (120, 90, 0.2, None)):
        a = rng.normal(0, 1, n1)
        b = rng.normal(shift, 1, n2)
        if rnd is not None:
            a, b = np.round(a, rnd), np.round(b, rnd)  # ties
        res = stats.ks_2samp(a, b, method="exact")
        ks.append({"a": a, "b": b, "stat": res.statistic, "p": res.pvalue})
    out["ks_2samp"] = ks
    mw = []
    for n1, n2, rnd in ((5, 7, None), (8, 12, None), (20, 25, 0), (30, 18, None)):
        a = rng.normal(0, 1, n1)
        b = rng.normal(0.7, 1, n2)
        if rnd is not None:
            a, b = np.round(a, rnd), np.round(b, rnd)
        e = {"a": a, "b": b}
        for method in ("auto", "asymptotic") + (("exact",) if rnd is None and n1 * n2 <= 400 else ()):
            for alt in alts:
                res = stats.mannwhitneyu(a, b, alternative=alt, method=method)
                e[f"{method}_{alt}"] = [res.statistic, res.pvalue]
        mw.append(e)
    out["mannwhitneyu"] = mw
    mc = []
    for t in ([[20, 7], [2, 11]], [[30, 12], [15, 40]], [[5, 0], [0, 5]], [[10, 3], [9, 2]]):
        t = np.array(t, dtype=float)
        e = {"table": t}
        for exact in (True, False):
            for corr in (True, False):
                if not exact and t[0, 1] + t[1, 0] == 0:
                    continue
                r = mcnemar(t, exact=exact, correction=corr)
                e[f"{'exact' if exact else 'chi2'}_{corr}"] = [r.statistic, r.pvalue]
        mc.append(e)
    out["mcnemar"] = mc
    ols = []
    xd, yd = load_diabetes(return_X_y=True, scaled=False)
    xs = rng.normal(size=(50, 3))
    ys = 1.0 + xs @ np.array([0.5, -2.0, 0.0]) + rng.normal(size=50)
    for name, X, y, const in (("synthetic", xs, ys, True), ("synthetic_no_intercept", xs, ys, False), ("diabetes_raw", xd, yd, True)):
        design = sm.add_constant(X) if const else X
        f = sm.OLS(y, design).fit()
        ci = f.conf_int(0.05)
        ols.append({"name": name, "x": X, "y": y, "intercept": const, "params": f.params, "bse": f.bse,
                    "tvalues": f.tvalues, "pvalues": f.pvalues, "conf_low": ci[:, 0], "conf_high": ci[:, 1],
                    "rsquared": f.rsquared, "rsquared_adj": f.rsquared_adj, "fvalue": f.fvalue,
                    "f_pvalue": f.f_pvalue, "df_model": f.df_model, "df_resid": f.df_resid, "ssr": f.ssr})
    out["ols"] = ols
    write("stats", out, {"statsmodels": statsmodels.__version__})


def ranking():
    """nDCG from sklearn.metrics.ndcg_score (ties averaged); MAP from average_precision_score
    on tie-free scores; the @k metrics by their textbook formulas (stable order on ties)."""
    rng = np.random.default_rng(6)
    cases = []
    rel = rng.integers(0, 4, (6, 8)).astype(float) * (rng.random((6, 8)) < 0.5)
    rel[2] = 0.0  # a query with no relevant item
    rel[3, 0] = 3.0
    score = rng.random((6, 8))
    cases.append(("random", rel, score))
    score_t = np.round(score, 1)  # ties
    cases.append(("ties", rel, score_t))
    out = []
    for name, rel, score in cases:
        c = {"name": name, "rel": rel, "score": score}
        order = np.argsort(-score, axis=1, kind="stable")
        ranked = np.take_along_axis(rel, order, axis=1) > 0
        has = ranked.sum(1) > 0
        for k in (1, 3, 5):
            top = ranked[:, :k].sum(1)
            c[f"precision@{k}"] = np.mean(top / k)
            c[f"recall@{k}"] = np.mean(top[has] / ranked.sum(1)[has])
            c[f"hit@{k}"] = np.mean(top[has] > 0)
            c[f"ndcg@{k}"] = M.ndcg_score(rel, score, k=k)
        c["ndcg"] = M.ndcg_score(rel, score)
        first = np.argmax(ranked, axis=1) + 1
        c["mrr"] = np.mean(1.0 / first[has])
        aps = []
        for q in np.where(has)[0]:
            hits = np.cumsum(ranked[q])
            pos = np.where(ranked[q])[0]
            aps.append(np.mean(hits[pos] / (pos + 1)))
            if name == "random":  # no ties: agrees with scikit-learn's step AP
                assert abs(aps[-1] - M.average_precision_score(rel[q] > 0, score[q])) < 1e-12
        c["map"] = np.mean(aps)
        out.append(c)
    write("ranking", {"cases": out})


def preference():
    from scipy.optimize import minimize

    rng = np.random.default_rng(7)
    n = 5
    true = np.array([0.0, 0.5, 1.0, -0.5, 0.2])
    games = []
    for _ in range(300):
        a, b = rng.choice(n, 2, replace=False)
        pa = 1 / (1 + np.exp(true[b] - true[a]))
        u = rng.random()
        score = 0.5 if abs(u - pa) < 0.05 else float(u < pa)
        games.append((int(a), int(b), score))
    # Elo, the plain loop
    r = np.full(n, 1000.0)
    for a, b, sc in games:
        e = 1 / (1 + 10 ** ((r[b] - r[a]) / 400))
        r[a] += 32 * (sc - e)
        r[b] -= 32 * (sc - e)
    # Bradley-Terry MLE: ties count as half a win each way
    A = np.array([g[0] for g in games])
    B = np.array([g[1] for g in games])
    S = np.array([g[2] for g in games])

    def nll(th):
        th = np.concatenate([[0.0], th])
        d = th[A] - th[B]
        return -np.sum(S * -np.logaddexp(0, -d) + (1 - S) * -np.logaddexp(0, d))

    res = minimize(nll, np.zeros(n - 1), method="BFGS", options={"gtol": 1e-12})
    th = np.concatenate([[0.0], res.x])
    th -= th.mean()
    pts = [sc if a == 0 else 1 - sc for a, b, sc in games if 0 in (a, b)]
    write("preference", {"n_players": n, "games": games, "elo": r, "bt_theta": th, "win_rate_0": np.mean(pts)})


if __name__ == "__main__":
    classification()
    curves()
    regression()
    clustering()
    distances()
    stats_tests()
    ranking()
    preference()
