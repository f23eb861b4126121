"""Checks a host-written model in its PyTorch twin: strict load, same logits.

    cargo run -p host --release -- p1 --arch ARCH --rounds 1 --save m.safetensors
    cargo run -p host --release --example logits -- ARCH m.safetensors probe.safetensors
    python3 python/check_logits.py ARCH m.safetensors probe.safetensors

Needs torch and safetensors. Exits 1 if the largest difference of the logits is above
1e-4 (the host fuses multiply-adds and sums in its own order; PyTorch does not).
"""
import sys

import safetensors.torch
import torch

import models

arch, model_file, probe_file = sys.argv[1:4]
net = models.build(arch)
net.load_state_dict(safetensors.torch.load_file(model_file), strict=True)
net.eval()
probe = safetensors.torch.load_file(probe_file)
with torch.no_grad():
    logits = net(probe["pairs"])
difference = (logits - probe["logits"]).abs().max().item()
agree = (logits.reshape(len(logits), -1).argmax(1) == probe["logits"].reshape(len(logits), -1).argmax(1)).float().mean().item()
print(f"{arch}: strict load ok; largest logit difference {difference:.2e} over {tuple(logits.shape)}; argmax agrees on {100 * agree:.0f}%")
sys.exit(0 if difference <= 1e-4 else 1)
