"""The same training runs in PyTorch, for the side-by-side table in the README.

Same data (the MNIST files in data/, pairs built as generate_pair_sets does), same
networks, batch sizes, epochs, optimisers and schedules as `host`:
  - Project 1 `convnet`: 70,906 parameters, Adam lr 1e-3 with cosine decay to 1/100,
    dropout 0.5 before the last layer, batch 50, 25 epochs, 1,000 pairs;
  - Project 2: 2-25-25-25-2 with tanh, MSE on one-hot targets, SGD momentum 0.9,
    lr 0.05 with cosine decay, batch 20, 250 epochs, 1,000 points.
Prints the training seconds per round (the training loop only) and the test error.

    python3 benches/pytorch_reference.py [--threads 1] [--rounds 3]

Not needed by the tests or CI.
"""
import argparse, gzip, math, struct, time
import torch
import torch.nn as nn
import torch.nn.functional as F


def load_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return torch.frombuffer(bytearray(data[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


def pair_sets(n, generator):
    def split(images, labels):
        images = F.avg_pool2d(images.float().unsqueeze(1), kernel_size=2)
        a = torch.randperm(images.size(0), generator=generator)[:2 * n].view(n, 2)
        x = torch.cat((images[a[:, 0]], images[a[:, 1]]), 1)
        classes = labels[a].long()
        return x, (classes[:, 0] <= classes[:, 1]).long()
    train = split(load_idx("data/train-images-idx3-ubyte.gz"), load_idx("data/train-labels-idx1-ubyte.gz"))
    test = split(load_idx("data/t10k-images-idx3-ubyte.gz"), load_idx("data/t10k-labels-idx1-ubyte.gz"))
    return train, test


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 32, 3)
        self.conv2 = nn.Conv2d(32, 64, 3)
        self.fc1 = nn.Linear(256, 200)
        self.fc2 = nn.Linear(200, 2)
        self.drop = nn.Dropout(0.5)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2(x), 2))
        x = F.relu(self.fc1(x.flatten(1)))
        return self.fc2(self.drop(x))


def cosine(lr, epoch, epochs):
    floor = lr / 100
    return floor + (lr - floor) * 0.5 * (1 + math.cos(math.pi * epoch / epochs))


def train(model, optimizer, x, y, loss_fn, lr, epochs, batch):
    start = time.perf_counter()
    for epoch in range(epochs):
        for group in optimizer.param_groups:
            group["lr"] = cosine(lr, epoch, epochs)
        order = torch.randperm(x.size(0))
        for b in range(0, x.size(0) - batch + 1, batch):
            idx = order[b:b + batch]
            optimizer.zero_grad()
            loss_fn(model(x[idx]), y[idx]).backward()
            optimizer.step()
    return time.perf_counter() - start


def error(model, x, y):
    model.eval()
    with torch.no_grad():
        return (model(x).argmax(1) != y).float().mean().item()


def project1(seed):
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    (x, y), (tx, ty) = pair_sets(1000, g)
    mean, std = x.mean(), x.std()
    x, tx = (x - mean) / std, (tx - mean) / std
    model = ConvNet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    seconds = train(model, opt, x, y, nn.CrossEntropyLoss(), 1e-3, 25, 50)
    return seconds, error(model, tx, ty)


def project2(seed):
    torch.manual_seed(seed)
    def disk(n):
        x = torch.rand(n, 2)
        return x, ((x - 0.5).pow(2).sum(1) < 1 / (2 * math.pi)).long()
    (x, y), (tx, ty) = disk(1000), disk(1000)
    mean, std = x.mean(0), x.std(0)
    x, tx = (x - mean) / std, (tx - mean) / std
    model = nn.Sequential(nn.Linear(2, 25), nn.Tanh(), nn.Linear(25, 25), nn.Tanh(),
                          nn.Linear(25, 25), nn.Tanh(), nn.Linear(25, 2))
    for m in model:
        if isinstance(m, nn.Linear):
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    onehot = F.one_hot(y, 2).float()
    seconds = train(model, opt, x, onehot, nn.MSELoss(), 0.05, 250, 20)
    return seconds, error(model, tx, ty)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"PyTorch {torch.__version__}, {args.threads} thread(s)")
    for name, run in [("convnet (p1)", project1), ("mlp-2-25-25-25-2 (p2)", project2)]:
        results = [run(seed) for seed in range(args.rounds)]
        secs = sum(r[0] for r in results) / len(results)
        err = sum(r[1] for r in results) / len(results)
        print(f"{name}: {secs:.3f} s per round of training, test error {100 * err:.2f}% ({args.rounds} rounds)")
