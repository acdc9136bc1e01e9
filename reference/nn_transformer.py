"""Reference values for breadth-nn's attention and transformer layers (PyTorch).

Run from the repository root:  python reference/nn_transformer.py
Writes crates/nn/tests/fixtures/transformer/layers.json (torch CPU, version pinned in
reference/requirements.txt and stored in the file).

Each case stores the inputs, the weights (torch's packed in_proj split into q, k, v), an upstream
gradient g, the output y and the gradients of sum(y * g) with respect to every input and weight.
Layers are float32, batch_first, dropout 0, post-norm (norm_first=False), ReLU feed-forward.
Masks: key padding is right padding (True = padded); causal masks hide later positions.
"""

import json
import os

import numpy as np
import torch
import torch.nn as nn

torch.set_num_threads(1)
torch.manual_seed(0)
OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "nn", "tests", "fixtures", "transformer")
rng = np.random.default_rng(20261129)
E, H, FF = 8, 2, 16


def t(a):
    a = a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)
    return {"shape": list(a.shape), "data": a.reshape(-1).tolist()}


def randn(*shape):
    return torch.tensor(rng.standard_normal(shape), dtype=torch.float32)


def mha_weights(prefix, mha):
    w, b = mha.in_proj_weight, mha.in_proj_bias
    out = {}
    for i, n in enumerate("qkv"):
        out[f"{prefix}{n}.weight"] = (w, slice(i * E, (i + 1) * E))
        out[f"{prefix}{n}.bias"] = (b, slice(i * E, (i + 1) * E))
    out[f"{prefix}out.weight"] = (mha.out_proj.weight, slice(None))
    out[f"{prefix}out.bias"] = (mha.out_proj.bias, slice(None))
    return out


def randomize(module):
    # Non-trivial weights everywhere (torch zero-initialises the attention biases).
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(randn(*p.shape) * 0.5)


def pad_mask(lengths, n):
    return torch.tensor([[j >= l for j in range(n)] for l in lengths])


def case(y, inputs, weights, extra):
    g = randn(*y.shape)
    (y * g).sum().backward()
    return {
        "inputs": {k: t(v) for k, v in inputs.items()},
        "weights": {k: t(p[s]) for k, (p, s) in weights.items()},
        "grad_out": t(g),
        "out": t(y),
        "grads": {**{k: t(v.grad) for k, v in inputs.items()},
                  **{k: t(p.grad[s]) for k, (p, s) in weights.items()}},
        **extra,
    }


def mha_self():
    mha = nn.MultiheadAttention(E, H, batch_first=True)
    randomize(mha)
    x = randn(2, 5, E).requires_grad_(True)
    lengths = [5, 3]
    causal = nn.Transformer.generate_square_subsequent_mask(5)
    y, _ = mha(x, x, x, key_padding_mask=pad_mask(lengths, 5), attn_mask=causal, need_weights=False)
    return case(y, {"x": x}, mha_weights("", mha), {"lengths": lengths, "causal": True})


def mha_cross():
    mha = nn.MultiheadAttention(E, H, batch_first=True)
    randomize(mha)
    x, mem = randn(2, 3, E).requires_grad_(True), randn(2, 4, E).requires_grad_(True)
    lengths = [2, 4]
    y, _ = mha(x, mem, mem, key_padding_mask=pad_mask(lengths, 4), need_weights=False)
    return case(y, {"x": x, "memory": mem}, mha_weights("", mha), {"lengths": lengths, "causal": False})


def common(layer, prefix_attn):
    w = {}
    for n in ["linear1", "linear2", "norm1", "norm2"] + (["norm3"] if hasattr(layer, "norm3") else []):
        m = getattr(layer, n)
        w[f"{n}.weight"] = (m.weight, slice(None))
        w[f"{n}.bias"] = (m.bias, slice(None))
    for attr, prefix in prefix_attn:
        w.update(mha_weights(prefix, getattr(layer, attr)))
    return w


def encoder_layer():
    layer = nn.TransformerEncoderLayer(E, H, FF, dropout=0.0, batch_first=True, norm_first=False)
    randomize(layer)
    layer.train()
    x = randn(2, 5, E).requires_grad_(True)
    lengths = [5, 3]
    y = layer(x, src_key_padding_mask=pad_mask(lengths, 5))
    return case(y, {"x": x}, common(layer, [("self_attn", "self_attn.")]), {"lengths": lengths})


def decoder_layer():
    layer = nn.TransformerDecoderLayer(E, H, FF, dropout=0.0, batch_first=True, norm_first=False)
    randomize(layer)
    layer.train()
    x, mem = randn(2, 4, E).requires_grad_(True), randn(2, 5, E).requires_grad_(True)
    tgt_len, mem_len = [4, 2], [5, 3]
    y = layer(x, mem, tgt_mask=nn.Transformer.generate_square_subsequent_mask(4),
              tgt_key_padding_mask=pad_mask(tgt_len, 4), memory_key_padding_mask=pad_mask(mem_len, 5))
    w = common(layer, [("self_attn", "self_attn."), ("multihead_attn", "cross_attn.")])
    return case(y, {"x": x, "memory": mem}, w, {"lengths": tgt_len, "memory_lengths": mem_len})


def main():
    os.makedirs(OUT, exist_ok=True)
    data = {"generator": "reference/nn_transformer.py", "torch": torch.__version__,
            "d_model": E, "heads": H, "ff": FF,
            "cases": {"mha_self": mha_self(), "mha_cross": mha_cross(),
                      "encoder_layer": encoder_layer(), "decoder_layer": decoder_layer()}}
    path = os.path.join(OUT, "layers.json")
    with open(path, "w") as f:
        json.dump(data, f, separators=(",", ":"))
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
