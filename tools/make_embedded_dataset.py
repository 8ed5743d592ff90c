"""Make tinygrad_cnn/data/fashion_mnist_subset.npz, the embedded default data set.

Reads the full Fashion-MNIST IDX files (by default from Debian's
``dataset-fashion-mnist`` package) and keeps a stratified random subset:
600 training images and 100 test images of each of the 10 classes, chosen with
a fixed seed so the file is reproducible. Images stay uint8 (0..255) and are
stored with ``np.savez_compressed`` as four plain arrays, so
``np.load(..., allow_pickle=False)`` can read them:

    train_images (6000, 28, 28) uint8    train_labels (6000,) uint8
    test_images  (1000, 28, 28) uint8    test_labels  (1000,) uint8

Within each split the images are ordered by their index in the original file
(train_indices / test_indices record those indices, so the subset can be
checked against the source).

Run from the repository root:

    python tools/make_embedded_dataset.py [--root /usr/share/datasets/fashion-mnist]
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from tinygrad_cnn.data.datasets import DEBIAN_FASHION_MNIST_ROOT, EMBEDDED_FILE, find_idx_file  # noqa: E402
from tinygrad_cnn.data.idx import read_idx  # noqa: E402

SEED = 0
TRAIN_PER_CLASS = 600
TEST_PER_CLASS = 100
NUM_CLASSES = 10


def stratified_indices(labels, per_class, rng, num_classes=NUM_CLASSES):
    """Pick ``per_class`` indices of each class at random, without replacement; return them sorted.

    Example:
        >>> labels = np.array([0, 1, 0, 1, 0, 1])
        >>> indices = stratified_indices(labels, 2, np.random.default_rng(0), num_classes=2)
        >>> len(indices), np.bincount(labels[indices]).tolist()
        (4, [2, 2])
    """
    chosen = []
    for label in range(num_classes):
        members = np.flatnonzero(labels == label)
        if len(members) < per_class:
            raise ValueError(f"class {label} has only {len(members)} images, need {per_class}")
        chosen.append(rng.choice(members, size=per_class, replace=False))
    return np.sort(np.concatenate(chosen))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", default=DEBIAN_FASHION_MNIST_ROOT, help="folder with the Fashion-MNIST IDX files")
    default_output = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tinygrad_cnn", "data", EMBEDDED_FILE)
    parser.add_argument("--output", default=default_output)
    args = parser.parse_args()

    hint = "Install them with `apt-get install dataset-fashion-mnist`, or pass --root."
    rng = np.random.default_rng(SEED)
    arrays = {}
    for split, image_stem, label_stem, per_class in (
            ("train", "train-images-idx3-ubyte", "train-labels-idx1-ubyte", TRAIN_PER_CLASS),
            ("test", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", TEST_PER_CLASS)):
        images = read_idx(find_idx_file(args.root, image_stem, hint))  # (N, 28, 28) uint8
        labels = read_idx(find_idx_file(args.root, label_stem, hint))  # (N,) uint8
        indices = stratified_indices(labels, per_class, rng)
        arrays[f"{split}_images"] = images[indices]
        arrays[f"{split}_labels"] = labels[indices]
        arrays[f"{split}_indices"] = indices.astype(np.int32)
        print(f"{split}: kept {len(indices)} of {len(labels)} images, "
              f"per class {np.bincount(labels[indices], minlength=NUM_CLASSES).tolist()}")

    np.savez_compressed(args.output, **arrays)
    print(f"wrote {os.path.normpath(args.output)} ({os.path.getsize(args.output) / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
