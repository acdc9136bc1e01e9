"""Reference values for the linear family (breadth-classic `linear`, `svm`, `discriminant`).

Run from the repository root:  python reference/linear.py
Writes JSON fixtures to crates/classic/tests/fixtures/linear/. Pinned versions: reference/requirements.txt
(scikit-learn 1.9.1, numpy 2.4.6). Datasets are the same tables breadth embeds
(`load_diabetes(scaled=False)`, breast cancer, wine, iris); "standardized" means
(x - mean) / std with the population std, computed the same way by the Rust tests.
Synthetic data is written into the fixture itself.
"""

import json
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn import datasets
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis, QuadraticDiscriminantAnalysis
from sklearn.linear_model import (
    ElasticNet,
    HuberRegressor,
    Lasso,
    LinearRegression,
    LogisticRegression,
    Ridge,
    RidgeCV,
    enet_path,
    lasso_path,
)
from sklearn.svm import SVC, SVR, LinearSVC

warnings.filterwarnings("ignore")
OUT = Path(__file__).resolve().parent.parent / "crates/classic/tests/fixtures/linear"
OUT.mkdir(parents=True, exist_ok=True)


def std(x):
    return (x - x.mean(0)) / x.std(0)


def lst(a):
    return np.asarray(a, dtype=float).tolist()


def dump(name, obj):
    obj["generated_by"] = f"reference/linear.py, scikit-learn {sklearn.__version__}, numpy {np.__version__}"
    (OUT / f"{name}.json").write_text(json.dumps(obj))


Xd, yd = datasets.load_diabetes(return_X_y=True, scaled=False)
Xb, yb = datasets.load_breast_cancer(return_X_y=True)
Xw, yw = datasets.load_wine(return_X_y=True)
Xi, yi = datasets.load_iris(return_X_y=True)
Xbs, Xws, Xis = std(Xb), std(Xw), std(Xi)
wd = 1.0 + (np.arange(len(yd)) % 3)  # sample weights 1, 2, 3, 1, 2, 3, ...

rng = np.random.default_rng(0)
Xc = rng.normal(size=(30, 5))
Xc[:, 4] = Xc[:, 0] + Xc[:, 1]  # exactly collinear
yc = Xc @ np.array([1.0, -2.0, 0.5, 3.0, 0.0]) + 0.1 * rng.normal(size=30) + 4.0
Xwide = rng.normal(size=(10, 20))
ywide = Xwide[:, :3] @ np.array([1.0, 2.0, -1.0]) + rng.normal(size=10)
Ymulti = np.column_stack([yc, 2 * yc - Xc[:, 2]])

# ---------------- least squares and ridge ----------------
m = LinearRegression().fit(Xd, yd)
mw = LinearRegression().fit(Xd, yd, sample_weight=wd)
mc = LinearRegression().fit(Xc, yc)
mwide = LinearRegression().fit(Xwide, ywide)
mm = LinearRegression().fit(Xc, Ymulti)
dump(
    "ols",
    {
        "diabetes": {"coef": lst(m.coef_), "intercept": m.intercept_},
        "diabetes_weighted": {"coef": lst(mw.coef_), "intercept": mw.intercept_},
        "collinear": {"x": lst(Xc), "y": lst(yc), "coef": lst(mc.coef_), "intercept": mc.intercept_, "rank": int(mc.rank_)},
        "wide": {"x": lst(Xwide), "y": lst(ywide), "coef": lst(mwide.coef_), "intercept": mwide.intercept_, "rank": int(mwide.rank_)},
        "multi": {"y": lst(Ymulti), "coef": lst(mm.coef_), "intercept": lst(mm.intercept_)},
    },
)

