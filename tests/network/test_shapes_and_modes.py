"""Image-shaped inputs are accepted where flat ones are; training-mode layers are flagged."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from relu_regions import AffineSubspace, LInfBall, count_regions, from_torch
from relu_regions.network import Network


@pytest.fixture
def image_net():
    rng = np.random.default_rng(0)
    return Network([rng.normal(size=(5, 16)), rng.normal(size=(3, 5))], [rng.normal(size=5), rng.normal(size=3)],
                   input_shape=(1, 4, 4))


def test_forward_and_local_affine_take_image_shapes(image_net):
    X = np.random.default_rng(1).uniform(size=(7, 1, 4, 4))
    np.testing.assert_array_equal(image_net(X), image_net(X.reshape(7, -1)))
    np.testing.assert_array_equal(image_net(X[0]), image_net(X[0].reshape(-1)))
    J, c = image_net.local_affine(X[0])
    np.testing.assert_allclose(J @ X[0].reshape(-1) + c, image_net(X[0]), atol=1e-12)
    np.testing.assert_array_equal(image_net(torch.tensor(X, dtype=torch.float32, requires_grad=True)),
                                  image_net(torch.tensor(X, dtype=torch.float32).double().numpy()))


def test_domains_take_image_shapes(image_net):
    X = np.random.default_rng(2).uniform(size=(3, 1, 4, 4))
    plane = AffineSubspace(X, coefficient_bounds=(0, 1))
    assert count_regions(image_net, plane).regions == count_regions(
        image_net, AffineSubspace(X.reshape(3, -1), coefficient_bounds=(0, 1))).regions
    ball = LInfBall(X[0], 0.05, clip=(0, 1))
    assert ball.center.shape == (16,)


def test_wrong_shape_error_mentions_the_image_shape(image_net):
    with pytest.raises(ValueError, match=r"\(1, 4, 4\)"):
        image_net(np.zeros((2, 3, 3)))


def test_training_mode_batchnorm_is_flagged():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    with pytest.warns(UserWarning, match="training mode"):
        from_torch(model)
    with warnings_none():
        from_torch(model.eval())


class warnings_none:
    def __enter__(self):
        import warnings

        self._cm = warnings.catch_warnings()
        self._cm.__enter__()
        warnings.simplefilter("error")

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)
