"""Reference values for breadth-classic's naive Bayes models.

Run: python reference/bayes.py   (scikit-learn 1.9.1, numpy 2.4.6; see requirements.txt)
Writes crates/classic/tests/fixtures/bayes/bayes.json.
"""

import json
from pathlib import Path

import numpy as np
import sklearn
from sklearn.datasets import load_iris
from sklearn.naive_bayes import BernoulliNB, CategoricalNB, ComplementNB, GaussianNB, MultinomialNB

OUT = Path(__file__).resolve().parent.parent / "crates/classic/tests/fixtures/bayes"
OUT.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(11)

iris = load_iris()
Xi, yi = iris.data, iris.target
train, test = np.arange(150) % 3 != 0, np.arange(150) % 3 == 0
wi = rng.uniform(0.2, 2.0, size=150)

Xd = rng.poisson(lam=rng.uniform(0.5, 4.0, size=6), size=(90, 6)).astype(float)
yd = rng.integers(0, 3, size=90)
Xd[yd == 1, 0] += 3  # make class 1 heavy on feature 0
Qd = rng.poisson(2.0, size=(20, 6)).astype(float)
Qd[0] *= 400  # large counts: the probabilities must come from log space
wd = rng.uniform(0.5, 1.5, size=90)

Xk = np.column_stack([rng.integers(0, k, size=90) for k in (2, 3, 5, 4)]).astype(float)
Qk = np.column_stack([rng.integers(0, k, size=20) for k in (2, 3, 5, 4)]).astype(float)

out = {"sklearn": sklearn.__version__, "iris_train": train.tolist(), "iris_w": wi.tolist(),
       "Xd": Xd.tolist(), "yd": yd.tolist(), "Qd": Qd.tolist(), "wd": wd.tolist(),
       "Xk": Xk.tolist(), "Qk": Qk.tolist(), "cases": {}}


def case(name, model, X, y, Q, w=None):
    model.fit(X, y, sample_weight=w)
    out["cases"][name] = {"proba": model.predict_proba(Q).tolist(), "pred": model.predict(Q).tolist()}


case("gaussian", GaussianNB(), Xi[train], yi[train], Xi[test])
case("gaussian_weighted", GaussianNB(var_smoothing=1e-3), Xi[train], yi[train], Xi[test], wi[train])
case("gaussian_prior", GaussianNB(priors=[0.2, 0.3, 0.5]), Xi[train], yi[train], Xi[test])
case("multinomial", MultinomialNB(), Xd, yd, Qd)
case("multinomial_weighted", MultinomialNB(alpha=0.5, class_prior=[0.5, 0.25, 0.25]), Xd, yd, Qd, wd)
case("multinomial_uniform", MultinomialNB(alpha=2.0, fit_prior=False), Xd, yd, Qd)
case("complement", ComplementNB(), Xd, yd, Qd)
case("complement_norm", ComplementNB(alpha=0.3, norm=True), Xd, yd, Qd, wd)
case("bernoulli", BernoulliNB(), Xd, yd, Qd)
case("bernoulli_binarize", BernoulliNB(alpha=0.7, binarize=2.0), Xd, yd, Qd, wd)
case("categorical", CategoricalNB(), Xk, yd, Qk)
case("categorical_weighted", CategoricalNB(alpha=0.4), Xk, yd, Qk, wd)
(OUT / "bayes.json").write_text(json.dumps(out, separators=(",", ":")))
print("wrote", OUT / "bayes.json")

# --- Conjugate estimation (crates/classic/src/estimation): posteriors, intervals, likelihoods.
from scipy import stats  # noqa: E402

bern = [1, 0, 1, 1, 1, 0, 1, 1, 0, 1]
cats = [0, 2, 0, 0, 2, 0, 0]
pois = [3, 1, 4, 1, 5, 9, 2]
xs = [1.2, 0.4, 2.2, 1.9, 0.7, 1.5, 2.8, 1.1]
n, xbar = len(xs), float(np.mean(xs))
s = sum(bern)
beta_post = stats.beta(2 + s, 3 + len(bern) - s)
alpha_post = np.array([1.0, 2.0, 3.0]) + np.bincount(cats, minlength=3)
gamma_post = stats.gamma(a=2 + sum(pois), scale=1 / (1 + len(pois)))
prec = 1 / 4 + n / 1.0
norm_post = stats.norm(loc=(0 / 4 + sum(xs) / 1.0) / prec, scale=np.sqrt(1 / prec))
k_n, a_n = 1 + n, 2 + n / 2
mu_n = (1 * 0 + n * xbar) / k_n
b_n = 2 + 0.5 * sum((x - xbar) ** 2 for x in xs) + 1 * n * (xbar - 0) ** 2 / (2 * k_n)
t_post = stats.t(df=2 * a_n, loc=mu_n, scale=np.sqrt(b_n / (a_n * k_n)))
ig_post = stats.invgamma(a=a_n, scale=b_n)


def interval(d, level=0.9):
    return [float(d.ppf((1 - level) / 2)), float(d.ppf((1 + level) / 2))]


est = {
    "scipy": __import__("scipy").__version__,
    "bern": bern, "cats": cats, "pois": pois, "xs": xs,
    "beta_interval": interval(beta_post),
    "dirichlet_intervals": [interval(stats.beta(a, alpha_post.sum() - a)) for a in alpha_post],
    "gamma_interval": interval(gamma_post),
    "normal_interval": interval(norm_post),
    "nig_mean_interval": interval(t_post),
    "nig_var_interval": interval(ig_post),
    "bern_loglik_at_0.6": float(stats.bernoulli(0.6).logpmf(bern).sum()),
    "cat_loglik": float(np.log(np.array([0.5, 0.2, 0.3])[cats]).sum()),
    "pois_loglik_at_3": float(stats.poisson(3.0).logpmf(pois).sum()),
    "norm_loglik_at_1.5": float(stats.norm(1.5, 1.0).logpdf(xs).sum()),
    "nig_loglik_at_1.5_0.5": float(stats.norm(1.5, np.sqrt(0.5)).logpdf(xs).sum()),
}
(OUT / "estimation.json").write_text(json.dumps(est, indent=1))
print("wrote", OUT / "estimation.json")
