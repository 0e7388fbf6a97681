#!/usr/bin/env python3
"""A contrastream encoder in PyTorch: rebuilds the network of an encoder.safetensors and embeds images.

    python3 python/contrastream_torch.py ~/.local/state/contrastream/models/moco-v2/v3
    python3 python/contrastream_torch.py v3/encoder.safetensors --images x.npy --out h.npy
    python3 python/contrastream_torch.py cpc/v3 --images wave.npy --out c.npy      # CPC: one 16 kHz wave -> T' x H

    import contrastream_torch as ct
    model, meta = ct.load("v3/encoder.safetensors")   # an nn.Module in eval mode, and the __metadata__
    h = model(torch.from_numpy(x))                      # x: N x C x H x W float32, preprocessed as meta says

The modules mirror the Java ones layer for layer (model/.../encoder/Encoders.java, VisionTransformer.java,
TransformerBlock.java and the DJL blocks they use), so their state_dict keys are the tensor names the
model store writes: a ResNet is an nn.Sequential (conv, batch norm, ReLU[, max-pool], basic blocks,
global average pooling) whose basic block is a residual pair (main path, shortcut) followed by a ReLU;
the ViT has the [CLS] token, position embeddings, the patch projection, pre-norm blocks and a final
LayerNorm. Batch and layer norm use eps 1e-5 (DJL's default), GELU is the exact (erf) one. CPC's
encoder (encoder/audio/CpcEncoder.java) is g_enc, unpadded strided Conv1d + ReLU layers, then g_ar, a
batch-first GRU; its W_k predictors are the tensors under "1.".
Needs numpy and torch only: the safetensors file is parsed here (an 8-byte little-endian header length,
a JSON header, then little-endian data). CMC (several view encoders) is not rebuilt.
"""
import argparse
import json
import math
import os
import struct
import sys

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

EPS = 1e-5  # DJL's BatchNorm and LayerNorm default


def read_safetensors(path):
    """The tensors (name -> float32 torch.Tensor) and the __metadata__ (str -> str) of a safetensors file."""
    with open(path, "rb") as f:
        raw = f.read()
    (header_len,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + header_len].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    data = raw[8 + header_len:]
    tensors = {}
    for name, t in header.items():
        if t["dtype"] != "F32":
            raise ValueError("%s: dtype %s, only F32 is read" % (name, t["dtype"]))
        begin, end = t["data_offsets"]
        count = (end - begin) // 4
        # copy: frombuffer's array is read-only and torch wants to own its memory
        values = np.frombuffer(data, dtype="<f4", count=count, offset=begin).astype(np.float32).reshape(t["shape"])
        tensors[name] = torch.from_numpy(values.copy())
    return tensors, meta


