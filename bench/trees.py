"""Tree models side by side: breadth against LightGBM, XGBoost and scikit-learn.

Rows:
- histogram GBDT on synthetic binary data (make_classification), 255 bins, 31 leaves, learning
  rate 0.1, 2 threads: against LightGBM and XGBoost (tree_method="hist"); quality = test AUC;
- the same on a 10-class problem (accuracy) and a regression problem (R^2), against LightGBM;
- GBDT prediction of the test rows with the binary model, probabilities out (seconds to predict,
  median of BENCH_PREDICT_REPEATS predictions in the same process, default 3; quality = rows per
  second);
- RandomForestClassifier, 100 trees, against scikit-learn with n_jobs=2 (accuracy).

Each side runs in its own process (breadth: a release example; peers: this script with
--peer), so peak resident memory (VmHWM / ru_maxrss) is measured the same way for both and
printed after the table. Sizes: set BENCH_SCALE (default 1.0 = the issue's sizes).
Threads: BENCH_THREADS (default 2; 1 gives single-threaded figures on a loaded machine).

Run: python bench/trees.py
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import DATA, Row, compare, example, run_ours, versions  # noqa: E402

THREADS = int(os.environ.get("BENCH_THREADS", "2"))
SCALE = float(os.environ.get("BENCH_SCALE", "1.0"))
PREDICT_REPEATS = int(os.environ.get("BENCH_PREDICT_REPEATS", "3"))
MEMORY: list[str] = []


def make(name: str, task: str, n: int, d: int, classes: int = 2, seed: int = 0) -> str:
    prefix = DATA / name
    if not Path(f"{prefix}_yte.npy").exists():
        from sklearn.datasets import make_classification, make_regression

        n_test = max(n // 10, 1000)
        if task == "regression":
            X, y = make_regression(n_samples=n + n_test, n_features=d, n_informative=d // 2, noise=10.0,
                                   random_state=seed)
        else:
            X, y = make_classification(n_samples=n + n_test, n_features=d, n_informative=d * 2 // 3,
                                       n_redundant=d // 7, n_classes=classes, n_clusters_per_class=2,
                                       flip_y=0.05, class_sep=0.7, random_state=seed)
        DATA.mkdir(parents=True, exist_ok=True)
        np.save(f"{prefix}_Xtr.npy", X[:n]); np.save(f"{prefix}_ytr.npy", y[:n].astype(np.float64))
        np.save(f"{prefix}_Xte.npy", X[n:]); np.save(f"{prefix}_yte.npy", y[n:].astype(np.float64))
    return str(prefix)


def load(prefix: str):
    return [np.load(f"{prefix}_{s}.npy") for s in ("Xtr", "ytr", "Xte", "yte")]


def quality(task: str, y, p) -> float:
    from sklearn.metrics import accuracy_score, r2_score, roc_auc_score
    if task == "binary":
        return roc_auc_score(y, p[:, 1])
    if task == "forest":
        return accuracy_score(y, p.argmax(1))
    if task == "multiclass":
        return accuracy_score(y, p.argmax(1))
    return r2_score(y, p)


def peer_main(argv: list[str]) -> None:
    """Run one peer fit in this process and print its JSON line."""
    lib, task, prefix, rounds, leaves, lr, max_bin = argv
    rounds, leaves, lr, max_bin = int(rounds), int(leaves), float(lr), int(max_bin)
    Xtr, ytr, Xte, yte = load(prefix)
    if lib == "lightgbm":
        import lightgbm as lgb
        cls = lgb.LGBMRegressor if task == "regression" else lgb.LGBMClassifier
        m = cls(n_estimators=rounds, num_leaves=leaves, learning_rate=lr, max_bin=max_bin, n_jobs=THREADS,
                verbose=-1)
    elif lib == "xgboost":
        import xgboost as xgb
        cls = xgb.XGBRegressor if task == "regression" else xgb.XGBClassifier
        m = cls(n_estimators=rounds, max_leaves=leaves, grow_policy="lossguide", max_depth=0, learning_rate=lr,
                max_bin=max_bin + 1, tree_method="hist", n_jobs=THREADS)
    else:
        from sklearn.ensemble import RandomForestClassifier
        m = RandomForestClassifier(n_estimators=rounds, n_jobs=THREADS, random_state=0)
    t0, c0 = time.perf_counter(), time.process_time()
    m.fit(Xtr, ytr)
    fit_s, fit_cpu = time.perf_counter() - t0, time.process_time() - c0
    times = []
    for _ in range(max(PREDICT_REPEATS, 1)):
        t0 = time.perf_counter()
        p = m.predict(Xte) if task == "regression" else m.predict_proba(Xte)
        times.append(time.perf_counter() - t0)
    pred_s = sorted(times)[len(times) // 2]
    print(json.dumps({"seconds": fit_s, "quality": quality(task, yte, p), "fit_cpu_seconds": fit_cpu,
                      "predict_seconds": pred_s,
                      "predict_rows_per_s": len(yte) / pred_s,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def run_peer(*args) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--peer", *map(str, args)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def memo(label: str, fn):
    """Remember the last peak memory of a side for the memory table."""
    def wrapped():
        r = fn()
        MEMORY.append(f"{label}: peak {r['peak_mb']:.0f} MB")
        return r
    return wrapped


def predict_side(fn):
    def wrapped():
        r = fn()
        return {"seconds": r["predict_seconds"], "quality": r["predict_rows_per_s"]}
    return wrapped


def main() -> None:
    os.environ["GBDT_PREDICT_REPEATS"] = str(PREDICT_REPEATS)  # read by bench_gbdt
    gbdt = example("breadth-classic", "bench_gbdt")
    forest = example("breadth-classic", "bench_forest")
    n_big = int(1_000_000 * SCALE)
    binary = make(f"trees_binary_{n_big}", "binary", n_big, 28)
    multi = make(f"trees_multi_{n_big // 5}", "multiclass", n_big // 5, 28, classes=10)
    reg = make(f"trees_reg_{n_big // 2}", "regression", n_big // 2, 28)
    rf = make(f"trees_rf_{int(100_000 * SCALE)}", "binary", int(100_000 * SCALE), 50, seed=1)
    rounds = 200
    ours = {
        task: (lambda task=task, prefix=prefix: run_ours(gbdt, task, prefix, rounds, 31, 0.1, 255, threads=THREADS))
        for task, prefix in [("binary", binary), ("multiclass", multi), ("regression", reg)]
    }
    rows = [
        Row("gbdt binary vs LightGBM", f"{n_big}x28", memo("breadth gbdt binary", ours["binary"]),
            memo("LightGBM binary", lambda: run_peer("lightgbm", "binary", binary, rounds, 31, 0.1, 255)),
            "lightgbm", "AUC"),
        Row("gbdt binary vs XGBoost hist", f"{n_big}x28", ours["binary"],
            memo("XGBoost binary", lambda: run_peer("xgboost", "binary", binary, rounds, 31, 0.1, 255)),
            "xgboost", "AUC"),
        Row("gbdt 10-class vs LightGBM", f"{n_big // 5}x28", ours["multiclass"],
            lambda: run_peer("lightgbm", "multiclass", multi, rounds, 31, 0.1, 255), "lightgbm", "accuracy"),
        Row("gbdt regression vs LightGBM", f"{n_big // 2}x28", ours["regression"],
            lambda: run_peer("lightgbm", "regression", reg, rounds, 31, 0.1, 255), "lightgbm", "R2"),
        Row("gbdt predict (q = rows/s)", f"{n_big // 10}x28", predict_side(ours["binary"]),
            predict_side(lambda: run_peer("lightgbm", "binary", binary, rounds, 31, 0.1, 255)), "lightgbm",
            "rows/s"),
        Row("random forest 100 trees", f"{int(100_000 * SCALE)}x50",
            lambda: run_ours(forest, rf, 100, threads=THREADS),
            lambda: run_peer("sklearn", "forest", rf, 100, 0, 0, 0), "scikit-learn n_jobs=2", "accuracy"),
    ]
    compare("trees", rows, repeats=int(os.environ.get("BENCH_REPEATS", "1")),
            peers=("lightgbm", "xgboost", "scikit-learn"))
    print("# peak resident memory (last run of each side):")
    for line in dict.fromkeys(reversed(MEMORY)):
        print("  ", line)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--peer":
        peer_main(sys.argv[2:])
    else:
        main()