r = Ridge(alpha=1.0).fit(Xd, yd)
rw = Ridge(alpha=10.0).fit(Xd, yd, sample_weight=wd)
rwide = Ridge(alpha=0.5).fit(Xwide, ywide)
rn = Ridge(alpha=1.0, fit_intercept=False).fit(Xc, yc)
rm = Ridge(alpha=2.0).fit(Xc, Ymulti)
alphas = [0.01, 0.1, 1.0, 10.0, 100.0]
rcv = RidgeCV(alphas=alphas).fit(Xd, yd)
rcvw = RidgeCV(alphas=alphas).fit(Xc, yc)
dump(
    "ridge",
    {
        "diabetes": {"alpha": 1.0, "coef": lst(r.coef_), "intercept": r.intercept_},
        "diabetes_weighted": {"alpha": 10.0, "coef": lst(rw.coef_), "intercept": rw.intercept_},
        "wide": {"alpha": 0.5, "coef": lst(rwide.coef_), "intercept": rwide.intercept_},
        "collinear_no_intercept": {"alpha": 1.0, "coef": lst(rn.coef_)},
        "multi": {"alpha": 2.0, "coef": lst(rm.coef_), "intercept": lst(rm.intercept_)},
        "cv_diabetes": {"alphas": alphas, "alpha": rcv.alpha_, "best_score": rcv.best_score_, "coef": lst(rcv.coef_), "intercept": rcv.intercept_},
        "cv_collinear": {"alphas": alphas, "alpha": rcvw.alpha_, "best_score": rcvw.best_score_, "coef": lst(rcvw.coef_), "intercept": rcvw.intercept_},
    },
)

# ---------------- lasso / elastic net ----------------
tight = dict(tol=1e-12, max_iter=200_000)
la = Lasso(alpha=1.0, **tight).fit(Xd, yd)
law = Lasso(alpha=0.5, **tight).fit(Xd, yd, sample_weight=wd)
en = ElasticNet(alpha=0.5, l1_ratio=0.3, **tight).fit(Xd, yd)
lawide = Lasso(alpha=0.1, **tight).fit(Xwide, ywide)
alphas_p, coefs_p, _ = lasso_path(Xc - Xc.mean(0), yc - yc.mean(), eps=1e-2, n_alphas=8, tol=1e-12, max_iter=200_000)
alphas_e, coefs_e, _ = enet_path(Xc - Xc.mean(0), yc - yc.mean(), l1_ratio=0.7, eps=1e-2, n_alphas=8, tol=1e-12, max_iter=200_000)
dump(
    "lasso",
    {
        "diabetes": {"alpha": 1.0, "coef": lst(la.coef_), "intercept": la.intercept_},
        "diabetes_weighted": {"alpha": 0.5, "coef": lst(law.coef_), "intercept": law.intercept_},
        "enet_diabetes": {"alpha": 0.5, "l1_ratio": 0.3, "coef": lst(en.coef_), "intercept": en.intercept_},
        "wide": {"alpha": 0.1, "coef": lst(lawide.coef_), "intercept": lawide.intercept_},
        "lasso_path": {"alphas": lst(alphas_p), "coefs": lst(coefs_p)},
        "enet_path": {"l1_ratio": 0.7, "alphas": lst(alphas_e), "coefs": lst(coefs_e)},
    },
)

# ---------------- logistic regression ----------------
tight = dict(tol=1e-10, max_iter=100_000)
lb = LogisticRegression(C=1.0, **tight).fit(Xbs, yb)
lbw = LogisticRegression(C=0.5, class_weight="balanced", **tight).fit(Xbs, yb)
lm = LogisticRegression(C=0.5, **tight).fit(Xws, yw)
lmw = LogisticRegression(C=2.0, **tight).fit(Xis, yi, sample_weight=1.0 + (np.arange(150) % 2))
lnone = LogisticRegression(C=np.inf, **tight).fit(Xis[:, :2], (yi == 1).astype(int))
l1 = LogisticRegression(C=0.1, l1_ratio=1.0, solver="saga", tol=1e-12, max_iter=200_000).fit(Xbs, yb)
l1m = LogisticRegression(C=0.2, l1_ratio=1.0, solver="saga", tol=1e-12, max_iter=200_000).fit(Xws, yw)
enl = LogisticRegression(C=0.3, l1_ratio=0.5, solver="saga", tol=1e-12, max_iter=200_000).fit(Xbs, yb)


