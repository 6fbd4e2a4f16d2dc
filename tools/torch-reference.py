"""Writes test/fixtures/torch-reference.json: losses and gradients computed by PyTorch (float64)
for models covering every layer type and option of the JSON spec, so the test suite can check
mbquad against an independent framework without depending on it.

Run (developers only; needs PyTorch): python3 tools/torch-reference.py
"""
import json
import torch
from torch import nn

torch.set_default_dtype(torch.float64)
torch.manual_seed(0)


def build(spec):
    layers, shape = [], list(spec["input"])
    for layer in spec["layers"]:
        t = layer["type"]
        if t == "linear":
            layers.append(nn.Linear(shape[0], layer["out"], bias=layer.get("bias", True)))
            shape = [layer["out"]]
        elif t == "conv2d":
            conv = nn.Conv2d(shape[0], layer["out"], layer["kernel"], stride=layer.get("stride", 1),
                             padding=layer.get("padding", 0), bias=layer.get("bias", True))
            layers.append(conv)
            shape = list(conv(torch.zeros(1, *shape)).shape[1:])
        elif t in ("maxpool2d", "avgpool2d"):
            cls = nn.MaxPool2d if t == "maxpool2d" else nn.AvgPool2d
            pool = cls(layer["kernel"], stride=layer.get("stride"), padding=layer.get("padding", 0))
            layers.append(pool)
            shape = list(pool(torch.zeros(1, *shape)).shape[1:])
        elif t == "globalavgpool":
            layers.append(nn.AdaptiveAvgPool2d(1))
            shape = [shape[0], 1, 1]
        elif t == "flatten":
            layers.append(nn.Flatten())
            shape = [int(torch.tensor(shape).prod())]
        else:
            layers.append({"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}[t]())
    return nn.Sequential(*layers)


SPECS = [
    {"input": [1, 8, 8], "layers": [
        {"type": "conv2d", "out": 4, "kernel": 3, "stride": 1, "padding": 1}, {"type": "relu"},
        {"type": "maxpool2d", "kernel": 2}, {"type": "flatten"}, {"type": "linear", "out": 10}]},
    {"input": [2, 7, 6], "layers": [
        {"type": "conv2d", "out": 3, "kernel": [3, 2], "stride": [2, 1], "padding": [1, 0]}, {"type": "tanh"},
        {"type": "avgpool2d", "kernel": 2, "stride": 1, "padding": 1},
        {"type": "conv2d", "out": 4, "kernel": 2, "bias": False}, {"type": "sigmoid"},
        {"type": "maxpool2d", "kernel": [2, 3], "stride": [1, 2], "padding": [1, 1]},
        {"type": "globalavgpool"}, {"type": "flatten"},
        {"type": "linear", "out": 5, "bias": False}, {"type": "relu"}, {"type": "linear", "out": 3}]},
    {"input": [6], "layers": [
        {"type": "linear", "out": 5}, {"type": "sigmoid"}, {"type": "linear", "out": 4}, {"type": "tanh"},
        {"type": "linear", "out": 3}]},
]

cases = []
for index, spec in enumerate(SPECS):
    model = build(spec)
    for loss in ("cross_entropy", "mse"):
        weight_decay = 0.01 * (index + 1)
        n = 4
        x = torch.randn(n, *spec["input"])
        out_dim = model(x).shape[1]
        theta = torch.nn.utils.parameters_to_vector(model.parameters()).detach() + 0.1 * torch.randn(
            sum(p.numel() for p in model.parameters()))
        torch.nn.utils.vector_to_parameters(theta, model.parameters())
        targets = torch.randint(0, out_dim, (n,)) if loss == "cross_entropy" else torch.randn(n, out_dim)
        outputs = model(x)
        data = nn.functional.cross_entropy(outputs, targets) if loss == "cross_entropy" else nn.MSELoss()(outputs, targets)
        weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
        value = data + weight_decay / 2 * sum((w ** 2).sum() for w in weights)
        params = list(model.parameters())
        grads = torch.autograd.grad(value, params, create_graph=True)
        v = torch.randn(theta.numel())
        vs = list(torch.split(v, [p.numel() for p in params]))
        vs = [t.view_as(p) for t, p in zip(vs, params)]
        # Hessian-vector product: ∇(∇L · v)
        hv = torch.autograd.grad(sum((g * t).sum() for g, t in zip(grads, vs)), params, retain_graph=True)
        # GGN-vector product: J v by the double-VJP trick, Λ (J v) in closed form, then Jᵀ(·)
        out = model(x)
        dummy = torch.zeros_like(out, requires_grad=True)
        jt_dummy = torch.autograd.grad(out, params, dummy, create_graph=True)
        jv = torch.autograd.grad(jt_dummy, dummy, vs)[0]
        if loss == "cross_entropy":
            p_ = torch.softmax(out, dim=1).detach()
            ljv = (p_ * jv - p_ * (p_ * jv).sum(dim=1, keepdim=True)) / n
        else:
            ljv = 2 * jv / out.numel()
        ggn = torch.autograd.grad(out, params, ljv)
        mask = torch.cat([torch.ones(p.numel()) if name.endswith("weight") else torch.zeros(p.numel()) for name, p in model.named_parameters()])
        ggnv = torch.cat([t.flatten() for t in ggn]) + weight_decay * mask * v
        cases.append({
            "spec": spec,
            "names": [name for name, _ in model.named_parameters()],
            "loss": loss,
            "weightDecay": weight_decay,
            "params": theta.tolist(),
            "inputs": x.flatten().tolist(),
            "targets": targets.flatten().tolist(),
            "outputs": outputs.detach().flatten().tolist(),
            "value": value.item(),
            "gradient": torch.cat([g.flatten() for g in grads]).tolist(),
            "v": v.tolist(),
            "hvp": torch.cat([t.flatten() for t in hv]).tolist(),
            "ggnvp": ggnv.tolist(),
        })

with open("test/fixtures/torch-reference.json", "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f)
print(f"wrote {len(cases)} cases (torch {torch.__version__})")
