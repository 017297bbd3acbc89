"""Count and draw the regions of your own nn.Module

Any `nn.Sequential` (or traceable `nn.Module`) of Linear/Conv/ReLU layers becomes a
`Network` with `from_torch`; `count_regions` counts its activation regions exactly and
`plot_regions` draws them, here for a small classifier trained for a few seconds on the
circle-versus-annulus toy problem.
"""

import sys
from pathlib import Path

import torch
from torch import nn

import relu_regions as rr
from relu_regions.plot import new_figure, plot_regions, save_figure

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
torch.manual_seed(0)
torch.set_num_threads(1)
data = rr.load_dataset("circle-annulus", seed=0)
X = torch.tensor(data.X_train, dtype=torch.float32)
y = torch.tensor(data.y_train, dtype=torch.long)

model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 2))
opt = torch.optim.Adam(model.parameters(), lr=0.01)
for _ in range(200):  # a few seconds of full-batch training
    opt.zero_grad()
    nn.functional.cross_entropy(model(X), y).backward()
    opt.step()

net = rr.from_torch(model)
box = rr.Box(data.X_train.min(axis=0), data.X_train.max(axis=0))
count = rr.count_regions(net, box)
print(f"{count.regions} activation regions, exact={count.exact} ({count.reason})")

fig = new_figure(11, 4.6)
left, right = fig.subplots(1, 2)
plot_regions(net, box, left, color="pattern")
plot_regions(net, box, right, color="class", points=data.X_test[:200], labels=data.y_test[:200])
print("saved", save_figure(fig, out / "count_your_module.png"))
