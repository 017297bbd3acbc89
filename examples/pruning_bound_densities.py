"""Bound-guided layer densities for a pruned 784-100-100 MLP

For each global density p, uniform pruning keeps the same share of weights in both layers;
the paper's two-layer procedure and our optimiser redistribute exactly the same number of
weights to maximise the expected bound of Theorem 1 (Cai et al. 2023).  Left: log10 of the
bound against density; right: the density each strategy gives the second layer.
"""

import sys
from pathlib import Path

import relu_regions as rr
from relu_regions.plot import new_figure, plot_density_curve, save_figure

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
widths = [784, 100, 100]
densities = [0.1, 0.01, 0.005, 0.002, 0.001, 0.0005]
choices = {s: [rr.choose_densities(widths, p, strategy=s) for p in densities]
           for s in ("uniform", "two-layer", "optimize")}
for p, u, t, o in zip(densities, *choices.values(), strict=True):
    print(f"p={p:<7} log10 bound: uniform {u.bound_log10:7.3f}  two-layer {t.bound_log10:7.3f}  "
          f"optimize {o.bound_log10:7.3f}  (weights kept {o.parameters_kept} in each)")

fig = new_figure(10, 4)
left, right = fig.subplots(1, 2)
style = {"uniform": ("#1f77b4", "o"), "two-layer": ("#ff7f0e", "s"), "optimize": ("#2ca02c", "^")}
for s, cs in choices.items():
    color, marker = style[s]
    plot_density_curve(densities, [c.bound_log10 for c in cs], left, ylabel="log10 bound (Theorem 1)",
                       label=s, color=color, marker=marker)
    plot_density_curve(densities, [c.layer_densities[1] for c in cs], right, ylabel="density of layer 2",
                       label=s, color=color, marker=marker, log_y=True)
left.legend(fontsize=8)
right.legend(fontsize=8)
print("saved", save_figure(fig, out / "pruning_bound_densities.png"))
