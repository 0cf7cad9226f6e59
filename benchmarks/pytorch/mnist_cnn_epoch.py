#!/usr/bin/env python3
"""The plaintext twin of `obscura mnist train --epochs 1`, in PyTorch: the same network (MnistCnn), the same
normalisation, batch, learning rate, momentum and weight decay, on the CPU with a fixed number of threads.

It times the training epoch alone (the data already in memory as tensors, no test pass), as `obscura mnist train`
reports its epoch, and then the test pass of 10,000 images, so that docs/PERFORMANCE.md can set the two side by
side in one session. Run it with Debian's python3-torch (1.13) or any later PyTorch:

    python3 benchmarks/pytorch/mnist_cnn_epoch.py --threads 2 --data ../shared/data/mnist
"""
import argparse
import gzip
import os
import struct
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

MEAN, STD = 0.1307, 0.3081


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, count = struct.unpack(">II", data[:8])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return torch.frombuffer(bytearray(data[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


def load(data_dir, split):
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(os.path.join(data_dir, prefix + "-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(data_dir, prefix + "-labels-idx1-ubyte.gz"))
    x = ((images.float() / 255.0 - MEAN) / STD).unsqueeze(1).contiguous()
    return x, labels.long()


class MnistCnn(nn.Module):
    """conv 1->16 5x5, ReLU, max-pool 2, conv 16->16 5x5, ReLU, max-pool 2, flatten (256), fc 256->100, ReLU,
    fc 100->10: 33,542 parameters, as dev.obscura.nn.models.MnistCnn."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 5)
        self.conv2 = nn.Conv2d(16, 16, 5)
        self.fc1 = nn.Linear(256, 100)
        self.fc2 = nn.Linear(100, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc2(F.relu(self.fc1(x)))


def main():
    default_data = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data", "mnist")
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=os.environ.get("OBSCURA_MNIST_DIR", default_data))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--weight-decay", type=float, default=5e-4)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    if not os.path.isfile(os.path.join(args.data, "train-images-idx3-ubyte.gz")):
        sys.exit("MNIST not found in %s: pass --data DIR (the four idx .gz files)" % args.data)

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x_train, y_train = load(args.data, "train")
    x_test, y_test = load(args.data, "test")
    model = MnistCnn()
    assert sum(t.numel() for t in model.parameters()) == 33542
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay)

    order = torch.randperm(x_train.shape[0])
    model.train()
    start = time.perf_counter()
    for i in range(0, x_train.shape[0], args.batch):
        idx = order[i:i + args.batch]
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x_train[idx]), y_train[idx])
        loss.backward()
        opt.step()
    train_s = time.perf_counter() - start

    model.eval()
    start = time.perf_counter()
    correct = 0
    with torch.no_grad():
        for i in range(0, x_test.shape[0], 1000):
            correct += (model(x_test[i:i + 1000]).argmax(1) == y_test[i:i + 1000]).sum().item()
    test_s = time.perf_counter() - start
    print("torch %s, %d threads, batch %d: training epoch %.2f s (%.0f images/s), test pass %.2f s, "
          "test accuracy %.2f%%" % (torch.__version__, args.threads, args.batch, train_s,
                                    x_train.shape[0] / train_s, test_s, 100.0 * correct / x_test.shape[0]))


if __name__ == "__main__":
    main()
