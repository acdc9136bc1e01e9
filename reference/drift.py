"""Reference values for breadth-classic's drift detection.

Run: python reference/drift.py   (scipy 1.17.1, numpy 2.4.6)
Writes crates/classic/tests/fixtures/drift/drift.json: per-feature KS (numeric) or chi-squared
(categorical) statistic and p-value, and the PSI with reference-decile bins (proportions floored at
1e-4), computed independently of the Rust code.
"""

import json
from pathlib import Path

import numpy as np
import scipy
from scipy import stats

OUT = Path(__file__).resolve().parent.parent / "crates/classic/tests/fixtures/drift"
OUT.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(3)

n_r, n_c = 120, 90
ref = np.column_stack([rng.normal(size=n_r), rng.exponential(size=n_r), rng.integers(0, 4, n_r)])
cur = np.column_stack([rng.normal(0.3, 1.2, size=n_c), rng.exponential(size=n_c),
                       rng.choice(4, n_c, p=[0.4, 0.3, 0.2, 0.1])])


def psi_from(r, c, edges):
    br = np.bincount(np.searchsorted(edges, r, side="right"), minlength=len(edges) + 1) / len(r)
    bc = np.bincount(np.searchsorted(edges, c, side="right"), minlength=len(edges) + 1) / len(c)
    br, bc = np.maximum(br, 1e-4), np.maximum(bc, 1e-4)
    return float(np.sum((bc - br) * np.log(bc / br)))


stat, pval, psi = [], [], []
for j in range(3):
    r, c = ref[:, j], cur[:, j]
    if j == 2:
        cats = np.unique(np.r_[r, c])
        table = np.array([[np.sum(v == k) for k in cats] for v in (r, c)])
        res = stats.chi2_contingency(table, correction=False)
        stat.append(res.statistic)
        pval.append(res.pvalue)
        psi.append(psi_from(r, c, cats[1:]))
    else:
        res = stats.ks_2samp(r, c)
        stat.append(res.statistic)
        pval.append(res.pvalue)
        edges = np.unique(np.percentile(r, np.arange(1, 10) * 10))
        psi.append(psi_from(r, c, edges))

out = {"scipy": scipy.__version__, "reference": ref.tolist(), "current": cur.tolist(),
       "statistic": [float(s) for s in stat], "p_value": [float(p) for p in pval], "psi": psi}
(OUT / "drift.json").write_text(json.dumps(out))
print(out["statistic"], out["p_value"], out["psi"])
