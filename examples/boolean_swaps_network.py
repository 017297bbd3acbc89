"""The width-5 network of Theorem 3.3.2 for Boolean function 7,140

Function 7,140 (Sattelberg Fig. 3.2) has the largest swaps value of any 4-input function,
5: along the best direction w its 16 inputs fall into 6 alternating runs of one class.
Theorem 3.3.2 (Appendix A.2) interpolates one point per run with 5 leaky-ReLU nodes whose
kinks sit on the line, so the network's sign is the function's on all 16 inputs.  The plot
shows the inputs projected on w (coloured by class) and the network's output along w.
"""

import sys
from pathlib import Path

import numpy as np

import relu_regions as rr
from relu_regions.boolean import input_points, truth_table
from relu_regions.plot import new_figure, save_figure

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
code, n = 7140, 4
sw = rr.swaps(code, n)
res = rr.swaps_network(code, n, negative_slope=0.1)
print(f"function {code}: swaps {sw.swaps}, direction w = {np.round(sw.direction, 3)}")
print(f"width-{res.width} leaky-ReLU network classifies all {2 ** n} inputs: {res.verified}")

w = np.array(sw.direction)
pts = input_points(n).astype(float)
t_pts = pts @ w
cls = truth_table(code, n)
t = np.linspace(t_pts.min() - 0.3, t_pts.max() + 0.3, 400)
line = np.outer(t, w / (w @ w))  # points x with w.x = t: the output depends on w.x only
v = res.network.forward(line).ravel()
assert np.allclose(res.network.forward(pts).ravel() > 0, cls == 1)

fig = new_figure(7, 3.5)
ax = fig.add_subplot()
ax.axhline(0, color="0.6", lw=0.8)
ax.plot(t, v, color="black", lw=1.5, label="network output along w")
ax.scatter(t_pts, np.zeros_like(t_pts), c=np.where(cls == 1, "tab:red", "tab:blue"), zorder=3,
           s=40, label="inputs (red: f = 1)")
ax.set_xlabel("w . x")
ax.set_title(f"function {code}: swaps {sw.swaps}, width-{res.width} network (Thm. 3.3.2)")
ax.legend(loc="best", fontsize=8)
print("wrote", save_figure(fig, out / "boolean_swaps_network.png"))
