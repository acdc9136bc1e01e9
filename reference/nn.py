"""Reference values for breadth-nn: layers, losses, clipping, optimizers and schedules (PyTorch).

Run from the repository root:  python reference/nn.py
Writes JSON fixtures under crates/nn/tests/fixtures/nn/ (torch CPU, version pinned in
reference/requirements.txt; the version used is stored in every file).

Every layer case stores its inputs, parameters, an upstream gradient g, the forward output y and
the gradients of sum(y * g) with respect to every input and parameter. Layer cases are float32;
optimizer trajectories are float64 so that ten steps can be compared at 1e-6 without f32 rounding
dominating.
"""

import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(__file__), "..", "crates", "nn", "tests", "fixtures", "nn")
rng = np.random.default_rng(20261129)


def t(a):
    """A tensor as {shape, data} (data flattened row-major, floats or ints)."""
    a = a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)
    data = a.reshape(-1).tolist()
    return {"shape": list(a.shape), "data": data}


def randn(*shape, dtype=torch.float32, scale=1.0):
    return torch.tensor(rng.standard_normal(shape) * scale, dtype=dtype)


def layer_case(fn, inputs, params=None, extra=None):
    """Run fn(**inputs) with gradients on every float input; return the fixture dict."""
    leaves = {}
    for k, v in {**inputs, **(params or {})}.items():
        if v.is_floating_point():
            v = v.clone().requires_grad_(True)
        leaves[k] = v
    y = fn(**leaves)
    g = randn(*y.shape) if y.dim() > 0 else torch.tensor(1.0)
    (y * g).sum().backward()
    case = {
        "inputs": {k: t(v) for k, v in leaves.items()},
        "grad_out": t(g),
        "out": t(y),
        "grads": {k: t(v.grad) for k, v in leaves.items() if v.is_floating_point() and v.grad is not None},
    }
    if extra:
        case.update(extra)
    return case


