"""Training throughput of breadth-nn against PyTorch (CPU, 2 threads): an MLP and a small CNN,
same sizes, same batch size, same optimizer (Adam, lr 1e-3), same number of epochs.

Run: python3 bench/nn.py [n_mlp] [n_cnn]      (MLP, CNN, then the LSTM row)
     python3 bench/nn.py lstm [n_lstm]        (the LSTM row only)
Quality is the mean training loss of the last epoch (cross-entropy): equal losses mean the two
sides did the same work. Seconds are training time only (data already in memory as tensors).
Also printed: the machine's peak f32 GEMM rate (2048^3, 2 threads) through our kernel (the gemm
crate, via candle's matmul) and through torch.mm, then samples per second and the achieved GFLOP/s
of the MLP's matmuls and of the CNN's convolution GEMMs (timed over whole training steps, so a
lower bound on the multiplies' own rate) against those peaks.
"""

import sys

import numpy as np
import torch

from harness import DATA, Row, compare, example, run_ours, timed

torch.set_num_threads(2)
LSTM_ONLY = len(sys.argv) > 1 and sys.argv[1] == "lstm"
n_mlp = int(sys.argv[1]) if len(sys.argv) > 1 and not LSTM_ONLY else 16384
n_cnn = int(sys.argv[2]) if len(sys.argv) > 2 and not LSTM_ONLY else 4096
n_lstm = int(sys.argv[2]) if len(sys.argv) > 2 and LSTM_ONLY else 4096
D, H, K, BATCH, EPOCHS = 256, 512, 10, 128, 2
S, CNN_BATCH, CNN_EPOCHS = 28, 64, 1
DATA.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(0)

# MLP data: labels of a random teacher network, so the task is learnable.
X = rng.standard_normal((n_mlp, D))
teacher = np.maximum(X @ rng.standard_normal((D, 64)), 0) @ rng.standard_normal((64, K))
y = teacher.argmax(1).astype(np.float64)[:, None]
mlp_paths = [DATA / f"nn_mlp_{name}_{n_mlp}.npy" for name in ("X", "y")]
np.save(mlp_paths[0], X)
np.save(mlp_paths[1], y)

# CNN data: smooth random images, labels of a random linear teacher on 7x7 averages.
img = rng.standard_normal((n_cnn, S, S))
img = (img + np.roll(img, 1, 1) + np.roll(img, 1, 2) + np.roll(img, (1, 1), (1, 2))) / 2
coarse = img.reshape(n_cnn, 7, 4, 7, 4).mean((2, 4)).reshape(n_cnn, 49)
yc = (coarse @ rng.standard_normal((49, K))).argmax(1).astype(np.float64)[:, None]
cnn_paths = [DATA / f"nn_cnn_{name}_{n_cnn}.npy" for name in ("X", "y")]
np.save(cnn_paths[0], img.reshape(n_cnn, S * S))
np.save(cnn_paths[1], yc)

binary = example("breadth-nn", "bench_nn")


def torch_train(model, x, t, epochs, batch, shuffle=True):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    n = x.shape[0]
    last = float("nan")

    def run():
        nonlocal last
        g = torch.Generator().manual_seed(0)
        for _ in range(epochs):
            total = 0.0
            order = torch.randperm(n, generator=g) if shuffle else torch.arange(n)
            for idx in order.split(batch):
                opt.zero_grad()
                loss = loss_fn(model(x[idx]), t[idx])
                loss.backward()
                opt.step()
                total += loss.item() * len(idx)
            last = total / n

    seconds, _ = timed(run)
    return {"seconds": seconds, "quality": last}


def mlp_peer():
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(D, H), torch.nn.ReLU(), torch.nn.Linear(H, H), torch.nn.ReLU(), torch.nn.Linear(H, K)
    )
    x = torch.tensor(X, dtype=torch.float32)
    t = torch.tensor(y[:, 0], dtype=torch.int64)
    return torch_train(model, x, t, EPOCHS, BATCH)


