"""Side-by-side benchmarks of nearest neighbours, naive Bayes and HMMs.

Run: CARGO_TARGET_DIR=/work/target python bench/neighbors.py [--quick]

- KNeighborsClassifier (k=10): 100,000 x 20 training rows, 10,000 queries, fit + predict,
  against scikit-learn (both choose brute force for 20 features); quality = test accuracy.
- GaussianNB and MultinomialNB: fit on 1,000,000 x 20 rows against scikit-learn; quality =
  training accuracy (computed outside the timing).
- GaussianHMM (diagonal, 10 states, 3 features): Baum-Welch, 10 iterations from the same start,
  1,000 sequences of 500 steps, against hmmlearn; quality = final log-likelihood per step.
"""

import sys
import time

import numpy as np
from harness import DATA, Row, compare, example, run_ours

QUICK = "--quick" in sys.argv
DATA.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(0)


def save(name, a):
    path = DATA / f"{name}.npy"
    np.save(path, np.ascontiguousarray(a, dtype=np.float64))
    return str(path)


# ---------------------------------------------------------------- k-NN
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.naive_bayes import GaussianNB, MultinomialNB  # noqa: E402
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402

n_train, n_test = (20_000, 2_000) if QUICK else (100_000, 10_000)
X, y = make_classification(n_samples=n_train + n_test, n_features=20, n_informative=10,
                           n_classes=3, random_state=0)
knn_files = [save("knn_Xtr", X[:n_train]), save("knn_ytr", y[:n_train]),
             save("knn_Xte", X[n_train:]), save("knn_yte", y[n_train:])]
knn_bin = example("breadth-classic", "bench_knn")


def knn_peer():
    t0 = time.perf_counter()
    pred = KNeighborsClassifier(n_neighbors=10).fit(X[:n_train], y[:n_train]).predict(X[n_train:])
    return {"seconds": time.perf_counter() - t0, "quality": float((pred == y[n_train:]).mean())}


rows = [Row("KNeighborsClassifier k=10", f"{n_train}x20 q{n_test}",
            lambda: run_ours(knn_bin, *knn_files, 10), knn_peer, "scikit-learn", "accuracy")]

# ---------------------------------------------------------------- naive Bayes
n_nb = 200_000 if QUICK else 1_000_000
Xg, yg = make_classification(n_samples=n_nb, n_features=20, n_informative=8, n_classes=3, random_state=1)
Xm = rng.poisson(lam=2.0, size=(n_nb, 20)).astype(np.float64)
ym = rng.integers(0, 3, size=n_nb)
Xm[ym == 1, :5] += rng.poisson(1.0, size=((ym == 1).sum(), 5))
Xm[ym == 2, 5:10] += rng.poisson(1.0, size=((ym == 2).sum(), 5))
g_files = [save("nb_Xg", Xg), save("nb_yg", yg)]
m_files = [save("nb_Xm", Xm), save("nb_ym", ym)]
nb_bin = example("breadth-classic", "bench_nb")


def nb_peer(model, X, y):
    def run():
        t0 = time.perf_counter()
        m = model().fit(X, y)
        seconds = time.perf_counter() - t0
        return {"seconds": seconds, "quality": float((m.predict(X) == y).mean())}
    return run


rows += [
    Row("GaussianNB fit", f"{n_nb}x20", lambda: run_ours(nb_bin, "gaussian", *g_files),
        nb_peer(GaussianNB, Xg, yg), "scikit-learn", "train accuracy"),
    Row("MultinomialNB fit", f"{n_nb}x20", lambda: run_ours(nb_bin, "multinomial", *m_files),
        nb_peer(MultinomialNB, Xm, ym), "scikit-learn", "train accuracy"),
]
compare("neighbors_bayes", rows, repeats=3)

# ---------------------------------------------------------------- HMM
from hmmlearn.hmm import GaussianHMM  # noqa: E402

K, D, N_ITER = 10, 3, 10
n_seq, seq_len = (200, 500) if QUICK else (1000, 500)
truth = GaussianHMM(n_components=K, covariance_type="diag", init_params="", random_state=0)
truth.startprob_ = np.full(K, 1.0 / K)
tm = rng.uniform(0.1, 1.0, size=(K, K)) + np.eye(K) * 5
truth.transmat_ = tm / tm.sum(axis=1, keepdims=True)
truth.means_ = rng.normal(scale=3.0, size=(K, D))
truth.covars_ = rng.uniform(0.5, 2.0, size=(K, D))
seqs = [truth.sample(seq_len, random_state=i)[0] for i in range(n_seq)]
Xh, lengths = np.concatenate(seqs), np.array([seq_len] * n_seq)
start = {"startprob": np.full(K, 1.0 / K), "transmat": np.full((K, K), 1.0 / K) * 0.5 + np.eye(K) * 0.5,
         "means": truth.means_ + rng.normal(scale=1.0, size=(K, D)), "covars": np.ones((K, D))}
h_files = [save("hmm_X", Xh), save("hmm_len", lengths), save("hmm_start", start["startprob"]),
           save("hmm_trans", start["transmat"]), save("hmm_means", start["means"]),
           save("hmm_covars", start["covars"])]
hmm_bin = example("breadth-classic", "bench_hmm")


def hmm_peer():
    m = GaussianHMM(n_components=K, covariance_type="diag", init_params="", n_iter=N_ITER, tol=-np.inf)
    m.startprob_, m.transmat_ = start["startprob"], start["transmat"]
    m.means_, m.covars_ = start["means"], start["covars"]
    t0 = time.perf_counter()
    m.fit(Xh, lengths)
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "quality": float(m.score(Xh, lengths) / len(Xh))}


compare("hmm", [Row(f"GaussianHMM Baum-Welch {N_ITER} it", f"{n_seq}x{seq_len} K{K}",
                    lambda: run_ours(hmm_bin, *h_files, N_ITER), hmm_peer, "hmmlearn", "loglik/step")],
        repeats=1 if not QUICK else 2, peers=("hmmlearn",))
