"""What every report section gets: the network, the data, the domain, a seed and a budget."""

from __future__ import annotations

import dataclasses
import functools
import sys
from pathlib import Path
from typing import Any

import numpy as np

from .._budget import Budget
from .._typing import FloatArray
from ..data import Dataset
from ..domain import AffineSubspace, Box, Domain
from ..exceptions import DomainError
from ..network import Network

__all__ = ["ReportContext", "Plane", "SectionBudget", "PLANE_COEFFICIENT_BOUNDS"]

#: The plane through three data points ``p0 + a1 (p1 - p0) + a2 (p2 - p0)`` is shown for
#: ``a1, a2`` in this range, so the three points sit well inside the picture.
PLANE_COEFFICIENT_BOUNDS = (-0.5, 1.5)


class SectionBudget(Budget):
    """A section's time budget that also stops when the whole report's budget stops."""

    def __init__(self, parent: Budget, time_limit: float | None) -> None:
        super().__init__(time_limit)
        self.parent = parent

    @property
    def stop(self) -> bool:
        if self._reason is None and self.parent.stop:
            self._reason = self.parent.reason
        return super().stop


@dataclasses.dataclass(frozen=True, eq=False)
class Plane:
    """A 2-D slice of the input space for pictures, in its chart coordinates ``t``.

    ``domain`` is the 2-D domain (the data box itself for 2-D inputs, else an
    :class:`~relu_regions.domain.AffineSubspace` through three data points);
    ``points`` are data points in chart coordinates with their ``labels`` (class ids or
    ``None``) and ``names`` (e.g. ``"test #12 (class 3)"``); ``axis_labels`` name the chart
    axes.  ``extent`` is ``(t1_min, t1_max, t2_min, t2_max)``.
    """

    domain: Domain
    points: FloatArray
    labels: tuple[int | None, ...]
    names: tuple[str, ...]
    axis_labels: tuple[str, str]
    description: str
    anchor_indices: tuple[int, ...] = ()

    @property
    def extent(self) -> tuple[float, float, float, float]:
        ch = self.domain.chart()
        return (float(ch.lower[0]), float(ch.upper[0]), float(ch.lower[1]), float(ch.upper[1]))

    def grid(self, resolution: int) -> FloatArray:
        """A ``resolution x resolution`` grid of pixel centres in chart coordinates, ``(r*r, 2)``.

        Row-major with the first row at the bottom, so ``values.reshape(r, r)`` is an image
        for ``imshow(origin="lower", extent=plane.extent)``.
        """
        x0, x1, y0, y1 = self.extent
        u = x0 + (x1 - x0) / resolution * (np.arange(resolution) + 0.5)
        v = y0 + (y1 - y0) / resolution * (np.arange(resolution) + 0.5)
        U, V = np.meshgrid(u, v)
        return np.column_stack([U.ravel(), V.ravel()])

    def pullback(self, net: Network) -> Network:
        """The network on the plane's chart coordinates: ``t -> net(origin + basis @ t)``.

        Evaluating it on :meth:`grid` points avoids forming the (possibly 784-dimensional)
        input points at all.
        """
        ch = self.domain.chart()
        return net.with_input_map(ch.origin, ch.basis)

    def to_dict(self) -> dict[str, Any]:
        return {
            "domain": self.domain.to_dict(),
            "description": self.description,
            "axis_labels": list(self.axis_labels),
            "anchor_indices": list(self.anchor_indices),
            "points": self.points,
            "labels": list(self.labels),
            "names": list(self.names),
        }