def conv(cin, cout, kernel, stride):
    """Encoders.conv: a square kernel, padding kernel // 2, no bias."""
    return nn.Conv2d(cin, cout, kernel, stride=stride, padding=kernel // 2, bias=False)


def bn(channels):
    return nn.BatchNorm2d(channels, eps=EPS)


class Residual(nn.Module):
    """DJL's ParallelBlock of (main path, shortcut), joined by addition; children named 0 and 1 as there."""

    def __init__(self, main, shortcut):
        super().__init__()
        self.add_module("0", main)
        self.add_module("1", shortcut)

    def forward(self, x):
        return self._modules["0"](x) + self._modules["1"](x)


def basic_block(cin, cout, stride):
    """conv3x3-BN-ReLU-conv3x3-BN plus the shortcut (identity, or 1x1 conv-BN where the shape changes), then ReLU."""
    main = nn.Sequential(conv(cin, cout, 3, stride), bn(cout), nn.ReLU(), conv(cout, cout, 3, 1), bn(cout))
    shortcut = nn.Identity() if cin == cout and stride == 1 else nn.Sequential(conv(cin, cout, 1, stride), bn(cout))
    return nn.Sequential(Residual(main, shortcut), nn.ReLU())


class GlobalAvgPool(nn.Module):
    def forward(self, x):
        return F.adaptive_avg_pool2d(x, 1).flatten(1)  # N x C x H x W -> N x C


# EncoderConfig's presets: stem width, stage widths, blocks per stage, first stride of each stage
RESNETS = {
    "resnet-small": (16, [32, 64, 128], [1, 1, 1], [2, 2, 2]),
    "resnet18": (64, [64, 128, 256, 512], [2, 2, 2, 2], [1, 2, 2, 2]),
}


def resnet(arch, in_channels):
    stem, widths, blocks, strides = RESNETS[arch]
    if arch == "resnet18":  # 7x7 stride-2 stem and a 3x3 stride-2 max-pool
        layers = [conv(in_channels, stem, 7, 2), bn(stem), nn.ReLU(), nn.MaxPool2d(3, 2, 1)]
    else:  # 3x3 stem at full resolution
        layers = [conv(in_channels, stem, 3, 1), bn(stem), nn.ReLU()]
    cin = stem
    for width, count, stride in zip(widths, blocks, strides):
        for b in range(count):
            layers.append(basic_block(cin, width, stride if b == 0 else 1))
            cin = width
    layers.append(GlobalAvgPool())
    return nn.Sequential(*layers)


class TransformerBlock(nn.Module):
    """Pre-norm: x + proj(attention(norm1(x))), then x + fc2(gelu(fc1(norm2(x))))."""

    def __init__(self, width, heads, mlp_ratio):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(width, eps=EPS)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.norm2 = nn.LayerNorm(width, eps=EPS)
        self.fc1 = nn.Linear(width, mlp_ratio * width)
        self.fc2 = nn.Linear(mlp_ratio * width, width)

    def attention(self, x):
        n, t, w = x.shape
        d_head = w // self.heads
        qkv = self.qkv(x).reshape(n, t, 3, self.heads, d_head).permute(2, 0, 3, 1, 4)  # 3 x N x heads x T x d
        q, k, v = qkv[0], qkv[1], qkv[2]
        scores = (q @ k.transpose(-1, -2)) * torch.tensor(1.0 / math.sqrt(d_head), dtype=torch.float32)
        return (scores.softmax(-1) @ v).transpose(1, 2).reshape(n, t, w)  # N x T x W

    def forward(self, x):
        x = x + self.proj(self.attention(self.norm1(x)))
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


class VisionTransformer(nn.Module):
    """Patch projection, [CLS] prepended, position embeddings added, blocks, final LayerNorm; h is [CLS]."""

    def __init__(self, in_channels, input_size, patch=None, width=128, depth=4, heads=4, mlp_ratio=2):
        super().__init__()
        self.patch_size = patch or (7 if input_size % 7 == 0 else 8)  # EncoderConfig.vitTiny
        grid = input_size // self.patch_size
        self.cls = nn.Parameter(torch.zeros(1, 1, width))
        self.pos = nn.Parameter(torch.zeros(1, grid * grid + 1, width))
        self.patch = nn.Conv2d(in_channels, width, self.patch_size, stride=self.patch_size)
        self.depth = depth
        for i in range(depth):
            self.add_module("block%d" % i, TransformerBlock(width, heads, mlp_ratio))
        self.norm = nn.LayerNorm(width, eps=EPS)

    def forward(self, x):
        p = self.patch(x)  # N x W x g x g
        n, w = p.shape[0], p.shape[1]
        if self.pos.shape[1] != p.shape[2] * p.shape[3] + 1:
            raise ValueError("input side %d: only the trained side is supported here" % x.shape[2])
        tokens = torch.cat([self.cls.expand(n, 1, w), p.reshape(n, w, -1).transpose(1, 2)], 1) + self.pos
        for i in range(self.depth):
            tokens = self._modules["block%d" % i](tokens)
        return self.norm(tokens)[:, 0, :]  # N x W


class CpcEncoder(nn.Module):
    """g_enc then g_ar: a wave N x 1 x T gives z (N x C x T') and the contexts c (N x T' x H)."""

    def __init__(self, channels, gru, kernels, strides, steps):
        super().__init__()
        layers, cin = [], 1
        for k, s in zip(kernels, strides):
            layers += [nn.Conv1d(cin, channels, k, stride=s), nn.ReLU()]
            cin = channels
        self.genc = nn.Sequential(*layers)
        self.gar = nn.GRU(channels, gru, num_layers=1, batch_first=True)
        self.add_module("1", nn.Linear(gru, steps * channels, bias=False))  # W_1..W_K stacked: row k*C + i

    def forward(self, wave):
        z = self.genc(wave)
        c, _ = self.gar(z.transpose(1, 2))
        return z, c


def build(meta):
    """The network the metadata names (architecture, input_channels, input_size), at zero weights."""
    if meta.get("views"):
        raise NotImplementedError("CMC's view encoders (%s) are not rebuilt by this module" % meta["views"])
    arch = meta["architecture"]
    if arch == "cpc-encoder":
        ints = lambda key: [int(v) for v in meta[key].split(",")]
        return CpcEncoder(int(meta["cpc_channels"]), int(meta["embedding_dim"]), ints("kernels"), ints("strides"),
                          int(meta["cpc_steps"]))
    channels, size = int(meta["input_channels"]), int(meta["input_size"])
    if arch in RESNETS:
        return resnet(arch, channels)
    if arch in ("vit-tiny", "vit-tiny-frozen"):
        return VisionTransformer(channels, size)
    raise ValueError("unknown architecture " + arch)


def load(path):
    """The encoder of an encoder.safetensors (or a model-store version folder holding one), in eval mode."""
    if os.path.isdir(path):
        path = os.path.join(path, "encoder.safetensors")
    tensors, meta = read_safetensors(path)
    model = build(meta)
    missing, unexpected = model.load_state_dict(tensors, strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]  # DJL keeps no such counter
    if missing or unexpected:
        raise ValueError("%s does not fit %s: missing %s, unexpected %s" % (path, meta["architecture"], missing,
                                                                           unexpected))
    return model.eval(), meta


def embed(model, images):
    """h of a float32 array N x C x H x W, inference mode: N x D (compare with cosine similarity)."""
    with torch.no_grad():
        return model(torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32))).numpy()


