"""Exact cross-section beside the Jacobian-grid method

Sattelberg's cross-sections (dissertation, Ch. 6): the plane through three test digits of
one class, with the Gram-Schmidt axes of eq. (6.2). Left: the exact activation regions of
the bundled digits model (one colour each) and the exact decision boundary (white). Right:
the dissertation's grid method (Jacobians compared between grid neighbours), whose count is
only an estimate.
"""

import sys
from pathlib import Path

import numpy as np

import relu_regions as rr
from relu_regions.plot import new_figure, plot_cross_section, plot_grid_regions, save_figure

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
net = rr.load_default_model()
data = rr.load_dataset("digits", seed=0)
zeros = data.X_test[data.y_test == 0]
A = zeros[0]
B, C = zeros[1:][np.argsort(np.linalg.norm(zeros[1:] - A, axis=1))[:2]]  # A's two nearest zeros
cs = rr.cross_section(net, A, B, C, margin=3.0, grid=96)  # a wide window
print(f"exact: {cs.regions} activation regions, {cs.linear_regions} linear regions; "
      f"grid 96x96: {cs.grid_regions}; {cs.regions_with_boundary} regions cut by a decision boundary")

fig = new_figure(11, 4.6)
left, right = fig.subplots(1, 2)
plot_cross_section(cs, left)
plot_grid_regions(cs.grid_result, cs.window, right)
print("saved", save_figure(fig, out / "linearity_cross_section.png"))
