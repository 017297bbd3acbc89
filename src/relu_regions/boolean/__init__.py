"""Boolean functions and minimal (leaky-)ReLU networks (Sattelberg, chapters 3-4).

- truth tables with the dissertation's integer codes, NPN canonical forms and classes
  (:mod:`._truth`);
- Fourier-Walsh coefficients, degree, total influence and spectral entropy (:mod:`._fourier`);
- the swaps value of eq. (3.10), by the dissertation's ordering enumeration and by our
  arrangement method (:mod:`._swaps`);
- the width-s network of Theorem 3.3.2 and the deep parity networks of Theorems
  3.3.3-3.3.4 (:mod:`._construct`);
- the n-D hypersphere-versus-hypershell problem and its width n+1 network (:mod:`._annulus`);
- batched training of many small classifiers at once (:mod:`._training`).
"""

from ._annulus import (
    AnnulusNetwork,
    annulus_network,
    expanded_simplex_ratio,
    hyperoctahedron_ratio,
    shell_radii,
    simplex_vertices,
    sphere_shell,
)
from ._construct import (
    ENCODINGS,
    ParityNetwork,
    SwapsNetwork,
    interpolation_network,
    parity_network,
    swaps_network,
)
from ._fourier import FourierSpectrum, fourier_spectrum, walsh_coefficients
from ._swaps import (
    SWAPS_METHODS,
    Swaps,
    changes_along,
    cone_chambers,
    max_swaps,
    paper_directions,
    swaps,
    swaps_of_classes,
    swaps_values,
)
from ._training import LOSSES, BatchTraining, train_batched
from ._truth import (
    BooleanInputError,
    NPNClasses,
    check_function,
    count_npn_classes,
    function_code,
    input_points,
    input_transforms,
    npn_canonical,
    npn_classes,
    parity_code,
    truth_table,
)

__all__ = [
    "BatchTraining",
    "LOSSES",
    "train_batched",
    "AnnulusNetwork",
    "BooleanInputError",
    "ENCODINGS",
    "FourierSpectrum",
    "NPNClasses",
    "ParityNetwork",
    "SWAPS_METHODS",
    "Swaps",
    "SwapsNetwork",
    "annulus_network",
    "changes_along",
    "check_function",
    "cone_chambers",
    "count_npn_classes",
    "expanded_simplex_ratio",
    "fourier_spectrum",
    "function_code",
    "hyperoctahedron_ratio",
    "input_points",
    "input_transforms",
    "interpolation_network",
    "max_swaps",
    "npn_canonical",
    "npn_classes",
    "paper_directions",
    "parity_code",
    "parity_network",
    "shell_radii",
    "simplex_vertices",
    "sphere_shell",
    "swaps",
    "swaps_network",
    "swaps_of_classes",
    "swaps_values",
    "truth_table",
    "walsh_coefficients",
]
