"""Local linearity at scale: exact local affine maps for datasets, cross-sections,
active subspaces, k-means compression of local maps and network similarity.

Sattelberg, *Local linearity of ReLU networks* (dissertation), chapters 5-7.
"""

from ._kmeans import KMeansCompression, kmeans_compression
from ._maps import (
    DEFAULT_MEMORY_LIMIT,
    LocalMaps,
    chunk_rows,
    coefficient_matrices,
    local_affine_maps,
    workspace_bytes,
)
from ._one_d import PIECE_RTOL, Pieces1D, pieces_1d, piecewise_mse
from ._sensitivity import ActiveSubspace, active_subspace
from ._similarity import (
    SIMILARITY_METRICS,
    MapSamples,
    NetworkSimilarity,
    SimilarityMatrices,
    affine_mapped_outputs,
    compare_networks,
    fit_affine_maps,
    linear_cka,
    map_samples,
    scaled_mse,
    similarity_matrices,
    softmax_cross_entropy,
)
from ._slice import (
    GRID_TOL,
    CrossSection,
    GridRegions,
    class_pieces,
    cross_section,
    grid_convergence,
    grid_regions,
    plane_axes,
)

__all__ = [
    "local_affine_maps",
    "LocalMaps",
    "coefficient_matrices",
    "chunk_rows",
    "workspace_bytes",
    "DEFAULT_MEMORY_LIMIT",
    "linear_cka",
    "scaled_mse",
    "softmax_cross_entropy",
    "fit_affine_maps",
    "affine_mapped_outputs",
    "map_samples",
    "MapSamples",
    "compare_networks",
    "NetworkSimilarity",
    "similarity_matrices",
    "SimilarityMatrices",
    "SIMILARITY_METRICS",
    "kmeans_compression",
    "KMeansCompression",
    "active_subspace",
    "ActiveSubspace",
    "plane_axes",
    "cross_section",
    "CrossSection",
    "grid_regions",
    "GridRegions",
    "grid_convergence",
    "class_pieces",
    "GRID_TOL",
    "pieces_1d",
    "Pieces1D",
    "piecewise_mse",
    "PIECE_RTOL",
]
