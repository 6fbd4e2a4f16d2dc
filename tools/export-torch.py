"""Exports a PyTorch nn.Sequential for mbquad: its JSON model spec and its parameters.

    from export_torch import export          # or: python3 tools/export-torch.py --fixture DIR
    export(model, input_shape=[1, 8, 8], prefix="runs/mine")
    # writes runs/mine.spec.json, runs/mine.npy (parameters_to_vector, float64) and
    # runs/mine.safetensors (the state dict, F64), for
    #   npx mbquad bias --spec runs/mine.spec.json --weights runs/mine.npy --data digits

Supported modules: Linear, Conv2d (zero padding, no dilation or groups), ReLU, Tanh, Sigmoid,
MaxPool2d, AvgPool2d (count_include_pad=True, ceil_mode=False), AdaptiveAvgPool2d(1), Flatten —
the layer types of mbquad's spec, with the same semantics and the same parameter order.

The .safetensors file is written here by hand from its published layout (an 8-byte
little-endian header length, a JSON header of dtype/shape/data_offsets per tensor, padded with
spaces to a multiple of 8, then the little-endian data), so no package beyond PyTorch is needed.

`--fixture DIR` writes the files test/nn/weights.test.ts reads: a small CNN exported in every
format (.npy float64 and float32, .safetensors F64 and F32) plus inputs, targets, and PyTorch's
float64 loss and gradient on them. Run (developers only; needs PyTorch):
    python3 tools/export-torch.py --fixture test/fixtures/torch-export
"""
import json
import struct
import sys

import numpy as np
import torch
from torch import nn


def _pair(v):
    return list(v) if isinstance(v, (tuple, list)) else [v, v]


def spec_of(model, input_shape):
    """The mbquad JSON spec of an nn.Sequential (raises on anything it cannot express)."""
    layers = []
    for i, m in enumerate(model):
        if isinstance(m, nn.Linear):
            layers.append({"type": "linear", "out": m.out_features, "bias": m.bias is not None})
        elif isinstance(m, nn.Conv2d):
            if m.groups != 1 or _pair(m.dilation) != [1, 1] or m.padding_mode != "zeros" or isinstance(m.padding, str):
                raise ValueError(f"layer {i}: Conv2d with groups, dilation, string padding or non-zero padding mode")
            layers.append({"type": "conv2d", "out": m.out_channels, "kernel": _pair(m.kernel_size),
                           "stride": _pair(m.stride), "padding": _pair(m.padding), "bias": m.bias is not None})
        elif isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)):
            if m.ceil_mode or (isinstance(m, nn.MaxPool2d) and _pair(m.dilation) != [1, 1]):
                raise ValueError(f"layer {i}: pooling with ceil_mode or dilation")
            if isinstance(m, nn.AvgPool2d) and not m.count_include_pad:
                raise ValueError(f"layer {i}: AvgPool2d with count_include_pad=False")
            kind = "maxpool2d" if isinstance(m, nn.MaxPool2d) else "avgpool2d"
            layers.append({"type": kind, "kernel": _pair(m.kernel_size), "stride": _pair(m.stride or m.kernel_size),
                           "padding": _pair(m.padding)})
        elif isinstance(m, nn.AdaptiveAvgPool2d) and _pair(m.output_size) == [1, 1]:
            layers.append({"type": "globalavgpool"})
        elif isinstance(m, nn.Flatten):
            layers.append({"type": "flatten"})
        elif isinstance(m, (nn.ReLU, nn.Tanh, nn.Sigmoid)):
            layers.append({"type": type(m).__name__.lower()})
        else:
            raise ValueError(f"layer {i}: {type(m).__name__} has no mbquad layer type")
    return {"input": list(input_shape), "layers": layers}


def npy_bytes(model, dtype=np.float64):
    """parameters_to_vector(model.parameters()) as the bytes of a .npy file."""
    import io
    buffer = io.BytesIO()
    np.save(buffer, torch.nn.utils.parameters_to_vector(model.parameters()).detach().numpy().astype(dtype))
    return buffer.getvalue()


def safetensors_bytes(model, dtype=torch.float64):
    """The state dict in the safetensors layout (F64 or F32)."""
    code = {torch.float64: "F64", torch.float32: "F32"}[dtype]
    header, chunks, offset = {}, [], 0
    for name, tensor in model.state_dict().items():
        data = tensor.detach().to(dtype).contiguous().numpy().astype("<f8" if dtype == torch.float64 else "<f4").tobytes()
        header[name] = {"dtype": code, "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def export(model, input_shape, prefix):
    with open(f"{prefix}.spec.json", "w") as f:
        json.dump(spec_of(model, input_shape), f, indent=1)
    with open(f"{prefix}.npy", "wb") as f:
        f.write(npy_bytes(model))
    with open(f"{prefix}.safetensors", "wb") as f:
        f.write(safetensors_bytes(model))


def fixture(directory):
    torch.set_default_dtype(torch.float64)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(2 * 4 * 4, 3))
    export(model, [1, 8, 8], f"{directory}/model")
    with open(f"{directory}/model-f32.npy", "wb") as f:
        f.write(npy_bytes(model, np.float32))
    with open(f"{directory}/model-f32.safetensors", "wb") as f:
        f.write(safetensors_bytes(model, torch.float32))
    x = torch.randn(5, 1, 8, 8)
    y = torch.tensor([0, 2, 1, 1, 0])
    loss = nn.functional.cross_entropy(model(x), y)
    grads = torch.autograd.grad(loss, list(model.parameters()))
    with open(f"{directory}/reference.json", "w") as f:
        json.dump({"inputs": x.flatten().tolist(), "targets": y.tolist(), "loss": loss.item(),
                   "gradient": torch.cat([g.flatten() for g in grads]).tolist()}, f)
    print(f"wrote {directory}/model.spec.json, .npy, .safetensors, -f32 variants and reference.json")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--fixture":
        fixture(sys.argv[2])
    else:
        sys.exit(__doc__)
