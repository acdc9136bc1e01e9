"""Reference values for breadth-classic's hidden Markov models.

Run: python reference/hmm.py   (hmmlearn 0.3.3, numpy 2.4.6; see requirements.txt)
Writes crates/classic/tests/fixtures/hmm/hmm.json: for a categorical and a Gaussian (diagonal)
HMM with fixed parameters, sampled sequences of different lengths with hmmlearn's total
log-likelihood, per-sequence log-likelihoods, Viterbi paths and their log-probabilities and the
posterior state marginals; then Baum-Welch from a fixed start (no random init, a fixed number
of iterations) with the parameters and log-likelihood it reaches.
"""

import json
from pathlib import Path

import hmmlearn
import numpy as np
from hmmlearn.hmm import CategoricalHMM, GaussianHMM

OUT = Path(__file__).resolve().parent.parent / "crates/classic/tests/fixtures/hmm"
OUT.mkdir(parents=True, exist_ok=True)
N_ITER = 15


def per_sequence(model, X, lengths):
    out, start = [], 0
    for n in lengths:
        seq = X[start:start + n]
        lp, path = model.decode(seq, algorithm="viterbi")
        out.append({"loglik": float(model.score(seq)), "viterbi": path.tolist(),
                    "viterbi_logprob": float(lp), "posteriors": model.predict_proba(seq).tolist()})
        start += n
    return out


def record(model, X, lengths):
    return {"score": float(model.score(X, lengths)), "sequences": per_sequence(model, X, lengths)}


lengths = [60, 25, 90, 40]
res = {"hmmlearn": hmmlearn.__version__, "n_iter": N_ITER}

# Categorical: 3 states, 4 symbols.
cat = CategoricalHMM(n_components=3, n_features=4, init_params="", random_state=0)
cat.startprob_ = np.array([0.6, 0.3, 0.1])
cat.transmat_ = np.array([[0.7, 0.2, 0.1], [0.15, 0.7, 0.15], [0.2, 0.2, 0.6]])
cat.emissionprob_ = np.array([[0.5, 0.3, 0.1, 0.1], [0.1, 0.1, 0.4, 0.4], [0.25, 0.25, 0.25, 0.25]])
# Each sequence sampled on its own, so every one starts from the initial distribution.
Xc_seqs = [cat.sample(n, random_state=10 + i)[0].ravel() for i, n in enumerate(lengths)]
Xc = np.concatenate(Xc_seqs)[:, None]
c_true = {"startprob": cat.startprob_.tolist(), "transmat": cat.transmat_.tolist(),
          "emissionprob": cat.emissionprob_.tolist()}
c_rec = record(cat, Xc, lengths)
start = {"startprob": [0.4, 0.35, 0.25], "transmat": [[0.5, 0.3, 0.2], [0.25, 0.5, 0.25], [0.3, 0.3, 0.4]],
         "emissionprob": [[0.4, 0.3, 0.2, 0.1], [0.1, 0.2, 0.3, 0.4], [0.3, 0.2, 0.3, 0.2]]}
em = CategoricalHMM(n_components=3, n_features=4, init_params="", n_iter=N_ITER, tol=-np.inf)
em.startprob_ = np.array(start["startprob"])
em.transmat_ = np.array(start["transmat"])
em.emissionprob_ = np.array(start["emissionprob"])
em.fit(Xc, lengths)
res["categorical"] = {"data": [s.tolist() for s in Xc_seqs], "true": c_true, **c_rec, "em_start": start,
                      "em_result": {"startprob": em.startprob_.tolist(), "transmat": em.transmat_.tolist(),
                                    "emissionprob": em.emissionprob_.tolist(),
                                    "score": float(em.score(Xc, lengths)),
                                    "history": list(map(float, em.monitor_.history))}}

# Gaussian with diagonal covariances: 3 states, 2 features.
g = GaussianHMM(n_components=3, covariance_type="diag", init_params="", random_state=0)
g.startprob_ = np.array([0.5, 0.3, 0.2])
g.transmat_ = np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.2, 0.1, 0.7]])
g.means_ = np.array([[0.0, 0.0], [3.0, -1.0], [-2.0, 4.0]])
g.covars_ = np.array([[1.0, 0.5], [0.7, 1.5], [2.0, 0.3]])
Xg_seqs = [g.sample(n, random_state=20 + i)[0] for i, n in enumerate(lengths)]
Xg = np.concatenate(Xg_seqs)
g_rec = record(g, Xg, lengths)
gstart = {"startprob": [0.34, 0.33, 0.33], "transmat": [[0.6, 0.2, 0.2], [0.2, 0.6, 0.2], [0.2, 0.2, 0.6]],
          "means": [[0.5, 0.5], [2.0, 0.0], [-1.0, 2.0]], "covars": [[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]]}
