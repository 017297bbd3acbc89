"""The network representation and its loaders/savers."""

from ._network import Layer, Network, random_network
from .io import FORMATS, ModelFormat, detect_format, load_network, save_network

__all__ = [
    "Network",
    "Layer",
    "random_network",
    "load_network",
    "save_network",
    "detect_format",
    "ModelFormat",
    "FORMATS",
]
