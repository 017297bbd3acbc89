"""Stable maxout units, dead pieces and lossless compression on a small box

A rank-3 maxout network on a box around a point: most units have a piece that is never on
top there (dead) and several have one piece on top everywhere (stable). Compression drops the
dead pieces and folds the stable units; the two networks have the same activation regions
on the box (left: original, right: compressed), and the network-aware bound counts only the
ties between live pieces.
"""

import sys
from pathlib import Path

import relu_regions as rr
from relu_regions.plot import new_figure, plot_regions, save_figure

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
net = rr.random_network([2, 8, 8, 1], maxout_rank=3, seed=0)
box = rr.Box([-0.3, -0.3], [0.3, 0.3])

s = rr.stable_units(net, box)
print(f"{net!r} on {box}: {s.counts['stable']} stable units, {s.counts['unstable']} unstable, "
      f"{s.counts['dead_pieces']} dead pieces (exact={s.exact})")
small, rep = rr.compress_maxout(net, box, stability=s)
print(f"compressed to {small!r}: stored pieces {rep.pieces_before} -> {rep.pieces_after}, parameters "
      f"{rep.parameters_before} -> {rep.parameters_after}, largest difference {rep.max_abs_difference:.1e}")
bounds = rr.bound_regions(net, box, methods="serra2018_maxout,network_aware", stability="auto")
exact = [rr.count_regions(n, box).regions for n in (net, small)]
print(f"regions on the box: {exact[0]} (original), {exact[1]} (compressed); network_aware bound "
      f"{bounds['network_aware'].value}, serra2018_maxout {bounds['serra2018_maxout'].value}")

fig = new_figure(10.0, 4.4)
ax1, ax2 = fig.subplots(1, 2)
plot_regions(net, box, ax1)
plot_regions(small, box, ax2)
ax1.set_title(f"original {net.widths}: {exact[0]} regions", fontsize=10)
ax2.set_title(f"compressed {small.widths}: {exact[1]} regions", fontsize=10)
print("saved", save_figure(fig, out / "maxout_stability_compression.png"))
