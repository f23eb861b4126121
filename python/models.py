"""The PyTorch twin of every Project 1 architecture of the host (`host/src/p1/registry.rs`).

`build(arch)` returns a `torch.nn.Module` whose `state_dict()` has exactly the names and
shapes of the `.safetensors` files the host writes (`host p1 --arch ARCH --save m.safetensors`)
and whose forward gives the host's logits:

    import safetensors.torch, models
    net = models.build("siamese-aux")
    net.load_state_dict(safetensors.torch.load_file("m.safetensors"), strict=True)
    net.eval()
    logits = net(pairs)   # pairs: (B, 2, 14, 14), standardised as the host does

A model trained here and saved with `safetensors.torch.save_file(net.state_dict(), FILE)`
runs on the host (`host p1 --arch ARCH --load FILE`) and converts for the device
(`... --save m.mdl`).

Inputs: a batch of pairs `(B, 2, 14, 14)`, each pixel standardised with the mean and
standard deviation of all pixels of the training pairs (the host's `PixelStandardise`).
Outputs: the network's logits, `(B, 2)` for the target (first digit <= second), except for
`best`, whose network outputs the digit logits of both images, `(B, 2, 10)` (the host then
compares the two digit distributions).

The networks are described once, in `SPECS`, as nested lists of layers in the order of the
core's `Seq!` chains; `build` makes modules of them and `state_shapes` lists the state dict
without importing torch (the CI test needs only numpy and safetensors). Names follow
`nn.Sequential`: layers numbered in order, parameterless ones included; `Siamese` holds
`net`, `Twin` `first` and `second`, `Residual` `branch` (the core's `io::names`).

The core keeps images channels-last; `FlattenNHWC` flattens in that order so that linear
layers after it take the core's weights unchanged.
"""

# Layers: ("conv", in, out, kernel, padding), ("linear", in, out), ("bn2d", channels),
# ("bn1d", features), ("relu",), ("pool",) (2x2 max), ("flatten",) (channels-last),
# ("pairs",) ((B, 2, 10) -> (B, 20)), ("dropout",) (p = 0.5), ("identity",); networks:
# ("siamese", layers), ("twin", layers, layers), ("residual", layers); and ("seq", layers),
# a chain spliced into the one around it (the core's Seq inside a Seq).


def _handout(channels_in, outputs):
    """The handout's convnet layers: conv 3x3 -> 32, pool, ReLU, conv 3x3 32 -> 64, pool,
    ReLU, linear 256 -> 200, ReLU, dropout, linear 200 -> outputs."""
    return [
        ("conv", channels_in, 32, 3, 0), ("pool",), ("relu",),
        ("conv", 32, 64, 3, 0), ("pool",), ("relu",),
        ("flatten",), ("linear", 256, 200), ("relu",), ("dropout",), ("linear", 200, outputs),
    ]


def _digit_with(norm1, block, norm2, norm3):
    """The digit network with the four slots of the batch-norm and skip variants."""
    return [
        ("conv", 1, 32, 3, 0), norm1, ("pool",), ("relu",), block,
        ("conv", 32, 64, 3, 0), norm2, ("pool",), ("relu",),
        ("flatten",), ("linear", 256, 200), norm3, ("relu",), ("dropout",), ("linear", 200, 10),
    ]


_HEAD = [("pairs",), ("linear", 20, 60), ("relu",), ("linear", 60, 2)]
_DIGIT = _handout(1, 10)
_EXTRA = [("conv", 32, 32, 3, 1), ("relu",)]
_EXTRA_BN = [("conv", 32, 32, 3, 1), ("bn2d", 32), ("relu",)]
_SAME = ("identity",)
_TINY_DIGIT = [
    ("conv", 1, 8, 3, 0), ("pool",), ("relu",),
    ("conv", 8, 16, 3, 0), ("pool",), ("relu",),
    ("flatten",), ("linear", 64, 32), ("relu",), ("linear", 32, 10),
]
_BEST_DIGIT = [
    ("conv", 1, 32, 3, 1), ("bn2d", 32), ("pool",), ("relu",),
    ("conv", 32, 64, 3, 1), ("bn2d", 64), ("pool",), ("relu",),
    ("flatten",), ("linear", 576, 128), ("bn1d", 128), ("relu",), ("dropout",),
    ("linear", 128, 10),
]

SPECS = {
    "mlp": [("linear", 392, 160), ("relu",), ("linear", 160, 50), ("relu",), ("linear", 50, 2)],
    "convnet": _handout(2, 2),
    "twin": [("twin", _DIGIT, _DIGIT)] + _HEAD,
    "siamese": [("siamese", _DIGIT)] + _HEAD,
    "aux": [("twin", _DIGIT, _DIGIT)] + _HEAD,
    "siamese-aux": [("siamese", _DIGIT)] + _HEAD,
    "tiny": [("siamese", _TINY_DIGIT)] + _HEAD,
    "best": [("siamese", _BEST_DIGIT)],
    "bn": [("siamese", _digit_with(("bn2d", 32), _SAME, ("bn2d", 64), ("bn1d", 200)))] + _HEAD,
    "deep": [("siamese", _digit_with(_SAME, ("seq", _EXTRA), _SAME, _SAME))] + _HEAD,
    "skip": [("siamese", _digit_with(_SAME, ("residual", _EXTRA), _SAME, _SAME))] + _HEAD,
    "bn-skip": [
        ("siamese", _digit_with(("bn2d", 32), ("residual", _EXTRA_BN), ("bn2d", 64), ("bn1d", 200)))
    ] + _HEAD,
}


