"""Training throughput of breadth-nn's encoder-decoder transformer against PyTorch (CPU, 2
threads) on the digit-reversal task: 20,000 strings of lengths 3-8, d_model 64, 4 heads,
feed-forward 256, 2 encoder + 2 decoder post-norm layers, no dropout, Adam (lr 5e-4), batch 64.

Run: python3 bench/nn_transformer.py [n_train] [epochs]
Quality is the mean training loss (cross-entropy over non-padding target tokens) of the last
epoch: equal losses mean the two sides did the same work. Seconds are training time only.
"""

import math
import sys

import numpy as np
import torch
import torch.nn as nn

from harness import DATA, Row, compare, example, run_ours, timed

torch.set_num_threads(2)
N = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
EPOCHS = int(sys.argv[2]) if len(sys.argv) > 2 else 1
D, H, FF, LAYERS, V, BATCH = 64, 4, 256, 2, 13, 64
PAD, BOS, EOS = 0, 1, 2
DATA.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(0)

lengths = rng.integers(3, 9, size=N)
src = np.zeros((N, 9))
tgt = np.zeros((N, 10))
for i, n in enumerate(lengths):
    digits = rng.integers(0, 10, size=n) + 3
    src[i, :n], src[i, n] = digits, EOS
    tgt[i, 0], tgt[i, 1:n + 1], tgt[i, n + 1] = BOS, digits[::-1], EOS
paths = [DATA / f"rev_{name}_{N}.npy" for name in ("src", "tgt")]
np.save(paths[0], src)
np.save(paths[1], tgt)
binary = example("breadth-nn", "bench_transformer")


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(V, D)
        nn.init.normal_(self.embed.weight, std=D ** -0.5)
        pos = torch.arange(64)[:, None] / 10000 ** (torch.arange(0, D, 2) / D)
        pe = torch.zeros(64, D)
        pe[:, 0::2], pe[:, 1::2] = torch.sin(pos), torch.cos(pos)
        self.register_buffer("pe", pe)
        self.enc = nn.ModuleList(nn.TransformerEncoderLayer(D, H, FF, 0.0, batch_first=True) for _ in range(LAYERS))
        self.dec = nn.ModuleList(nn.TransformerDecoderLayer(D, H, FF, 0.0, batch_first=True) for _ in range(LAYERS))
        self.out = nn.Linear(D, V)

    def emb(self, ids):
        return self.embed(ids) * math.sqrt(D) + self.pe[: ids.shape[1]]

    def forward(self, s, t):
        sp, tp = s == PAD, t == PAD
        causal = torch.triu(torch.ones(t.shape[1], t.shape[1], dtype=torch.bool), 1)
        m = self.emb(s)
        for layer in self.enc:
            m = layer(m, src_key_padding_mask=sp)
        h = self.emb(t)
        for layer in self.dec:
            h = layer(h, m, tgt_mask=causal, tgt_key_padding_mask=tp, memory_key_padding_mask=sp)
        return self.out(h)


def peer():
    torch.manual_seed(0)
    model = Model()
    s, t = torch.tensor(src, dtype=torch.long), torch.tensor(tgt, dtype=torch.long)
    opt = torch.optim.Adam(model.parameters(), lr=5e-4)
    loss_fn = nn.CrossEntropyLoss(ignore_index=PAD)

    def run():
        g = torch.Generator().manual_seed(0)
        last = float("nan")
        for _ in range(EPOCHS):
            total = 0.0
            for idx in torch.randperm(N, generator=g).split(BATCH):
                opt.zero_grad()
                y = t[idx]
                logits = model(s[idx], y[:, :-1])
                loss = loss_fn(logits.reshape(-1, V), y[:, 1:].reshape(-1))
                loss.backward()
                opt.step()
                total += float(loss.detach()) * len(idx)
            last = total / N
        return last

    seconds, quality = timed(run)
    return {"seconds": seconds, "quality": quality}


rows = [Row("transformer reversal (train)", f"{N}x(9,10) e{EPOCHS}",
            lambda: run_ours(binary, *paths, EPOCHS, BATCH), peer, "PyTorch", "last-epoch loss")]
compare("nn_transformer", rows, repeats=1, peers=("torch",))
