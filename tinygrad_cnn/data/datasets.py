"""MNIST-style data sets: the 28×28 grey-scale digit and clothing images.

Every data set here offers the same small interface, modelled on
``torchvision.datasets.MNIST``:

    data     float32 array (N, 1, 28, 28), pixel values scaled to [0, 1]
    targets  int64 array (N,), class indices 0..9
    classes  list of the 10 class names, ``classes[targets[i]]``
    len(ds)  N
    ds[i]    (image (1, 28, 28) float32, int label)

Shape: N images, C = 1 channel, H = W = 28 pixels.

Three sources:

* ``MNIST(root)`` and ``FashionMNIST(root)`` read the four standard IDX files
  from a folder (gzipped or not). ``FashionMNIST`` defaults to the folder of
  Debian's ``dataset-fashion-mnist`` package.
* ``EmbeddedFashionMNIST`` needs no download: a stratified 6,000 / 1,000 image
  subset of Fashion-MNIST shipped inside this package (made by
  ``tools/make_embedded_dataset.py``).
"""

import importlib.resources
import os

import numpy as np

from tinygrad_cnn._errors import IDXError
from tinygrad_cnn.data.idx import read_idx

MNIST_CLASSES = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
                 "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]

FASHION_MNIST_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

# Where Debian's `dataset-fashion-mnist` package puts the files.
DEBIAN_FASHION_MNIST_ROOT = "/usr/share/datasets/fashion-mnist"

EMBEDDED_FILE = "fashion_mnist_subset.npz"

_SPLIT_FILES = {
    True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


class ImageClassificationDataset:
    """Images and labels held as two arrays; the shared base of the data sets.

    Args:
        images: uint8 array (N, 28, 28) or (N, 1, 28, 28) of pixel values
            0..255, or a float array already scaled to [0, 1].
        labels: integer array (N,).
        classes: list of class names.

    Example:
        >>> ds = ImageClassificationDataset(np.full((2, 28, 28), 255, np.uint8),
        ...                                 np.array([3, 1]), FASHION_MNIST_CLASSES)
        >>> len(ds), ds.data.shape, float(ds.data.max()), ds.targets.dtype
        (2, (2, 1, 28, 28), 1.0, dtype('int64'))
        >>> image, label = ds[0]
        >>> image.shape, label, ds.classes[label]
        ((1, 28, 28), 3, 'Dress')
    """

    def __init__(self, images, labels, classes, source="arrays"):
        images, labels = np.asarray(images), np.asarray(labels)
        if len(images) != len(labels):
            raise ValueError(f"{source}: {len(images)} images but {len(labels)} labels; "
                             "the image and label files must belong together")
        if labels.ndim != 1:
            raise ValueError(f"{source}: labels must be 1-D (N,), got shape {labels.shape}")
        if images.ndim == 3:
            images = images[:, None, :, :]  # (N, H, W) -> (N, 1, H, W)
        if images.ndim != 4:
            raise ValueError(f"{source}: images must be (N, H, W) or (N, C, H, W), got shape {images.shape}")
        if images.dtype == np.uint8:
            self.data = images.astype(np.float32) / np.float32(255.0)  # (N, 1, 28, 28) in [0, 1]
        else:
            self.data = images.astype(np.float32)
        self.targets = labels.astype(np.int64)  # (N,)
        self.classes = list(classes)

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, index):
        """Return ``(image, label)``: a float32 (1, 28, 28) array and an int."""
        return self.data[index], int(self.targets[index])

    def __repr__(self):
        return f"{type(self).__name__}(N={len(self)}, image shape={self.data.shape[1:]})"


def find_idx_file(root, stem, install_hint):
    """Return the path of ``stem`` or ``stem.gz`` in ``root``; explain if neither exists.

    Raises:
        FileNotFoundError: naming the folder, the file looked for, and
            ``install_hint`` (how to get the files).

    Example:
        >>> import tempfile
        >>> folder = tempfile.mkdtemp()
        >>> open(os.path.join(folder, "t10k-labels-idx1-ubyte.gz"), "wb").close()
        >>> os.path.basename(find_idx_file(folder, "t10k-labels-idx1-ubyte", ""))
        't10k-labels-idx1-ubyte.gz'
    """
    for candidate in (stem, stem + ".gz"):
        path = os.path.join(root, candidate)
        if os.path.isfile(path):
            return path
    if not os.path.isdir(root):
        problem = f"data folder {root!r} does not exist"
    else:
        problem = f"neither {stem!r} nor {stem + '.gz'!r} is in {root!r}"
    raise FileNotFoundError(f"{problem}. {install_hint}")