def cnn_peer():
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(32 * (S // 4) ** 2, K),
    )
    x = torch.tensor(img.reshape(n_cnn, 1, S, S), dtype=torch.float32)
    t = torch.tensor(yc[:, 0], dtype=torch.int64)
    return torch_train(model, x, t, CNN_EPOCHS, CNN_BATCH)


rows = [
    Row(f"MLP {D}-{H}-{H}-{K} Adam b{BATCH} x{EPOCHS}ep", f"{n_mlp}x{D}",
        lambda: run_ours(binary, "mlp", *mlp_paths, EPOCHS, BATCH, H, threads=2), mlp_peer, "torch", "last-epoch loss"),
    Row(f"CNN 16-32 conv3 Adam b{CNN_BATCH} x{CNN_EPOCHS}ep", f"{n_cnn}x1x{S}x{S}",
        lambda: run_ours(binary, "cnn", *cnn_paths, CNN_EPOCHS, CNN_BATCH, threads=2), cnn_peer, "torch", "last-epoch loss"),
]
results = [] if LSTM_ONLY else compare("nn", rows, repeats=3, peers=("torch",))

# Floating-point work per training sample in matrix multiplies: 6 flops per weight and sample
# for a linear layer (forward, and two products backward); for a convolution, 2 * o * c k^2 * h'w'
# per product: forward, kernel gradient, and input gradient except for the first layer (data).
mlp_flops = 6 * (D * H + H * H + H * K)
conv_flops = 2 * 2 * 16 * 9 * S * S + 3 * 2 * 32 * 16 * 9 * (S // 2) ** 2
cnn_flops = conv_flops + 6 * 32 * (S // 4) ** 2 * K
PEAK_N, PEAK_REPEATS = 2048, 5


def torch_peak():
    a, b = torch.randn(PEAK_N, PEAK_N), torch.randn(PEAK_N, PEAK_N)
    torch.mm(a, b)
    best = min(timed(torch.mm, a, b)[0] for _ in range(PEAK_REPEATS))
    return {"seconds": best, "quality": 2 * PEAK_N**3 / best / 1e9}


if not LSTM_ONLY:
    ours_peak = run_ours(binary, "peak", PEAK_N, PEAK_REPEATS, threads=2)["quality"]
    peer_peak = torch_peak()["quality"]
    print(f"peak f32 GEMM {PEAK_N}^3, 2 threads: ours (gemm via candle) {ours_peak:.1f} GFLOP/s, "
          f"torch.mm {peer_peak:.1f} GFLOP/s")
for r, (n, epochs, flops, what) in zip(results, [(n_mlp, EPOCHS, mlp_flops, "all matmuls"),
                                                 (n_cnn, CNN_EPOCHS, cnn_flops, "conv + head GEMMs")]):
    gf = lambda s: flops * n * epochs / s / 1e9
    print(f"{r['model']}: samples/s ours {n * epochs / r['ours_seconds']:.0f}, "
          f"torch {n * epochs / r['peer_seconds']:.0f}; achieved GFLOP/s in {what} over the whole "
          f"step: ours {gf(r['ours_seconds']):.1f} ({100 * gf(r['ours_seconds']) / ours_peak:.0f}% of "
          f"our peak), torch {gf(r['peer_seconds']):.1f} ({100 * gf(r['peer_seconds']) / peer_peak:.0f}% of its peak)")


# LSTM: 2 layers, input 32, hidden 128, sequences of 50 steps, batch 64, Adam lr 1e-3, one epoch;
# the label is the arg-max over the first 4 features of their mean over time (learnable).
# Both sides start from the same point: PyTorch's initial weights (seed 0), written as .npy for
# ours, and the same batches (the rows, independent random draws, visited in file order by both),
# so the two last-epoch losses differ only by floating-point rounding.
LT, LI, LH, LK, LBATCH, LEPOCHS = 50, 32, 128, 4, 64, 1
seq = rng.standard_normal((n_lstm, LT, LI))
yl = seq[:, :, :LK].mean(1).argmax(1).astype(np.float64)[:, None]
lstm_paths = [DATA / f"nn_lstm_{name}_{n_lstm}.npy" for name in ("X", "y")]
np.save(lstm_paths[0], seq.reshape(n_lstm, LT * LI))
np.save(lstm_paths[1], yl)
lstm_binary = example("breadth-nn", "bench_lstm")


class LstmNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = torch.nn.LSTM(LI, LH, num_layers=2, batch_first=True)
        self.head = torch.nn.Linear(LH, LK)

    def forward(self, x):
        _, (h, _) = self.lstm(x)
        return self.head(h[-1])


torch.manual_seed(0)
lstm_init = {k: v.detach().clone() for k, v in LstmNet().state_dict().items()}
LSTM_INIT = DATA / "nn_lstm_init"
LSTM_INIT.mkdir(exist_ok=True)
for name, value in lstm_init.items():
    np.save(LSTM_INIT / f"{name}.npy", value.double().numpy().reshape(value.shape[0], -1))


def lstm_peer():
    model = LstmNet()
    model.load_state_dict(lstm_init)
    x = torch.tensor(seq, dtype=torch.float32)
    t = torch.tensor(yl[:, 0], dtype=torch.int64)
    return torch_train(model, x, t, LEPOCHS, LBATCH, shuffle=False)


lstm_rows = [
    Row(f"LSTM 2x{LH} T{LT} Adam b{LBATCH} x{LEPOCHS}ep", f"{n_lstm}x{LT}x{LI}",
        lambda: run_ours(lstm_binary, *lstm_paths, LT, LEPOCHS, LBATCH, LH, LSTM_INIT, threads=2), lstm_peer,
        "torch", "last-epoch loss, same start"),
]
# Matrix-multiply flops per sequence: per layer with input I', forward and the weight gradient
# 2 T 4H (I' + H) each, dh 2 T 4H H, and dx 2 T 4H I' except for the first layer (data).
lstm_flops = sum(2 * LT * 4 * LH * ((2 * (inp + LH)) + LH + (inp if layer else 0))
                 for layer, inp in enumerate([LI, LH]))
for r in compare("nn_lstm", lstm_rows, repeats=3, peers=("torch",)):
    gf = lambda s: lstm_flops * n_lstm * LEPOCHS / s / 1e9
    ours_gf, peer_gf = gf(r["ours_seconds"]), gf(r["peer_seconds"])
    of_peak = ("" if LSTM_ONLY else
               f" ({100 * ours_gf / ours_peak:.0f}% / {100 * peer_gf / peer_peak:.0f}% of the peaks above)")
    print(f"{r['model']}: samples/s ours {n_lstm * LEPOCHS / r['ours_seconds']:.0f}, "
          f"torch {n_lstm * LEPOCHS / r['peer_seconds']:.0f}; achieved GFLOP/s in the gate GEMMs over "
          f"the whole step: ours {ours_gf:.1f}, torch {peer_gf:.1f}{of_peak}")