@dataclasses.dataclass(eq=False)
class ReportContext:
    """Everything a report section may use.

    Attributes
    ----------
    net:
        The network being analysed.
    data:
        The dataset (``None`` when ``analyze`` got a model but no ``--data``).
    domain:
        The input domain of the analysis: the data's bounding box by default.
    domain_note:
        How ``domain`` was chosen (shown in the report).
    seed:
        Seed for every random choice; the same seed gives the same report.
    budget:
        The running section's time budget; poll ``budget.stop`` in long loops and
        return a partial, labelled result when it turns true.
    out:
        The report directory; figures go there (``html`` gets it as ``figdir``).
    options:
        Free-form options from the caller, e.g. ``{"samples": 100000}``; sections read
        their own keys with defaults.
    model_source:
        Where the network came from (a path or ``"default model"``).
    cache:
        Shared between sections (e.g. a computed region enumeration); keys should be
        prefixed with the section name.
    """

    net: Network
    data: Dataset | None
    domain: Domain
    domain_note: str
    seed: int
    budget: Budget
    out: Path
    options: dict[str, Any] = dataclasses.field(default_factory=dict)
    model_source: str = ""
    show_progress: bool = False
    cache: dict[str, Any] = dataclasses.field(default_factory=dict)

    def progress(self, message: str) -> None:
        """Print a progress line on stderr (when the report shows progress)."""
        if self.show_progress:
            print(f"  {message}", file=sys.stderr, flush=True)

    def option(self, key: str, default: Any) -> Any:
        return self.options.get(key, default)

    def rng(self, salt: str = "") -> np.random.Generator:
        """A generator seeded by the report seed and ``salt`` (e.g. the section name)."""
        return np.random.default_rng([self.seed, *salt.encode()])

    @functools.cached_property
    def plane(self) -> Plane:
        """The 2-D slice every planar picture uses (cached, so all sections share it).

        For 2-D inputs it is the domain itself, with the test points (or the training
        points when there is no test set) in input coordinates.  Otherwise it is the
        plane through three data points ``p0, p1, p2``: test points of three different
        classes chosen with the seed (three random test points for regression, three
        random domain points without data), parametrised as
        ``p0 + a1 (p1 - p0) + a2 (p2 - p0)`` with ``a`` in :data:`PLANE_COEFFICIENT_BOUNDS`.
        """
        net, data = self.net, self.data
        if net.input_dim < 2:
            raise DomainError("a planar picture needs at least two input dimensions")
        if net.input_dim == 2 and isinstance(self.domain, Box) and self.domain.dim == 2:
            if data is not None:
                X, y = (data.X_test, data.y_test) if data.n_test else (data.X_train, data.y_train)
                labels = tuple(int(v) for v in y) if data.task == "classification" else (None,) * len(X)
                names = tuple(f"sample {i}" for i in range(len(X)))
            else:
                X, labels, names = np.zeros((0, 2)), (), ()
            return Plane(
                self.domain,
                np.asarray(X),
                labels,
                names,
                ("$x_1$", "$x_2$"),
                "the input square (the domain itself)",
            )
        return self._plane_through_points()

    def _plane_through_points(self) -> Plane:
        rng = self.rng("plane")
        data = self.data
        candidates: list[tuple[FloatArray, int | None, str, int]] = []
        if data is not None:
            use_test = data.n_test >= 3
            X = data.X_test if use_test else data.X_train
            y = data.y_test if use_test else data.y_train
            split = "test" if use_test else "train"
            if data.task == "classification" and len(np.unique(y)) >= 3:
                classes = sorted(rng.choice(np.unique(y), size=3, replace=False).tolist())
                pools = [np.flatnonzero(y == c) for c in classes]
                order = [int(rng.choice(p)) for p in pools]
                # Extra candidates in case the first three are affinely dependent.
                order += [int(i) for i in rng.permutation(len(X)) if int(i) not in order]
            else:
                order = [int(i) for i in rng.permutation(len(X))]
            for i in order:
                lab = int(y[i]) if data.task == "classification" else None
                nm = f"{split} #{i}" + (f" (class {lab})" if lab is not None else "")
                candidates.append((X[i], lab, nm, i))
            desc_src = f"{data.name} {split} points"
        else:
            pts = self.domain.sample(24, seed=rng)
            candidates = [(p, None, f"random point {i}", i) for i, p in enumerate(pts)]
            desc_src = "random points of the domain"
        chosen: list[tuple[FloatArray, int | None, str, int]] = []
        for cand in candidates:
            trial = [c[0] for c in chosen] + [cand[0]]
            D = np.array(trial[1:]) - trial[0] if len(trial) > 1 else np.zeros((0, 1))
            if len(trial) == 1 or np.linalg.matrix_rank(D, tol=1e-9) == len(trial) - 1:
                chosen.append(cand)
            if len(chosen) == 3:
                break
        if len(chosen) < 3:
            raise DomainError("could not find three affinely independent data points for the plane")
        P = np.array([c[0] for c in chosen])
        dom = AffineSubspace(P, coefficient_bounds=PLANE_COEFFICIENT_BOUNDS)
        names = tuple(c[2] for c in chosen)
        return Plane(
            dom,
            np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]),
            tuple(c[1] for c in chosen),
            names,
            (f"$a_1$ (towards {names[1]})", f"$a_2$ (towards {names[2]})"),
            f"the plane through three {desc_src}: p0 + a1 (p1 - p0) + a2 (p2 - p0), "
            f"p0 = {names[0]}, p1 = {names[1]}, p2 = {names[2]}, "
            f"a1, a2 in [{PLANE_COEFFICIENT_BOUNDS[0]}, {PLANE_COEFFICIENT_BOUNDS[1]}]",
            tuple(c[3] for c in chosen),
        )