gem = GaussianHMM(n_components=3, covariance_type="diag", init_params="", n_iter=N_ITER, tol=-np.inf)
gem.startprob_ = np.array(gstart["startprob"])
gem.transmat_ = np.array(gstart["transmat"])
gem.means_ = np.array(gstart["means"])
gem.covars_ = np.array(gstart["covars"])
gem.fit(Xg, lengths)
res["gaussian"] = {"data": [s.tolist() for s in Xg_seqs],
                   "true": {"startprob": g.startprob_.tolist(), "transmat": g.transmat_.tolist(),
                            "means": g.means_.tolist(), "covars": np.array([np.diag(c) for c in g.covars_]).tolist()},
                   **g_rec, "em_start": gstart,
                   "em_result": {"startprob": gem.startprob_.tolist(), "transmat": gem.transmat_.tolist(),
                                 "means": gem.means_.tolist(),
                                 "covars": np.array([np.diag(c) for c in gem.covars_]).tolist(),
                                 "score": float(gem.score(Xg, lengths)),
                                 "history": list(map(float, gem.monitor_.history))}}
(OUT / "hmm.json").write_text(json.dumps(res, separators=(",", ":")))
print("wrote", OUT / "hmm.json", "categorical EM", res["categorical"]["em_result"]["history"][-3:],
      "gaussian EM", res["gaussian"]["em_result"]["history"][-3:])

# Gaussian HMMs with full, tied and spherical covariances (hmmlearn's covariance_type), 3 states,
# 2 features; the same records as above, covariances stored as hmmlearn keeps them (`_covars_`:
# K x d x d, d x d and K) plus the full matrices (`covars_`).
cov_true = {
    "full": [[[1.0, 0.6], [0.6, 0.8]], [[0.7, -0.3], [-0.3, 1.5]], [[2.0, 0.2], [0.2, 0.3]]],
    "tied": [[1.0, 0.4], [0.4, 0.7]],
    "spherical": [0.8, 1.2, 0.5],
}
cov_start = {
    "full": [[[1.0, 0.0], [0.0, 1.0]]] * 3,
    "tied": [[1.5, 0.1], [0.1, 1.0]],
    "spherical": [1.0, 1.0, 1.0],
}
for ctype in ("full", "tied", "spherical"):
    g = GaussianHMM(n_components=3, covariance_type=ctype, init_params="", random_state=0)
    g.startprob_ = np.array([0.5, 0.3, 0.2])
    g.transmat_ = np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.2, 0.1, 0.7]])
    g.means_ = np.array([[0.0, 0.0], [3.0, -1.0], [-2.0, 4.0]])
    g.covars_ = np.array(cov_true[ctype])
    seqs = [g.sample(n, random_state=30 + i)[0] for i, n in enumerate(lengths)]
    X = np.concatenate(seqs)
    rec = record(g, X, lengths)
    em = GaussianHMM(n_components=3, covariance_type=ctype, init_params="", n_iter=N_ITER, tol=-np.inf)
    em.startprob_ = np.array(gstart["startprob"])
    em.transmat_ = np.array(gstart["transmat"])
    em.means_ = np.array(gstart["means"])
    em.covars_ = np.array(cov_start[ctype])
    em.fit(X, lengths)
    covars_full = em.covars_
    if ctype == "spherical":
        # After fit hmmlearn keeps spherical variances tiled K x d, which `covars_` ravels into
        # K*d matrices: every d-th is a state's.
        covars_full = covars_full[::X.shape[1]]
    res[ctype] = {"data": [s.tolist() for s in seqs],
                  "true": {"startprob": g.startprob_.tolist(), "transmat": g.transmat_.tolist(),
                           "means": g.means_.tolist(), "covars": cov_true[ctype]},
                  **rec,
                  "em_start": {**{k: gstart[k] for k in ("startprob", "transmat", "means")},
                               "covars": cov_start[ctype]},
                  "em_result": {"startprob": em.startprob_.tolist(), "transmat": em.transmat_.tolist(),
                                "means": em.means_.tolist(), "covars_full": covars_full.tolist(),
                                "score": float(em.score(X, lengths)),
                                "history": list(map(float, em.monitor_.history))}}
    print(ctype, "EM", res[ctype]["em_result"]["history"][-2:])
(OUT / "hmm.json").write_text(json.dumps(res, separators=(",", ":")))
