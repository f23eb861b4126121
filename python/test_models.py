"""The host's safetensors files against `python/models.py`, with numpy and safetensors only
(no torch: it is too big for CI):

- for every architecture, the file's tensor names, shapes and dtypes are exactly
  `models.state_shapes(arch)` (what `build(arch).state_dict()` holds, so a strict load
  finds every key);
- every architecture of the host has its twin;
- one layer's values: the first convolution (or linear layer) of a model saved as
  safetensors equals, in PyTorch's layout, the same model saved in the core's device format
  (`.mdl`, the core's layout: conv `[ky][kx][in][out]`, linear `[in][out]`), transposed.

    cargo build --release -p host && python3 python/test_models.py
"""
import pathlib
import struct
import subprocess
import sys
import tempfile

import numpy as np
from safetensors.numpy import load_file

import models

ROOT = pathlib.Path(__file__).resolve().parent.parent
HOST = ROOT / "target" / "release" / "host"


def save(arch, path):
    """One round, one epoch of `arch` on the host, its model saved to `path`."""
    subprocess.run(
        [HOST, "p1", "--arch", arch, "--rounds", "1", "--epochs", "1", "--threads", "1",
         "--quiet", "--out", str(path.parent / "out"), "--save", str(path)],
        check=True, stdout=subprocess.DEVNULL,
    )


def mdl_tensors(path):
    """The tensors of a core model file (`core/src/io/model_file.rs`), flat, in order."""
    raw = pathlib.Path(path).read_bytes()
    assert raw[:4] == b"mdl1", "magic"
    count = struct.unpack_from("<H", raw, 6)[0]
    lengths = struct.unpack_from(f"<{count}I", raw, 12)
    values = np.frombuffer(raw, dtype="<f4", count=sum(lengths), offset=12 + 4 * count)
    return np.split(values, np.cumsum(lengths)[:-1])


def host_architectures():
    """Every name `host p1 --arch` accepts, from its error message for an unknown one."""
    run = subprocess.run([HOST, "p1", "--arch", "?"], capture_output=True, text=True)
    known = run.stderr.split("(known: ")[1].split(")")[0]
    return known.split(", ")


def main():
    failures = 0
    if sorted(host_architectures()) != sorted(models.SPECS):
        failures += 1
        print(f"FAIL the host's architectures {host_architectures()} are not models.py's {list(models.SPECS)}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        for arch in models.SPECS:
            file = tmp / f"{arch}.safetensors"
            save(arch, file)
            tensors = load_file(file)
            got = {name: tuple(t.shape) for name, t in tensors.items()}
            want = models.state_shapes(arch)
            ok = got == want and all(
                t.dtype == (np.int64 if name.endswith("num_batches_tracked") else np.float32)
                for name, t in tensors.items()
            )
            if not ok:
                failures += 1
                print(f"FAIL {arch}: names/shapes differ: only in file "
                      f"{sorted(set(got) - set(want))}, only in models.py "
                      f"{sorted(set(want) - set(got))}, shapes "
                      f"{[(n, got[n], want[n]) for n in got if n in want and got[n] != want[n]]}")
                continue
            print(f"ok   {arch}: {len(want)} tensors, names and shapes as models.py")
            if arch in ("mlp", "convnet", "siamese-aux", "bn-skip"):
                device = tmp / f"{arch}.mdl"
                save(arch, device)
                first = next(iter(want))  # the first parameter: a conv or linear weight
                core = mdl_tensors(device)[0]
                torch_layout = tensors[first]
                if torch_layout.ndim == 4:  # core [ky][kx][in][out] -> [out][in][ky][kx]
                    o, i, k, _ = torch_layout.shape
                    expected = core.reshape(k, k, i, o).transpose(3, 2, 0, 1)
                else:  # core [in][out] -> [out][in]
                    o, i = torch_layout.shape
                    expected = core.reshape(i, o).T
                if np.array_equal(expected, torch_layout):
                    print(f"ok   {arch}: {first} equals the device file's first tensor, transposed")
                else:
                    failures += 1
                    print(f"FAIL {arch}: {first} is not the device file's first tensor in PyTorch's layout")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
