"""Datasets for the experiments: toy 2-D problems, sine regression, digits and MNIST.

Every dataset is a :class:`Dataset` (flattened float64 features, labels or targets, a
fixed train/test split) and has a name in :data:`DATASETS`, so the command line can say
``--data digits``.  The offline sets (``circle-annulus``, ``xor``, ``circle-xor``,
``random-labels``, ``sine``, ``digits``, ``mnist-5k``) need no files or network; ``mnist``,
``fashion-mnist`` and ``cifar10`` load the full datasets through torchvision.
"""

from ._dataset import TASKS, Dataset
from ._images import digits, mnist_subset, torchvision_dataset
from ._registry import DATASETS, DatasetInfo, list_datasets, load_dataset
from ._toy import circle_annulus, circle_xor, random_labels, sine, xor

__all__ = [
    "Dataset",
    "TASKS",
    "DATASETS",
    "DatasetInfo",
    "load_dataset",
    "list_datasets",
    "circle_annulus",
    "xor",
    "circle_xor",
    "random_labels",
    "sine",
    "digits",
    "mnist_subset",
    "torchvision_dataset",
]