def context(model, wave):
    """CPC's contexts c_t of one 16 kHz mono wave (T samples in [-1, 1]): T' x H."""
    with torch.no_grad():
        x = torch.from_numpy(np.ascontiguousarray(wave, dtype=np.float32)).reshape(1, 1, -1)
        return model(x)[1][0].numpy()


def main(argv):
    ap = argparse.ArgumentParser(description="Load a contrastream encoder in PyTorch and embed images.")
    ap.add_argument("model", help="encoder.safetensors, or a model-store version folder (<store>/<model-id>/v<N>)")
    ap.add_argument("--images", help="N x C x H x W float32 images (CPC: one wave of float32 samples): .npy, or raw"
                    " little-endian float32")
    ap.add_argument("--out", help="where h goes: .npy, or raw little-endian float32 (default: print a summary)")
    args = ap.parse_args(argv)
    model, meta = load(args.model)
    params = sum(t.numel() for t in model.state_dict().values() if t.dtype == torch.float32)
    cpc = meta["architecture"] == "cpc-encoder"
    shape = ("windows of %s samples" if cpc else "%sx%sx%s") % (
        (meta["input_size"],) if cpc else (meta["input_channels"], meta["input_size"], meta["input_size"]))
    print("encoder: %s %s, input %s, h %s-d, %d weights; %s" % (
        meta.get("method"), meta["architecture"], shape, meta.get("embedding_dim"), params,
        ", ".join("%s=%s" % kv for kv in sorted(meta.items()))))
    if args.images is None:
        return 0
    c, s = int(meta["input_channels"]), int(meta["input_size"])
    if args.images.endswith(".npy"):
        x = np.load(args.images).astype(np.float32)
    else:
        x = np.fromfile(args.images, dtype="<f4")
        x = x if cpc else x.reshape(-1, c, s, s)
    h = context(model, x) if cpc else embed(model, x)
    if args.out is None:
        print("h: %s, first row %s" % (h.shape, np.array2string(h[0][:8], precision=4)))
    elif args.out.endswith(".npy"):
        np.save(args.out, h)
    else:
        h.astype("<f4").tofile(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