def layers():
    cases = {}
    cases["linear"] = layer_case(
        lambda x, weight, bias: F.linear(x, weight, bias),
        {"x": randn(4, 5)}, {"weight": randn(3, 5), "bias": randn(3)})
    idx = torch.tensor(rng.integers(0, 7, size=(2, 3)), dtype=torch.int64)
    cases["embedding"] = layer_case(
        lambda idx, weight: F.embedding(idx, weight), {"idx": idx}, {"weight": randn(7, 4)})
    for name, (stride, padding, dilation) in {"conv1d": (1, 1, 1), "conv1d_s2d2": (2, 2, 2)}.items():
        cases[name] = layer_case(
            lambda x, weight, bias: F.conv1d(x, weight, bias, stride, padding, dilation),
            {"x": randn(2, 3, 9)}, {"weight": randn(4, 3, 3), "bias": randn(4)},
            {"stride": stride, "padding": padding, "dilation": dilation})
    for name, (stride, padding, dilation) in {"conv2d": (1, 1, 1), "conv2d_s2": (2, 1, 1)}.items():
        cases[name] = layer_case(
            lambda x, weight, bias: F.conv2d(x, weight, bias, stride, padding, dilation),
            {"x": randn(2, 3, 7, 7)}, {"weight": randn(4, 3, 3, 3), "bias": randn(4)},
            {"stride": stride, "padding": padding, "dilation": dilation})
    cases["max_pool2d"] = layer_case(lambda x: F.max_pool2d(x, 2), {"x": randn(2, 3, 6, 6)})
    cases["avg_pool2d"] = layer_case(lambda x: F.avg_pool2d(x, 2), {"x": randn(2, 3, 6, 6)})
    cases["max_pool1d"] = layer_case(lambda x: F.max_pool1d(x, 2), {"x": randn(2, 3, 8)})
    cases["avg_pool1d"] = layer_case(lambda x: F.avg_pool1d(x, 2), {"x": randn(2, 3, 8)})

    # BatchNorm: training mode (batch statistics, running stats updated) for 2d and 4d input.
    for name, shape in {"batch_norm_1d": (6, 4), "batch_norm_2d": (3, 4, 3, 3)}.items():
        c = shape[1]
        rm, rv = randn(c, scale=0.1), torch.tensor(rng.uniform(0.5, 1.5, c), dtype=torch.float32)
        rm0, rv0 = rm.clone(), rv.clone()
        case = layer_case(
            lambda x, weight, bias: F.batch_norm(x, rm, rv, weight, bias, True, 0.1, 1e-5),
            {"x": randn(*shape)}, {"weight": randn(c), "bias": randn(c)})
        case["running_mean_before"], case["running_var_before"] = t(rm0), t(rv0)
        case["running_mean_after"], case["running_var_after"] = t(rm), t(rv)
        cases[name] = case
        # Eval mode uses the (updated) running statistics.
        cases[name + "_eval"] = layer_case(
            lambda x, weight, bias: F.batch_norm(x, rm, rv, weight, bias, False, 0.1, 1e-5),
            {"x": randn(*shape)}, {"weight": randn(c), "bias": randn(c)},
            {"running_mean": t(rm), "running_var": t(rv)})
    cases["layer_norm"] = layer_case(
        lambda x, weight, bias: F.layer_norm(x, (6,), weight, bias, 1e-5),
        {"x": randn(3, 4, 6)}, {"weight": randn(6), "bias": randn(6)})
    cases["rms_norm"] = layer_case(
        lambda x, weight: F.rms_norm(x, (6,), weight, 1e-6),
        {"x": randn(3, 4, 6)}, {"weight": randn(6)})

    acts = {
        "relu": F.relu,
        "leaky_relu": lambda x: F.leaky_relu(x, 0.2),
        "gelu": lambda x: F.gelu(x),
        "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
        "silu": F.silu,
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "softmax": lambda x: F.softmax(x, -1),
        "log_softmax": lambda x: F.log_softmax(x, -1),
    }
    for name, f in acts.items():
        cases[name] = layer_case(lambda x, f=f: f(x), {"x": randn(5, 7, scale=2.0)})
    return cases


def losses():
    cases = {}
    cases["mse"] = layer_case(lambda x, y: F.mse_loss(x, y), {"x": randn(5, 3), "y": randn(5, 3)})
    target = torch.tensor([0, 4, 2, -100, 1, 3], dtype=torch.int64)
    for name, ls in {"cross_entropy": 0.0, "cross_entropy_smooth": 0.1}.items():
        cases[name] = layer_case(
            lambda x, target, ls=ls: F.cross_entropy(x, target, ignore_index=-100, label_smoothing=ls),
            {"x": randn(6, 5, scale=2.0), "target": target}, extra={"label_smoothing": ls, "ignore_index": -100})
    multi = torch.tensor(rng.integers(0, 2, size=(4, 3)), dtype=torch.float32)
    cases["bce_with_logits"] = layer_case(
        lambda x, target: F.binary_cross_entropy_with_logits(x, target),
        {"x": randn(4, 3, scale=2.0), "target": multi})
    cases["hinge"] = layer_case(
        lambda x, target: F.multi_margin_loss(x, target, p=1, margin=1.0),
        {"x": randn(6, 5), "target": torch.tensor([0, 4, 2, 2, 1, 3], dtype=torch.int64)})
    return cases


def clipping():
    grads = [randn(3, 4), randn(5)]
    out = {"grads": [t(g) for g in grads]}
    ps = [torch.zeros_like(g, requires_grad=True) for g in grads]
    for p, g in zip(ps, grads):
        p.grad = g.clone()
    out["total_norm"] = float(torch.nn.utils.clip_grad_norm_(ps, max_norm=1.5))
    out["max_norm"] = 1.5
    out["clipped_norm"] = [t(p.grad) for p in ps]
    for p, g in zip(ps, grads):
        p.grad = g.clone()
    torch.nn.utils.clip_grad_value_(ps, clip_value=0.5)
    out["clip_value"] = 0.5
    out["clipped_value"] = [t(p.grad) for p in ps]
    return out


