"""PyTorch check of breadth-nn's delayed-recall demonstration (crates/nn/src/recurrent/demo.rs).

Run from the repository root:  python reference/nn_recall.py [LENGTH] [STEPS]
Prints held-out accuracy every 250 steps and ||dL/dh_t|| by distance to the loss, at
initialisation and after training, for a tanh RNN and two LSTMs (forget-gate bias 6, and
PyTorch's own initialisation), trained exactly as the Rust demo: the same task (step 1 shows
one of K = 4 signal symbols, steps 2..T one of M = 4 distractor symbols, one-hot; predict the
signal from a linear read-out of h_T), hidden 32, 1000 Adam steps at 3e-3 on fresh batches of
32, gradient clipping at global norm 1, 512 held-out sequences. torch CPU, version pinned in
reference/requirements.txt. Training is stochastic, so the Rust side is compared on outcome
(solved or at chance), not digit by digit; no fixture is written.

Outcome with torch 2.15.0 at T = 60 (see the README note of issue 8): LSTM with b_f = 6 reaches
accuracy 1.0 within 250 steps; the tanh RNN and the LSTM with PyTorch's init stay near 0.25.
"""

import sys
import time

import numpy as np
import torch

torch.set_num_threads(1)
K, M, H, B, LR, CLIP, EVAL = 4, 4, 32, 32, 3e-3, 1.0, 512
T = int(sys.argv[1]) if len(sys.argv) > 1 else 60
STEPS = int(sys.argv[2]) if len(sys.argv) > 2 else 1000


def sample(rng, batch):
    x = np.zeros((batch, T, K + M), np.float32)
    y = rng.integers(0, K, batch)
    x[np.arange(batch), 0, y] = 1
    d = K + rng.integers(0, M, (batch, T - 1))
    for s in range(1, T):
        x[np.arange(batch), s, d[:, s - 1]] = 1
    return torch.tensor(x), torch.tensor(y)


class Net(torch.nn.Module):
    def __init__(self, kind, forget_bias):
        super().__init__()
        cls = torch.nn.LSTM if kind == "lstm" else torch.nn.RNN
        self.rnn = cls(K + M, H, batch_first=True)
        if forget_bias is not None:
            with torch.no_grad():
                self.rnn.bias_ih_l0[H:2 * H] = 0
                self.rnn.bias_hh_l0[H:2 * H] = forget_bias
        self.head = torch.nn.Linear(H, K)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.head(y[:, -1])


def grad_norms(net, x, y):
    """||dL/dh_t|| over the batch, unrolled one step at a time so that every h_t is a node."""
    state, hs = None, []
    for t in range(T):
        _, state = net.rnn(x[:, t:t + 1], state)
        h = state[0] if isinstance(state, tuple) else state
        h.retain_grad()
        hs.append(h)
    torch.nn.functional.cross_entropy(net.head(hs[-1][0]), y).backward()
    net.zero_grad()
    return [hs[T - 1 - d].grad.norm().item() for d in range(T)]  # index = distance T - t


def run(name, kind, forget_bias, seed=0):
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = Net(kind, forget_bias)
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    xe, ye = sample(np.random.default_rng(12345), EVAL)
    init = grad_norms(net, xe, ye)
    t0, accs = time.time(), []
    for step in range(STEPS):
        x, y = sample(rng, B)
        loss = torch.nn.functional.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), CLIP)
        opt.step()
        if (step + 1) % 250 == 0:
            with torch.no_grad():
                accs.append(round((net(xe).argmax(1) == ye).float().mean().item(), 3))
    print(f"{name:18} T={T}: accuracy every 250 steps {accs}, {time.time() - t0:.0f} s", flush=True)
    return init, grad_norms(net, xe, ye)


print(f"torch {torch.__version__}")
res = [run("RNN (tanh)", "rnn", None), run("LSTM, b_f 6", "lstm", 6.0), run("LSTM, torch init", "lstm", None)]
print("||dL/dh_t|| by distance T - t:   RNN init, trained | LSTM b_f 6 init, trained")
for d in list(range(0, T, 10)) + ([T - 1] if (T - 1) % 10 else []):
    print(f"{T - d:>4} {d:>4} | {res[0][0][d]:.3e} {res[0][1][d]:.3e} | {res[1][0][d]:.3e} {res[1][1][d]:.3e}")
