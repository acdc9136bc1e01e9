"""Side-by-side benchmark harness: breadth against the peer a user would otherwise pick.

Each benchmark script (bench/<area>.py) builds rows and calls `compare`. A row has two sides,
each a function returning {"seconds": float, "quality": float}; the harness runs them
alternately (ours, peer, ours, peer, ...) `repeats` times after one warm-up each, takes the
median seconds of each side, and prints model, data shape, both times, the ratio ours/peer and
the quality of both. Results also go to bench/out/<name>.json.

The data is generated once per row by the script and written with numpy.save, so both sides read
identical bytes; breadth's side runs a release-built example program that reads the .npy files,
times its own fit (excluding loading, as the peer's timing does) and prints one JSON line.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
DATA = OUT / "data"


def versions(*packages: str) -> str:
    parts = []
    for p in packages:
        try:
            parts.append(f"{p} {importlib.metadata.version(p)}")
        except importlib.metadata.PackageNotFoundError:
            parts.append(f"{p} (not installed)")
    return ", ".join(parts)


_built: set[tuple[str, str]] = set()


def example(crate: str, name: str) -> Path:
    """Build `cargo run --release -p crate --example name` once and return the binary's path."""
    if (crate, name) not in _built:
        subprocess.run(
            ["cargo", "build", "--release", "--quiet", "-p", crate, "--example", name],
            cwd=ROOT,
            check=True,
        )
        _built.add((crate, name))
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return target / "release" / "examples" / name


def run_ours(binary: Path, *args: str, threads: int | None = None) -> dict:
    """Run a breadth bench example; it prints one JSON object on its last line of stdout."""
    env = dict(os.environ)
    if threads is not None:
        env["RAYON_NUM_THREADS"] = str(threads)
    proc = subprocess.run([str(binary), *map(str, args)], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"{binary.name} failed: {proc.stderr.strip()}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def timed(fn, *args, **kwargs):
    """Call fn and return (seconds, result)."""
    t0 = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - t0, result


class Row:
    def __init__(self, model: str, shape: str, ours, peer, peer_name: str, quality_name: str):
        self.model, self.shape = model, shape
        self.ours, self.peer = ours, peer
        self.peer_name, self.quality_name = peer_name, quality_name


def compare(name: str, rows: list[Row], repeats: int = 3, peers: tuple[str, ...] = ("scikit-learn",)) -> list[dict]:
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"# {name}: {platform.machine()}, {os.cpu_count()} cores; {versions(*peers)}")
    header = f"{'model':34} {'data':>16} {'ours s':>9} {'peer s':>9} {'ratio':>6}  {'quality (ours / peer)':>28}"
    print(header)
    print("-" * len(header))
    results = []
    for row in rows:
        ours_s, peer_s = [], []
        row.ours()  # warm-up
        row.peer()
        q_ours = q_peer = None
        for _ in range(repeats):
            o = row.ours()
            p = row.peer()
            ours_s.append(o["seconds"])
            peer_s.append(p["seconds"])
            q_ours, q_peer = o["quality"], p["quality"]
        mo, mp = statistics.median(ours_s), statistics.median(peer_s)
        result = {
            "model": row.model,
            "data": row.shape,
            "ours_seconds": mo,
            "peer_seconds": mp,
            "peer": row.peer_name,
            "ratio": mo / mp,
            "quality_metric": row.quality_name,
            "quality_ours": q_ours,
            "quality_peer": q_peer,
        }
        results.append(result)
        print(
            f"{row.model:34} {row.shape:>16} {mo:9.4f} {mp:9.4f} {mo / mp:6.2f}  "
            f"{row.quality_name} {q_ours:.4f} / {q_peer:.4f} ({row.peer_name})"
        )
        sys.stdout.flush()
    (OUT / f"{name}.json").write_text(json.dumps(results, indent=2))
    return results
