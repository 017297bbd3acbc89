"""Exact count versus sampling versus bounds

How far is a sampled count from the exact one, and how loose are the bounds? For a random
3-input network on a box, sampling finds more regions as the sample grows but stays a lower
bound; the exact `lp` count is the truth; the architecture bounds sit far above it.
"""

import sys
from pathlib import Path

import numpy as np

import relu_regions as rr
from relu_regions.plot import new_figure, plot_bounds, save_figure

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
net = rr.random_network([3, 10, 10, 1], seed=0)
box = "box:-1,1"
exact = rr.count_regions(net, box, method="lp")
print(f"exact: {exact.regions} regions ({exact.reason})")

sizes = np.unique(np.logspace(2, 5.3, 12).astype(int))
sampled = [rr.count_regions(net, box, method="sample", samples=int(n), seed=0).regions for n in sizes]
for n, k in zip(sizes, sampled, strict=True):
    print(f"sample {n:>7}: {k} regions (a lower bound)")

fig = new_figure(11, 4.2)
left, right = fig.subplots(1, 2)
left.semilogx(sizes, sampled, "o-", label="distinct patterns in a uniform sample (lower bound)")
left.axhline(exact.regions, color="black", linestyle="--", label=f"exact (lp): {exact.regions}")
left.set(xlabel="sample size", ylabel="regions", title="Sampling converges from below")
left.legend(fontsize=8)
plot_bounds(net, right, exact=exact)
print("saved", save_figure(fig, out / "exact_vs_sampling_vs_bounds.png"))
