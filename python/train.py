"""Trains a Project 1 architecture in PyTorch and saves it for the host and the device.

    python3 python/train.py siamese-aux pytorch.safetensors
    cargo run -p host --release -- p1 --arch siamese-aux --load pytorch.safetensors --save m.mdl

The pairs are the course's (`generate_pair_sets`: 2x2 average pooling of the raw MNIST
pixels, 1,000 training pairs drawn without repeating an image) from `data/`, drawn with
PyTorch's generator, so they are not the host's pairs; inputs are standardised with the
training pixels' mean and standard deviation, as on the host. Adam at the host's learning
rate for the architecture, 25 epochs, batches of 50, cross-entropy on the target plus, for
the architectures with the auxiliary loss, 3 x the digit cross-entropy of both images.
Needs torch and safetensors.
"""
import gzip
import pathlib
import sys

import safetensors.torch
import torch
from torch import nn

import models

DATA = pathlib.Path(__file__).resolve().parent.parent / "data"
LR = {"mlp": 1e-3, "convnet": 1e-3, "twin": 4e-3, "siamese": 4e-3, "tiny": 1.6e-2}
AUX = {"aux", "siamese-aux", "tiny", "bn", "deep", "skip", "bn-skip"}


def idx(name):
    raw = gzip.open(DATA / name).read()
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(raw[3])]
    return torch.frombuffer(bytearray(raw[4 + 4 * len(dims):]), dtype=torch.uint8).reshape(dims)


def pairs(split, n, generator):
    images = idx(f"{split}-images-idx3-ubyte.gz").float()
    labels = idx(f"{split}-labels-idx1-ubyte.gz").long()
    images = nn.functional.avg_pool2d(images.unsqueeze(1), 2).squeeze(1)
    order = torch.randperm(len(images), generator=generator)[: 2 * n].reshape(n, 2)
    classes = labels[order]
    return images[order], (classes[:, 0] <= classes[:, 1]).long(), classes


def main(arch, out):
    if arch == "best":
        sys.exit("best trains on the digits with shifted images: not in this example")
    generator = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    x, target, classes = pairs("train", 1000, generator)
    mean, std = x.mean(), x.std()
    x = (x - mean) / std
    net = models.build(arch)
    optimiser = torch.optim.Adam(net.parameters(), lr=LR.get(arch, 8e-3))
    digits = {}
    if arch in AUX:
        # The digit logits of both images: the output of the Siamese/Twin layer (index 0).
        net[0].register_forward_hook(lambda module, args, output: digits.update(out=output))
    for epoch in range(25):
        order = torch.randperm(1000, generator=generator)
        total = 0.0
        for batch in order.split(50):
            loss = nn.functional.cross_entropy(net(x[batch]), target[batch])
            if arch in AUX:
                digit_logits = digits["out"].reshape(-1, 10)
                loss = loss + 3 * nn.functional.cross_entropy(digit_logits, classes[batch].reshape(-1))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += loss.item()
        print(f"epoch {epoch + 1}: loss {total / 20:.4f}")
    safetensors.torch.save_file(net.state_dict(), out)
    print(f"saved {out}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