def _tensors(layer):
    """(suffix, shape) of every state-dict entry of one leaf layer."""
    kind = layer[0]
    if kind == "conv":
        _, cin, cout, k, _ = layer
        return [("weight", (cout, cin, k, k)), ("bias", (cout,))]
    if kind == "linear":
        _, fin, fout = layer
        return [("weight", (fout, fin)), ("bias", (fout,))]
    if kind in ("bn2d", "bn1d"):
        c = layer[1]
        return [("weight", (c,)), ("bias", (c,)), ("running_mean", (c,)),
                ("running_var", (c,)), ("num_batches_tracked", ())]
    return []


def _flat(layers):
    """A chain as nn.Sequential sees it: a nested ("seq", ...) chain is spliced in, as the
    core's Seq of Seqs is one flat chain."""
    out = []
    for layer in layers:
        if layer[0] == "seq":
            out.extend(_flat(layer[1]))
        else:
            out.append(layer)
    return out


def state_shapes(arch):
    """{state-dict name: shape} of `build(arch)`, without torch."""
    shapes = {}

    def walk(prefix, layers):
        for i, layer in enumerate(_flat(layers)):
            name = f"{prefix}{i}"
            if layer[0] == "siamese":
                walk(f"{name}.net.", layer[1])
            elif layer[0] == "twin":
                walk(f"{name}.first.", layer[1])
                walk(f"{name}.second.", layer[2])
            elif layer[0] == "residual":
                walk(f"{name}.branch.", layer[1])
            else:
                for suffix, shape in _tensors(layer):
                    shapes[f"{name}.{suffix}"] = shape

    walk("", SPECS[arch])
    return shapes


def build(arch):
    """The PyTorch twin of the host's architecture `arch` (a name of `SPECS`)."""
    import torch
    from torch import nn

    class FlattenNHWC(nn.Module):
        """(B, C, H, W) flattened in the core's channels-last order."""

        def forward(self, x):
            return x.permute(0, 2, 3, 1).flatten(1)

    class Siamese(nn.Module):
        """One network on both images of every pair: (B, 2, 14, 14) -> (B, 2, out)."""

        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, x):
            b = x.shape[0]
            return self.net(x.reshape(2 * b, 1, *x.shape[2:])).reshape(b, 2, -1)

    class Twin(nn.Module):
        """A network per image: (B, 2, 14, 14) -> (B, 2, out)."""

        def __init__(self, first, second):
            super().__init__()
            self.first = first
            self.second = second

        def forward(self, x):
            return torch.stack([self.first(x[:, 0:1]), self.second(x[:, 1:2])], dim=1)

    class Residual(nn.Module):
        """y = x + branch(x)."""

        def __init__(self, branch):
            super().__init__()
            self.branch = branch

        def forward(self, x):
            return x + self.branch(x)

    def make(layer):
        kind = layer[0]
        if kind == "conv":
            _, cin, cout, k, pad = layer
            return nn.Conv2d(cin, cout, k, padding=pad)
        if kind == "linear":
            return nn.Linear(layer[1], layer[2])
        if kind == "bn2d":
            return nn.BatchNorm2d(layer[1], eps=1e-5, momentum=0.1)
        if kind == "bn1d":
            return nn.BatchNorm1d(layer[1], eps=1e-5, momentum=0.1)
        if kind == "relu":
            return nn.ReLU()
        if kind == "pool":
            return nn.MaxPool2d(2)
        if kind == "flatten":
            return FlattenNHWC()
        if kind == "pairs":
            return nn.Flatten(1)
        if kind == "dropout":
            return nn.Dropout(0.5)
        if kind == "identity":
            return nn.Identity()
        if kind == "siamese":
            return Siamese(chain(layer[1]))
        if kind == "twin":
            return Twin(chain(layer[1]), chain(layer[2]))
        if kind == "residual":
            return Residual(chain(layer[1]))
        raise ValueError(f"unknown layer {layer!r}")

    def chain(layers):
        return nn.Sequential(*[make(layer) for layer in _flat(layers)])

    class Pairs(nn.Sequential):
        """The whole network: takes (B, 2, 14, 14); a network starting with a linear layer
        (`mlp`) reads each pair's 392 pixels in that order, as the core's input does."""

        def forward(self, x):
            if isinstance(self[0], nn.Linear):
                x = x.flatten(1)
            return super().forward(x)

    if arch not in SPECS:
        raise ValueError(f"unknown architecture {arch!r} (known: {', '.join(SPECS)})")
    return Pairs(*[make(layer) for layer in _flat(SPECS[arch])])
