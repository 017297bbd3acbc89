"""Regions on a plane through three digits

The plane through three test digits (Hanin & Rolnick's and Sattelberg's cross-sections) cuts
the 64-dimensional input space of the bundled digits model in a 2-D slice; the `geometric`
engine gives its exact regions, and `plot_regions` draws them with the exact decision
boundary.
"""

import sys
from pathlib import Path

import numpy as np

import relu_regions as rr
from relu_regions.plot import new_figure, plot_regions, save_figure

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
net = rr.load_default_model()
data = rr.load_dataset("digits", seed=0)
idx = [int(np.flatnonzero(data.y_test == c)[0]) for c in (0, 3, 8)]
A, B, C = data.X_test[idx]
plane = rr.AffineSubspace([A, B, C], coefficient_bounds=(-0.5, 1.5))
rs = rr.enumerate_regions(net, plane)
print(f"{rs.count.regions} regions on the plane through digits 0, 3, 8 (exact={rs.count.exact})")

fig = new_figure(11, 4.6)
left, right = fig.subplots(1, 2)
plot_regions(net, plane, left, regions=rs, color="class", points=[A, B, C], labels=[0, 3, 8])
left.set(xlabel="towards the 3", ylabel="towards the 8")
plot_regions(net, plane, right, regions=rs, color="output", output=8)
right.set(xlabel="towards the 3", ylabel="towards the 8")
print("saved", save_figure(fig, out / "plane_through_three_digits.png"))