def lr(m, X):
    return {"coef": lst(m.coef_), "intercept": lst(m.intercept_), "proba_head": lst(m.predict_proba(X[:5]))}


dump(
    "logistic",
    {
        "breast_cancer_l2": {"C": 1.0, **lr(lb, Xbs)},
        "breast_cancer_balanced": {"C": 0.5, **lr(lbw, Xbs)},
        "wine_multinomial": {"C": 0.5, **lr(lm, Xws)},
        "iris_weighted": {"C": 2.0, **lr(lmw, Xis)},
        "iris_no_penalty_2d": {**lr(lnone, Xis[:, :2])},
        "breast_cancer_l1": {"C": 0.1, **lr(l1, Xbs)},
        "wine_l1": {"C": 0.2, **lr(l1m, Xws)},
        "breast_cancer_enet": {"C": 0.3, "l1_ratio": 0.5, **lr(enl, Xbs)},
    },
)

# ---------------- SVMs ----------------
def svc(m, X):
    return {
        "support": [int(i) for i in m.support_],
        "n_support": [int(i) for i in m.n_support_],
        "dual_coef": lst(m.dual_coef_),
        "intercept": lst(m.intercept_),
        "decision_head": lst(m.decision_function(X[:5])),
        "predict": [int(i) for i in m.predict(X)],
    }


svm_tol = dict(tol=1e-8)
out = {}
out["iris_rbf"] = {"C": 1.0, "gamma": 1.0 / (4 * Xis.var()), **svc(SVC(C=1.0, kernel="rbf", gamma="scale", **svm_tol).fit(Xis, yi), Xis)}
out["iris_linear"] = {"C": 0.5, **svc(SVC(C=0.5, kernel="linear", **svm_tol).fit(Xis, yi), Xis)}
out["iris_poly"] = {"C": 2.0, "gamma": 0.5, "coef0": 1.0, "degree": 3, **svc(SVC(C=2.0, kernel="poly", gamma=0.5, coef0=1.0, degree=3, **svm_tol).fit(Xis, yi), Xis)}
out["iris_sigmoid"] = {"C": 1.0, "gamma": 0.05, "coef0": 0.0, **svc(SVC(C=1.0, kernel="sigmoid", gamma=0.05, coef0=0.0, **svm_tol).fit(Xis, yi), Xis)}
out["bc_rbf_binary"] = {"C": 3.0, "gamma": 0.02, **svc(SVC(C=3.0, kernel="rbf", gamma=0.02, **svm_tol).fit(Xbs[:200], yb[:200]), Xbs[:200])}
ys = std(yd[:, None])[:, 0]
svr = SVR(C=1.0, epsilon=0.2, kernel="rbf", gamma=0.1, **svm_tol).fit(std(Xd)[:150], ys[:150])
out["diabetes_svr"] = {
    "C": 1.0, "epsilon": 0.2, "gamma": 0.1,
    "support": [int(i) for i in svr.support_], "dual_coef": lst(svr.dual_coef_),
    "intercept": lst(svr.intercept_), "predict_head": lst(svr.predict(std(Xd)[:5])),
}
lsvc = LinearSVC(C=0.1, tol=1e-10, max_iter=1_000_000).fit(Xbs, yb)
lsvch = LinearSVC(C=0.1, loss="hinge", tol=1e-10, max_iter=1_000_000).fit(Xbs, yb)
lsvcm = LinearSVC(C=0.05, tol=1e-10, max_iter=1_000_000).fit(Xws, yw)
out["linear_svc_sq_hinge"] = {"C": 0.1, "coef": lst(lsvc.coef_), "intercept": lst(lsvc.intercept_)}
out["linear_svc_hinge"] = {"C": 0.1, "coef": lst(lsvch.coef_), "intercept": lst(lsvch.intercept_)}
out["linear_svc_wine_ovr"] = {"C": 0.05, "coef": lst(lsvcm.coef_), "intercept": lst(lsvcm.intercept_)}
dump("svm", out)

