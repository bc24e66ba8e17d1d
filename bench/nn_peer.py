#!/usr/bin/python3
"""PyTorch peer of bench/nn.sh: one training epoch at batch 64 over the same feature matrix.

usage: nn_peer.py PREFIX [RUNS]
  PREFIX.X.f32 (n x d float32, row-major) and PREFIX.y.i64 are written by nn_bench
  (d is read from the file size; the study's pipeline gives about 34 features).
Prints, per network (d -> 16 -> 6 and d -> 16 -> 16 -> 16 -> 8 -> 6):
  plain LAYERS SECONDS       a plain loop slicing tensors with a shuffled index (best of RUNS)
  plain1 LAYERS SECONDS      the same with torch.set_num_threads(1) (less hurt by a busy machine)
  dataloader LAYERS SECONDS  the study's loop: DataLoader(TensorDataset, batch 64, shuffle)
torch.set_num_threads(2); Adam(lr 0.001), CrossEntropyLoss, zero_grad/backward/step per batch.
"""
import sys, time
import numpy as np
import torch

prefix = sys.argv[1]
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 2
torch.set_num_threads(2)
torch.manual_seed(0)
y = torch.from_numpy(np.fromfile(prefix + ".y.i64", dtype=np.int64))
X = torch.from_numpy(np.fromfile(prefix + ".X.f32", dtype=np.float32).reshape(len(y), -1))
print("peer rows %d features %d torch %s threads %d" % (len(y), X.shape[1], torch.__version__, torch.get_num_threads()))
n, d = X.shape


def make(layers):
    mods, prev = [], d
    for h in layers:
        mods += [torch.nn.Linear(prev, h), torch.nn.ReLU()]
        prev = h
    mods.append(torch.nn.Linear(prev, 6))
    return torch.nn.Sequential(*mods)


def step(net, opt, lossf, xb, yb):
    opt.zero_grad()
    loss = lossf(net(xb), yb)
    loss.backward()
    opt.step()


def plain(layers, runs):
    best = 1e30
    for r in range(runs):
        net = make(layers)
        opt = torch.optim.Adam(net.parameters(), lr=0.001)
        lossf = torch.nn.CrossEntropyLoss()
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        for s in range(0, n, 64):
            idx = perm[s:s + 64]
            step(net, opt, lossf, X[idx], y[idx])
        best = min(best, time.perf_counter() - t0)
    return best


for layers in ([16], [16, 16, 16, 8]):
    name = ",".join(map(str, layers))
    torch.set_num_threads(1)
    print("plain1 %s %.4f" % (name, plain(layers, runs)), flush=True)
    torch.set_num_threads(2)
    print("plain %s %.4f" % (name, plain(layers, runs)), flush=True)
    net = make(layers)
    opt = torch.optim.Adam(net.parameters(), lr=0.001)
    lossf = torch.nn.CrossEntropyLoss()
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=64, shuffle=True)
    t0 = time.perf_counter()
    for xb, yb in loader:
        step(net, opt, lossf, xb, yb)
    print("dataloader %s %.4f" % (name, time.perf_counter() - t0), flush=True)
