#!/usr/bin/python3
"""The character CNN of the practical (NETWORKS.md §4.3.3) trained in PyTorch on the CPU with one
thread: the peer of bench/train.bench.ts. One step = forward, loss, backward, SGD update, on a
batch of 100 32x32x1 images, with the same layers and update rule as cnnTrain's defaults:
nn.Conv2d / nn.MaxPool2d / nn.ReLU, F.cross_entropy(reduction='sum') / 100 (beta25's summed loss
divided by the batch size), SGD(lr=0.001, momentum=0.9, weight_decay=5e-4).

Run with Debian's python3-torch:  /usr/bin/python3 bench/train_torch.py [steps]
Prints a JSON line {"msPerBatch": ..., "imagesPerSecond": ...} after a human-readable line.
"""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def main() -> None:
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    torch.set_num_threads(1)
    torch.manual_seed(0)
    f = 1 / 100
    net = nn.Sequential(
        nn.Conv2d(1, 20, 5), nn.MaxPool2d(2, 2),
        nn.Conv2d(20, 50, 5), nn.MaxPool2d(2, 2),
        nn.Conv2d(50, 500, 4), nn.ReLU(),
        nn.Conv2d(500, 26, 2),
    )
    with torch.no_grad():
        for m in net:
            if isinstance(m, nn.Conv2d):
                m.weight.normal_(0, 1).mul_(f)
                m.bias.zero_()
    opt = torch.optim.SGD(net.parameters(), lr=0.001, momentum=0.9, weight_decay=5e-4)
    x = torch.randn(100, 1, 32, 32)
    labels = torch.randint(0, 26, (100,))

    def step() -> None:
        opt.zero_grad()
        y = net(x).reshape(100, 26)
        loss = F.cross_entropy(y, labels, reduction='sum') / 100
        loss.backward()
        opt.step()

    for _ in range(5):
        step()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    times.sort()
    ms = 1000 * times[len(times) // 2]
    print(f'torch {torch.__version__}, 1 thread: {ms:.1f} ms per batch of 100 = {100 / ms * 1000:.0f} images/s (median of {steps})')
    print(json.dumps({'msPerBatch': ms, 'imagesPerSecond': 100 / ms * 1000, 'torch': torch.__version__}))


if __name__ == '__main__':
    main()