# SMO iterates at the default tolerance (shrinking and gradient reconstruction included): the
# iteration count, support and dual coefficients of libsvm on a synthetic binary problem.
Xsmo, ysmo = datasets.make_classification(n_samples=400, n_features=6, n_informative=4, flip_y=0.1, random_state=7)
smo = SVC(C=10.0, kernel="rbf", gamma="scale").fit(Xsmo, ysmo)
dump("svm_iterations", {
    "X": lst(Xsmo), "y": [int(v) for v in ysmo], "C": 10.0,
    "n_iter": [int(v) for v in smo.n_iter_], **svc(smo, Xsmo),
})

# ---------------- discriminant analysis ----------------
lda = LinearDiscriminantAnalysis(solver="svd").fit(Xi, yi)
lda_e = LinearDiscriminantAnalysis(solver="eigen", shrinkage=0.1).fit(Xw, yw)
lda_auto = LinearDiscriminantAnalysis(solver="eigen", shrinkage="auto").fit(Xw, yw)
qda = QuadraticDiscriminantAnalysis(reg_param=0.0).fit(Xi, yi)
qda_r = QuadraticDiscriminantAnalysis(reg_param=0.1).fit(Xw, yw)
dump(
    "discriminant",
    {
        "lda_iris_svd": {
            "coef": lst(lda.coef_), "intercept": lst(lda.intercept_),
            "explained_variance_ratio": lst(lda.explained_variance_ratio_),
            "transform_head": lst(lda.transform(Xi[:5])), "proba_head": lst(lda.predict_proba(Xi[:5])),
        },
        "lda_wine_eigen_shrink": {"shrinkage": 0.1, "coef": lst(lda_e.coef_), "intercept": lst(lda_e.intercept_), "proba_head": lst(lda_e.predict_proba(Xw[:5]))},
        "lda_wine_eigen_auto": {"coef": lst(lda_auto.coef_), "intercept": lst(lda_auto.intercept_)},
        "qda_iris": {"proba_head": lst(qda.predict_proba(Xi[:5])), "proba_tail": lst(qda.predict_proba(Xi[-5:]))},
        "qda_wine_reg": {"reg_param": 0.1, "proba_head": lst(qda_r.predict_proba(Xw[:5])), "predict": [int(i) for i in qda_r.predict(Xw)]},
    },
)

# ---------------- Huber ----------------
hb = HuberRegressor(epsilon=1.35, alpha=1e-3, tol=1e-12, max_iter=100_000).fit(std(Xd), yd)
dump("huber", {"diabetes_std": {"epsilon": 1.35, "alpha": 1e-3, "coef": lst(hb.coef_), "intercept": hb.intercept_, "scale": hb.scale_}})
# ---------------- OLS inference (statsmodels) ----------------
import statsmodels
import statsmodels.api as sm


def sm_summary(res):
    return {
        "params": lst(res.params), "bse": lst(res.bse), "tvalues": lst(res.tvalues), "pvalues": lst(res.pvalues),
        "rsquared": res.rsquared, "rsquared_adj": res.rsquared_adj, "fvalue": res.fvalue, "f_pvalue": res.f_pvalue,
        "df_resid": res.df_resid,
    }


dump(
    "ols_inference",
    {
        "statsmodels": statsmodels.__version__,
        "diabetes_ols": sm_summary(sm.OLS(yd, sm.add_constant(Xd)).fit()),
        "diabetes_wls": sm_summary(sm.WLS(yd, sm.add_constant(Xd), weights=wd).fit()),
    },
)

print("fixtures written to", OUT)
for p in sorted(OUT.glob("*.json")):
    print(p.name, p.stat().st_size)
