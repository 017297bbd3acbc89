"""Exact regions during training: RegionTracker in a plain PyTorch loop

A 2-32-32-32-2 ReLU net (Hanin & Rolnick's initialisation: weights N(0, 2/fan_in), biases
N(0, 1e-6)) learns the circle-vs-annulus toy problem with Adam.  Every 40 steps the tracker
snapshots the live model and counts its activation regions exactly, in a background thread,
on the whole plane R^2 (Theorem 5 predicts about (#neurons)^2/2 = 4,608 at initialisation)
and on the data window [-1.5, 1.5]^2.  The figure shows the counts against the step.
"""

import sys
from pathlib import Path

import torch

import relu_regions as rr
from relu_regions import AffineSubspace, Box, RegionTracker

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
torch.manual_seed(0)
torch.set_num_threads(1)
data = rr.load_dataset("circle-annulus", n=1000)
X = torch.tensor(data.X_train, dtype=torch.float32)
y = torch.tensor(data.y_train, dtype=torch.long)

layers = []
for a, b in [(2, 32), (32, 32), (32, 32), (32, 2)]:
    lin = torch.nn.Linear(a, b)
    torch.nn.init.normal_(lin.weight, std=(2 / a) ** 0.5)
    torch.nn.init.normal_(lin.bias, std=1e-3)
    layers += [lin, torch.nn.ReLU()]
model = torch.nn.Sequential(*layers[:-1])
opt = torch.optim.Adam(model.parameters(), lr=3e-3)

whole_plane = AffineSubspace([[0, 0], [1, 0], [0, 1]])  # unbounded: counted exactly
window = Box([-1.5, -1.5], [1.5, 1.5])
with RegionTracker([whole_plane, window], every=40) as tracker:
    for step in range(201):
        idx = torch.randint(0, len(X), (64,))
        loss = torch.nn.functional.cross_entropy(model(X[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        tracker.update(model, step)  # returns at once; counting runs in the background
    rows = tracker.table()

for r in rows:
    print(f"step {r['step']:4d}  domain {r['domain']}  regions {r['regions']:5d}  exact {r['exact']}")
tracker.save(out / "training_regions.csv")

ax = tracker.plot(reference=96**2 / 2, reference_label="96^2/2 (Theorem 5)")
ax.set_title("exact regions: mean of the whole plane and the window (thin: each)")
ax.figure.savefig(out / "training_region_tracker.png", dpi=120)
print(f"wrote {out / 'training_region_tracker.png'}")
