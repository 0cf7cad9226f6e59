#!/usr/bin/env python3
"""One epoch of plaintext MnistCnn training in PyTorch: the twin of `./obscura mnist train --epochs 1`.

The same network as dev.obscura.nn.models.MnistCnn (conv 1->16 5x5, ReLU, max-pool 2, conv 16->16 5x5, ReLU,
max-pool 2, flatten, linear 256->100, ReLU, linear 100->10), the same data (the MNIST IDX files, pixels normalised
as (p / 255 - 0.1307) / 0.3081), the same optimiser and defaults (softmax cross-entropy, SGD lr 0.05, momentum 0.9,
weight decay 5e-4, batch 64, a shuffled order per epoch), on the CPU with --threads threads (2 by default, the
machine's cores). Prints the training time of the epoch, as the "train time" column of `obscura mnist train`
does, then the test pass. Run both on the same quiet machine, one after the other:

    /usr/bin/python3 benchmarks/torch/mnist_train_epoch.py --threads 2
    ./obscura mnist train --epochs 1

Needs only PyTorch (Debian's python3-torch is 1.13); no torchvision.
"""
import argparse
import gzip
import os
import struct
import sys
import time


def parse_args():
    here = os.path.dirname(os.path.abspath(__file__))
    default_data = os.path.normpath(os.path.join(here, "..", "..", "..", "shared", "data", "mnist"))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=default_data, help="directory of the four MNIST .gz files (default: %(default)s)")
    p.add_argument("--threads", type=int, default=2, help="CPU threads (default: %(default)s)")
    p.add_argument("--epochs", type=int, default=1, help="epochs (default: %(default)s)")
    p.add_argument("--batch", type=int, default=64, help="images per step (default: %(default)s)")
    p.add_argument("--lr", type=float, default=0.05, help="learning rate (default: %(default)s)")
    p.add_argument("--momentum", type=float, default=0.9, help="SGD momentum (default: %(default)s)")
    p.add_argument("--weight-decay", type=float, default=5e-4, help="L2 weight decay (default: %(default)s)")
    p.add_argument("--seed", type=int, default=42, help="seed of the weights and the shuffling (default: %(default)s)")
    p.add_argument("--limit", type=int, default=60000, help="train on the first N images (default: %(default)s)")
    return p.parse_args()


ARGS = parse_args()
# Debian's torch runs its GEMMs on OpenBLAS, which reads its own thread count rather than torch.set_num_threads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", str(ARGS.threads))
os.environ.setdefault("OMP_NUM_THREADS", str(ARGS.threads))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, count = struct.unpack(">II", data[:8])
    if magic == 2051:
        rows, cols = struct.unpack(">II", data[8:16])
        return torch.frombuffer(bytearray(data[16:]), dtype=torch.uint8).reshape(count, 1, rows, cols)
    if magic == 2049:
        return torch.frombuffer(bytearray(data[8:]), dtype=torch.uint8).to(torch.int64)
    sys.exit(f"{path}: not an MNIST IDX file, magic={magic}")


def load(split):
    images = read_idx(os.path.join(ARGS.data, f"{split}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(ARGS.data, f"{split}-labels-idx1-ubyte.gz"))
    return (images.float() / 255.0 - 0.1307) / 0.3081, labels


class MnistCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 5)  # 28 -> 24
        self.conv2 = nn.Conv2d(16, 16, 5)  # 12 -> 8
        self.fc1 = nn.Linear(256, 100)
        self.fc2 = nn.Linear(100, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(torch.flatten(x, 1)))
        return self.fc2(x)


def main():
    torch.set_num_threads(ARGS.threads)
    torch.manual_seed(ARGS.seed)
    train_x, train_y = load("train")
    test_x, test_y = load("t10k")
    train_x, train_y = train_x[:ARGS.limit], train_y[:ARGS.limit]
    model = MnistCnn()
    opt = torch.optim.SGD(model.parameters(), lr=ARGS.lr, momentum=ARGS.momentum, weight_decay=ARGS.weight_decay)
    n = train_x.shape[0]
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads, {n} training images, batch {ARGS.batch}")
    for epoch in range(1, ARGS.epochs + 1):
        order = torch.randperm(n)
        model.train()
        loss_sum = 0.0
        correct = 0
        wall0, cpu0 = time.perf_counter(), time.process_time()
        for start in range(0, n, ARGS.batch):
            idx = order[start:start + ARGS.batch]
            x, y = train_x[idx], train_y[idx]
            opt.zero_grad()
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(idx)
            correct += (logits.argmax(1) == y).sum().item()
        train_wall, train_cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        model.eval()
        wall0 = time.perf_counter()
        with torch.no_grad():
            test_correct = sum((model(test_x[s:s + 1000]).argmax(1) == test_y[s:s + 1000]).sum().item()
                               for s in range(0, test_x.shape[0], 1000))
        test_wall = time.perf_counter() - wall0
        print(f"epoch {epoch}: train loss {loss_sum / n:.4f}, train accuracy {100.0 * correct / n:.2f}%, "
              f"test accuracy {100.0 * test_correct / test_x.shape[0]:.2f}%")
        print(f"epoch {epoch}: train time {train_wall:.1f} s ({n / train_wall:.1f} images/s, "
              f"{train_cpu:.1f} s CPU in all threads), test time {test_wall:.1f} s")


if __name__ == "__main__":
    main()