def optimizers():
    """Ten steps of each optimizer on a fixed smooth non-quadratic problem, in float64."""
    a = torch.tensor(rng.standard_normal((8, 5)), dtype=torch.float64)
    b = torch.tensor(rng.standard_normal(8), dtype=torch.float64)
    w0 = torch.tensor(rng.standard_normal(5), dtype=torch.float64)
    bias0 = torch.tensor(rng.standard_normal(1), dtype=torch.float64)

    def loss_fn(w, bias):
        r = a @ w + bias - b
        return (r * r).mean() + 0.1 * (w ** 4).sum()

    configs = {
        "sgd": (torch.optim.SGD, dict(lr=0.05)),
        "sgd_wd": (torch.optim.SGD, dict(lr=0.05, weight_decay=0.1)),
        "momentum": (torch.optim.SGD, dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
        "nesterov": (torch.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True)),
        "rmsprop": (torch.optim.RMSprop, dict(lr=0.01, alpha=0.9, eps=1e-8)),
        "rmsprop_centered_momentum": (torch.optim.RMSprop, dict(lr=0.01, alpha=0.9, eps=1e-8, momentum=0.5, centered=True, weight_decay=0.01)),
        "adam": (torch.optim.Adam, dict(lr=0.1, betas=(0.9, 0.999), eps=1e-8)),
        "adam_l2_amsgrad": (torch.optim.Adam, dict(lr=0.1, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.05, amsgrad=True)),
        "adamw": (torch.optim.AdamW, dict(lr=0.1, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1)),
    }
    out = {"a": t(a), "b": t(b), "w0": t(w0), "bias0": t(bias0), "loss": "mean((a w + bias - b)^2) + 0.1 sum(w^4)", "runs": {}}
    for name, (cls, kw) in configs.items():
        w = w0.clone().requires_grad_(True)
        bias = bias0.clone().requires_grad_(True)
        opt = cls([w, bias], **kw)
        steps = []
        for _ in range(10):
            opt.zero_grad()
            loss = loss_fn(w, bias)
            loss.backward()
            opt.step()
            steps.append({"loss": float(loss.detach()), "w": w.detach().tolist(), "bias": bias.detach().tolist()})
        kw = {k: list(v) if isinstance(v, tuple) else v for k, v in kw.items()}
        out["runs"][name] = {"optimizer": cls.__name__, "config": kw, "steps": steps}
    return out


def schedules():
    """Learning rates of torch's schedulers for 20 epochs (base lr 0.1)."""
    def lrs(make):
        p = torch.zeros(1, requires_grad=True)
        opt = torch.optim.SGD([p], lr=0.1)
        sched = make(opt)
        out = []
        for _ in range(20):
            out.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        return out

    S = torch.optim.lr_scheduler
    return {
        "base_lr": 0.1,
        "step": {"step_size": 3, "gamma": 0.5, "lrs": lrs(lambda o: S.StepLR(o, step_size=3, gamma=0.5))},
        "cosine": {"t_max": 10, "eta_min": 0.001, "lrs": lrs(lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001))},
        "warmup_cosine": {
            "warmup": 4, "start_factor": 0.1, "t_max": 16, "eta_min": 0.0,
            "lrs": lrs(lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=4),
                                                    S.CosineAnnealingLR(o, T_max=16, eta_min=0.0)], milestones=[4])),
        },
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    meta = {"generator": "reference/nn.py", "torch": torch.__version__}
    for name, fn in {"layers": layers, "losses": losses, "clipping": clipping, "optimizers": optimizers, "schedules": schedules}.items():
        data = {**meta, **({"cases": fn()} if name in ("layers", "losses") else fn())}
        path = os.path.join(OUT, f"{name}.json")
        with open(path, "w") as f:
            json.dump(data, f, separators=(",", ":"))
        print(f"wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