class MNIST(ImageClassificationDataset):
    """The MNIST hand-written digits, read from the four standard IDX files.

    Args:
        root: folder holding ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
            ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte`` (each may be
            gzipped and end in ``.gz``).
        train: the 60,000-image training split if True, else the 10,000-image test split.

    Shape:
        data: (N, 1, 28, 28) float32 in [0, 1]; targets: (N,) int64.

    Raises:
        tinygrad_cnn.IDXError: (a ValueError) naming the file, when a file is
            damaged (see `read_idx`), the images are not uint8 (N, 28, 28), the
            labels are not integers (N,) in 0..9, or the two counts differ.
        FileNotFoundError: a file is missing; the message says how to get it.

    Example (needs the files, hence skipped by doctest)::

        >>> ds = MNIST("~/data/mnist", train=False)   # doctest: +SKIP
        >>> ds.data.shape, ds.targets[:3]              # doctest: +SKIP
        ((10000, 1, 28, 28), array([7, 2, 1]))
    """

    default_classes = MNIST_CLASSES
    install_hint = ("Download the four MNIST IDX files into that folder, "
                    "or pass root= pointing at a folder that has them.")

    def __init__(self, root, train=True):
        root = os.path.expanduser(str(root))
        image_stem, label_stem = _SPLIT_FILES[bool(train)]
        image_path = find_idx_file(root, image_stem, self.install_hint)
        label_path = find_idx_file(root, label_stem, self.install_hint)
        images, labels = read_idx(image_path), read_idx(label_path)
        _check_mnist_files(images, labels, image_path, label_path)
        self.root, self.train = root, bool(train)
        super().__init__(images, labels, self.default_classes,
                         source=f"{os.path.basename(image_path)} / {os.path.basename(label_path)}")


def _check_mnist_files(images, labels, image_path, label_path):
    """Raise IDXError unless the pair holds uint8 (N, 28, 28) images and N labels in 0..9."""
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
        raise IDXError(f"{image_path}: MNIST images must be uint8 of shape (N, 28, 28), got "
                       f"{images.dtype} of shape {images.shape}")
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise IDXError(f"{label_path}: MNIST labels must be integers of shape (N,), got "
                       f"{labels.dtype} of shape {labels.shape}")
    if len(labels) != len(images):
        raise IDXError(f"{image_path} / {label_path}: {len(images)} images but {len(labels)} "
                       "labels; the image and label files must belong together")
    outside = (labels < 0) | (labels > 9)
    if outside.any():
        index = int(np.argmax(outside))
        raise IDXError(f"{label_path}: labels must lie in 0..9, but label {index} is "
                       f"{int(labels[index])} ({int(outside.sum())} of {len(labels)} outside 0..9)")


class FashionMNIST(MNIST):
    """Fashion-MNIST (Zalando's clothing images), same layout as MNIST.

    Args:
        root: folder with the four IDX files; defaults to
            ``/usr/share/datasets/fashion-mnist``, where Debian's
            ``dataset-fashion-mnist`` package installs them.
        train: training split (60,000 images) if True, else test split (10,000).

    Example (needs the files, hence skipped by doctest)::

        >>> ds = FashionMNIST(train=False)                # doctest: +SKIP
        >>> image, label = ds[0]                          # doctest: +SKIP
        >>> image.shape, ds.classes[label]                # doctest: +SKIP
        ((1, 28, 28), 'Ankle boot')
    """

    default_classes = FASHION_MNIST_CLASSES
    install_hint = ("Install them with `apt-get install dataset-fashion-mnist` "
                    f"(puts them in {DEBIAN_FASHION_MNIST_ROOT}), or pass root= pointing at "
                    "a folder with the four Fashion-MNIST IDX files; "
                    "EmbeddedFashionMNIST() needs no download.")

    def __init__(self, root=None, train=True):
        super().__init__(DEBIAN_FASHION_MNIST_ROOT if root is None else root, train=train)


class EmbeddedFashionMNIST(ImageClassificationDataset):
    """A 7,000-image Fashion-MNIST subset that ships inside the package.

    6,000 training images (600 per class) and 1,000 test images (100 per
    class), drawn with a fixed seed from the official splits by
    ``tools/make_embedded_dataset.py``. Small enough to train a CNN on in
    minutes, and needs no download.

    Args:
        train: the 6,000-image training subset if True, else the 1,000-image test subset.

    Shape:
        data: (N, 1, 28, 28) float32 in [0, 1]; targets: (N,) int64.

    Example:
        >>> train_set = EmbeddedFashionMNIST(train=True)
        >>> len(train_set), train_set.data.shape
        (6000, (6000, 1, 28, 28))
        >>> np.bincount(train_set.targets).tolist() == [600] * 10
        True
        >>> len(EmbeddedFashionMNIST(train=False))
        1000
    """

    def __init__(self, train=True):
        split = "train" if train else "test"
        resource = importlib.resources.files("tinygrad_cnn.data").joinpath(EMBEDDED_FILE)
        with resource.open("rb") as f, np.load(f, allow_pickle=False) as arrays:
            images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        self.train = bool(train)
        super().__init__(images, labels, FASHION_MNIST_CLASSES, source=f"{EMBEDDED_FILE} ({split})")
