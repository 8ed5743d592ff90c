"""``MNIST`` and ``FashionMNIST`` with torchvision's arguments and on-disk layout.

``vision.datasets.MNIST(root, train=True, transform=None, target_transform=None,
download=False)`` looks for the four IDX files (each may be gzipped, ending in
``.gz``) in, first, torchvision's folder ``root/MNIST/raw/`` and then ``root``
itself (e.g. Debian's ``/usr/share/datasets/fashion-mnist``)::

    train-images-idx3-ubyte   train-labels-idx1-ubyte    (train=True)
    t10k-images-idx3-ubyte    t10k-labels-idx1-ubyte     (train=False)

As in torchvision, ``data`` is a uint8 Tensor (N, 28, 28) and ``targets`` an
int64 Tensor (N,). ``ds[i]`` is ``(image, label)`` where the image is a uint8
NumPy array (28, 28) — torchvision gives a PIL image, which
``transforms.ToTensor`` treats the same way — and the label an int.

tinygrad_cnn never downloads: ``download=True`` uses files that are already
there and otherwise raises an error saying which files to put where.
(``tinygrad_cnn.data`` has the older float-array data sets and the embedded subset.)
"""
import os

import numpy as np

from tinygrad_cnn.data.datasets import DEBIAN_FASHION_MNIST_ROOT, FASHION_MNIST_CLASSES, MNIST_CLASSES
from tinygrad_cnn.data.idx import read_idx
from tinygrad_cnn.creation import from_numpy
from tinygrad_cnn.tensor import Tensor
from tinygrad_cnn.utils.data.dataset import Dataset

SPLIT_FILES = {
    True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def _find_file(folder, stem):
    """``folder/stem`` or ``folder/stem.gz``, whichever exists, else None."""
    for name in (stem, stem + ".gz"):
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            return path
    return None


def _as_array(value):
    """The NumPy array of a Tensor; arrays (e.g. ``ds.targets`` reassigned by a user) pass."""
    return value.numpy() if isinstance(value, Tensor) else np.asarray(value)


class MNIST(Dataset):
    """The MNIST digits (torchvision's ``torchvision.datasets.MNIST``), read from local IDX files.

    Args:
        root: folder holding ``MNIST/raw/`` (torchvision's layout) or the IDX files themselves.
        train: the 60,000-image training split if True, else the 10,000-image test split.
        transform: applied to each image (a uint8 (28, 28) array), e.g.
            ``transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])``.
        target_transform: applied to each label (an int).
        download: tinygrad_cnn never downloads; True only changes the wording of
            the error when the files are missing.

    Raises:
        RuntimeError: the split's two files are in neither folder; the message
            names the files and the folders to put them in.
        ValueError: the image and label files do not fit together.

    Shape:
        data: (N, 28, 28) uint8 Tensor; targets: (N,) int64 Tensor;
        ``ds[i]``: ((28, 28) uint8 array, int).

    Example:
        >>> import tempfile, numpy as np
        >>> from tinygrad_cnn.data import write_idx
        >>> root = tempfile.mkdtemp(); raw = os.path.join(root, "MNIST", "raw"); os.makedirs(raw)
        >>> write_idx(os.path.join(raw, "t10k-images-idx3-ubyte.gz"), np.zeros((2, 28, 28), np.uint8))
        >>> write_idx(os.path.join(raw, "t10k-labels-idx1-ubyte.gz"), np.array([7, 2], np.uint8))
        >>> test_set = MNIST(root, train=False)
        >>> len(test_set), test_set.data.shape, test_set[1][1]
        (2, (2, 28, 28), 2)
    """

    classes = MNIST_CLASSES
    install_hint = ""

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        self.root = os.path.expanduser(os.fspath(root))
        self.train = bool(train)
        self.transform = transform
        self.target_transform = target_transform
        image_stem, label_stem = SPLIT_FILES[self.train]
        image_path, label_path = self._find_split_files(image_stem, label_stem, download)
        images, labels = read_idx(image_path), read_idx(label_path)
        source = f"{type(self).__name__}: {os.path.basename(image_path)} / {os.path.basename(label_path)}"
        if images.ndim != 3 or labels.ndim != 1:
            raise ValueError(f"{source}: expected images (N, H, W) and labels (N,), "
                             f"got shapes {images.shape} and {labels.shape}")
        if len(images) != len(labels):
            raise ValueError(f"{source}: {len(images)} images but {len(labels)} labels; "
                             "the image and label files must belong together")
        self.data = from_numpy(images.astype(np.uint8))          # (N, 28, 28) uint8
        self.targets = from_numpy(labels.astype(np.int64))       # (N,) int64

    @property
    def raw_folder(self):
        """torchvision's folder for the files: ``root/<ClassName>/raw``."""
        return os.path.join(self.root, type(self).__name__, "raw")

    @property
    def class_to_idx(self):
        return {name: index for index, name in enumerate(self.classes)}

    def _find_split_files(self, image_stem, label_stem, download):
        folders = [self.raw_folder, self.root]
        for folder in folders:
            image_path, label_path = _find_file(folder, image_stem), _find_file(folder, label_stem)
            if image_path and label_path:
                return image_path, label_path
        split = "training" if self.train else "test"
        opening = ("download=True: tinygrad_cnn never downloads anything." if download
                   else "Dataset not found.")
        raise RuntimeError(
            f"{type(self).__name__}: {opening} The {split} split needs the files "
            f"{image_stem} and {label_stem} (each may be gzipped, named {image_stem}.gz and "
            f"{label_stem}.gz). Put them in {os.path.abspath(self.raw_folder)} (torchvision's layout) "
            f"or directly in {os.path.abspath(self.root)}.{self.install_hint}")

    def __getitem__(self, index):
        """Return ``(image, label)``: a uint8 (28, 28) array (a copy) and an int, after the transforms."""
        image = np.array(_as_array(self.data)[index])     # (28, 28) uint8, a copy
        target = int(_as_array(self.targets)[index])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def __len__(self):
        return len(_as_array(self.targets))

    def __repr__(self):
        lines = [f"Dataset {type(self).__name__}",
                 f"    Number of datapoints: {len(self)}",
                 f"    Root location: {self.root}",
                 f"    Split: {'Train' if self.train else 'Test'}"]
        if self.transform is not None:
            lines.append("    Transform: " + repr(self.transform).replace("\n", "\n    "))
        if self.target_transform is not None:
            lines.append(f"    Target transform: {self.target_transform!r}")
        return "\n".join(lines)


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST (``torchvision.datasets.FashionMNIST``); same files and layout as MNIST.

    torchvision's folder is ``root/FashionMNIST/raw``. Debian's
    ``dataset-fashion-mnist`` package puts the four gzipped files in
    ``/usr/share/datasets/fashion-mnist``, so ``FashionMNIST('/usr/share/datasets/fashion-mnist')``
    reads them.

    Example (needs the files, hence skipped by doctest)::

        >>> test_set = FashionMNIST("/usr/share/datasets/fashion-mnist", train=False)  # doctest: +SKIP
        >>> image, label = test_set[0]                                # doctest: +SKIP
        >>> image.shape, image.dtype, test_set.classes[label]         # doctest: +SKIP
        ((28, 28), dtype('uint8'), 'Ankle boot')
    """

    classes = FASHION_MNIST_CLASSES
    install_hint = (f" On Debian, `apt-get install dataset-fashion-mnist` puts all four in "
                    f"{DEBIAN_FASHION_MNIST_ROOT}; then pass root={DEBIAN_FASHION_MNIST_ROOT!r}.")
