#!/usr/bin/python3
"""Makes tests/data/nn_fixture.txt: PyTorch's answers for the unit test of the "nn" learner.

usage: /usr/bin/python3 tests/data/make_nn_fixture.py > tests/data/nn_fixture.txt
(Debian's python3-torch; deterministic: fixed seeds, weights set explicitly, float64.)

A tiny network 5 -> 4 -> 3 -> 3 (ReLU, nn.Sequential like the study's), one batch of 7 rows
(not a multiple of 8, so the C kernels' padding lanes are exercised):
  logits    forward pass
  loss      nn.CrossEntropyLoss() (mean)           grad  its gradient, every parameter
  loss_w    nn.CrossEntropyLoss(weight=classw)     grad_w
  adam1..3  parameters after 1, 2, 3 torch.optim.Adam steps on the same batch
            (lr 0.01, weight_decay 0.01, defaults otherwise: betas 0.9/0.999, eps 1e-8)
  bound     nn.Linear's initialisation bound for some fan_in values, from torch's own
            formula (kaiming_uniform_ with a=sqrt(5)), cross-checked against the largest
            |weight| of a large freshly made nn.Linear.
Parameters are listed in the C layout: W0 (out, in) row-major, b0, W1, b1, W2, b2, the
same order as net.parameters().
Line format: NAME COUNT V1 V2 ... (floats as repr()).
"""
import math
import torch

torch.manual_seed(1234)
dtype = torch.float64
dims = [5, 4, 3, 3]


def make_net():
    mods = []
    for i in range(len(dims) - 1):
        mods.append(torch.nn.Linear(dims[i], dims[i + 1]).to(dtype))
        if i + 2 < len(dims):
            mods.append(torch.nn.ReLU())
    return torch.nn.Sequential(*mods)


def flat(ts):
    return [float(v) for t in ts for v in t.detach().reshape(-1).tolist()]


def emit(name, vals):
    print(name, len(vals), " ".join(repr(float(v)) for v in vals))


net = make_net()
# explicit weights (fixed values, so the C side need not reproduce torch's RNG)
g = torch.Generator().manual_seed(99)
with torch.no_grad():
    for p in net.parameters():
        p.copy_((torch.rand(p.shape, generator=g, dtype=dtype) * 2 - 1) * 0.8)
params0 = [p.detach().clone() for p in net.parameters()]
X = torch.randn(7, 5, generator=g, dtype=dtype) * 1.5
y = torch.tensor([0, 2, 1, 1, 0, 2, 2])
classw = torch.tensor([0.5, 2.0, 1.25], dtype=dtype)

emit("dims", dims)
emit("params0", flat(params0))
emit("X", X.reshape(-1).tolist())
emit("y", y.tolist())
emit("classw", classw.tolist())

out = net(X)
loss = torch.nn.CrossEntropyLoss()(out, y)
net.zero_grad()
loss.backward()
emit("logits", out.detach().reshape(-1).tolist())
emit("loss", [loss.item()])
emit("grad", flat([p.grad for p in net.parameters()]))

net.zero_grad()
loss_w = torch.nn.CrossEntropyLoss(weight=classw)(net(X), y)
loss_w.backward()
emit("loss_w", [loss_w.item()])
emit("grad_w", flat([p.grad for p in net.parameters()]))

opt = torch.optim.Adam(net.parameters(), lr=0.01, weight_decay=0.01)
for step in range(1, 4):
    opt.zero_grad()
    torch.nn.CrossEntropyLoss()(net(X), y).backward()
    opt.step()
    emit("adam%d" % step, flat(net.parameters()))

fans = [1, 5, 16, 34, 100]
bounds = []
for fan in fans:
    gain = torch.nn.init.calculate_gain("leaky_relu", math.sqrt(5))
    bound = math.sqrt(3.0) * gain / math.sqrt(fan)
    lin = torch.nn.Linear(fan, 20000)
    assert float(lin.weight.abs().max()) <= bound + 1e-7
    assert float(lin.weight.abs().max()) > 0.999 * bound
    assert float(lin.bias.abs().max()) <= 1 / math.sqrt(fan) + 1e-7
    bounds.append(bound)
emit("fan_in", fans)
emit("bound", bounds)
