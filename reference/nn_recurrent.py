"""Reference values for breadth-nn's recurrent layers (PyTorch torch.nn.RNN / LSTM / GRU).

Run from the repository root:  python reference/nn_recurrent.py
Writes crates/nn/tests/fixtures/recurrent/layers.json (torch CPU, version pinned in
reference/requirements.txt; the version used is stored in the file).

Each case builds a torch layer with batch_first=True, draws its weights, input and initial
states from a seeded numpy generator, and stores: the weights under torch's own names
(weight_ih_l0, weight_hh_l0_reverse, ...), the input x (B, T, I), h0 (and c0 for LSTM),
upstream gradients for the output sequence and the final states, the outputs, and the gradient
of sum(y * gy) + sum(h_n * gh) (+ sum(c_n * gc)) with respect to x, h0, c0 and every weight.
Float32 throughout, as the tests compare at 1e-5.
"""

import json
import os

import numpy as np
import torch

torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "nn", "tests", "fixtures", "recurrent")
rng = np.random.default_rng(20261129)


def t(a):
    a = a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)
    return {"shape": list(a.shape), "data": a.reshape(-1).tolist()}


def randn(*shape, scale=1.0):
    return torch.tensor(rng.standard_normal(shape) * scale, dtype=torch.float32)


def case(kind, nonlinearity="tanh", layers=1, bidirectional=False, bias=True, i=3, h=4, b=2, steps=5):
    cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind]
    kw = dict(nonlinearity=nonlinearity) if kind == "rnn" else {}
    layer = cls(i, h, num_layers=layers, bidirectional=bidirectional, bias=bias, batch_first=True, **kw)
    with torch.no_grad():
        for p in layer.parameters():
            p.copy_(randn(*p.shape, scale=0.5))
    d = 2 if bidirectional else 1
    x = randn(b, steps, i).requires_grad_(True)
    h0 = randn(layers * d, b, h, scale=0.5).requires_grad_(True)
    c0 = randn(layers * d, b, h, scale=0.5).requires_grad_(True) if kind == "lstm" else None
    y, state = layer(x, (h0, c0) if kind == "lstm" else h0)
    hn, cn = state if kind == "lstm" else (state, None)
    gy, gh = randn(*y.shape), randn(*hn.shape)
    total = (y * gy).sum() + (hn * gh).sum()
    out = {
        "kind": kind, "nonlinearity": nonlinearity, "layers": layers, "bidirectional": bidirectional,
        "bias": bias, "input_size": i, "hidden_size": h,
        "x": t(x), "h0": t(h0), "gy": t(gy), "gh": t(gh),
        "weights": {n: t(p) for n, p in layer.named_parameters()},
    }
    if kind == "lstm":
        gc = randn(*cn.shape)
        total = total + (cn * gc).sum()
        out["c0"], out["gc"], out["cn"] = t(c0), t(gc), t(cn)
    total.backward()
    out["y"], out["hn"] = t(y), t(hn)
    out["grads"] = {"x": t(x.grad), "h0": t(h0.grad), **{n: t(p.grad) for n, p in layer.named_parameters()}}
    if kind == "lstm":
        out["grads"]["c0"] = t(c0.grad)
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = {
        "rnn_tanh": case("rnn"),
        "rnn_relu": case("rnn", nonlinearity="relu"),
        "rnn_stacked_bidir": case("rnn", layers=2, bidirectional=True),
        "lstm": case("lstm"),
        "lstm_stacked": case("lstm", layers=2),
        "lstm_bidir": case("lstm", bidirectional=True),
        "lstm_stacked_bidir": case("lstm", layers=2, bidirectional=True),
        "lstm_no_bias": case("lstm", bias=False),
        "gru": case("gru"),
        "gru_stacked_bidir": case("gru", layers=2, bidirectional=True),
    }
    data = {"generator": "reference/nn_recurrent.py", "torch": torch.__version__, "cases": cases}
    path = os.path.join(OUT, "layers.json")
    with open(path, "w") as f:
        json.dump(data, f, separators=(",", ":"))
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
