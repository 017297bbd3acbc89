"""Compatibility: the loaders and savers live in :mod:`relu_regions.io`."""

from ..io import FORMATS, ModelFormat, detect_format, load_network, save_network

__all__ = ["FORMATS", "ModelFormat", "detect_format", "load_network", "save_network"]
