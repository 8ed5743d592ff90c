"""Tests for tinygrad_cnn.data: the IDX reader, the data sets and the DataLoader."""

import gzip
import os

import numpy as np
import pytest

from tinygrad_cnn import IDXError
from tinygrad_cnn.data import (
    DEBIAN_FASHION_MNIST_ROOT,
    FASHION_MNIST_CLASSES,
    MNIST,
    DataLoader,
    EmbeddedFashionMNIST,
    FashionMNIST,
    read_idx,
    write_idx,
)

DEBIAN_FILES_PRESENT = os.path.isfile(os.path.join(DEBIAN_FASHION_MNIST_ROOT, "train-images-idx3-ubyte.gz"))
needs_debian_files = pytest.mark.skipif(
    not DEBIAN_FILES_PRESENT,
    reason=f"Fashion-MNIST not in {DEBIAN_FASHION_MNIST_ROOT} (apt-get install dataset-fashion-mnist)")


# ---------------------------------------------------------------- IDX reader

def write_raw(path, content):
    with open(path, "wb") as f:
        f.write(content)
    return str(path)


def test_read_idx_hand_made_bytes(tmp_path):
    # Header 00 00 08 02 | 00 00 00 02 | 00 00 00 03, then 6 uint8 values: a 2x3 grid.
    content = bytes([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 255])
    array = read_idx(write_raw(tmp_path / "grid-idx2-ubyte", content))
    assert array.dtype == np.uint8
    np.testing.assert_array_equal(array, [[1, 2, 3], [4, 5, 255]])


def test_read_idx_big_endian_int32_by_hand(tmp_path):
    # 0x0C = int32; the value 0x01020304 = 16909060 and -2 stored big-endian.
    content = bytes([0, 0, 0x0C, 1, 0, 0, 0, 2, 1, 2, 3, 4, 0xFF, 0xFF, 0xFF, 0xFE])
    array = read_idx(write_raw(tmp_path / "ints-idx1-int", content))
    assert array.dtype == np.int32 and array.dtype.isnative
    np.testing.assert_array_equal(array, [16909060, -2])


@pytest.mark.parametrize("compressed", [False, True])
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(7,), (3, 4, 5)])
def test_read_idx_round_trip(tmp_path, compressed, dtype, shape):
    rng = np.random.default_rng(0)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        array = rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dtype)
    else:
        array = rng.standard_normal(shape).astype(dtype)
    path = str(tmp_path / ("sample.idx.gz" if compressed else "sample.idx"))
    write_idx(path, array)

    with open(path, "rb") as f:
        assert (f.read(2) == b"\x1f\x8b") == compressed
    result = read_idx(path)
    assert result.dtype == np.dtype(dtype) and result.dtype.isnative
    assert result.shape == shape
    np.testing.assert_array_equal(result, array)


def test_read_idx_detects_gzip_by_content_not_name(tmp_path):
    array = np.arange(10, dtype=np.uint8)
    write_idx(str(tmp_path / "labels.gz"), array)
    os.rename(tmp_path / "labels.gz", tmp_path / "labels-idx1-ubyte")  # gzipped, no .gz name
    np.testing.assert_array_equal(read_idx(str(tmp_path / "labels-idx1-ubyte")), array)


def test_read_idx_result_is_writable(tmp_path):
    write_idx(str(tmp_path / "a.idx"), np.zeros(3, np.float32))
    array = read_idx(str(tmp_path / "a.idx"))
    array[0] = 1.0
    assert array[0] == 1.0


def assert_idx_error(path, *fragments):
    with pytest.raises(IDXError) as info:
        read_idx(str(path))
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def test_read_idx_bad_magic(tmp_path):
    path = write_raw(tmp_path / "bad-magic-idx1-ubyte", bytes([0x12, 0x34, 0x08, 1, 0, 0, 0, 1, 9]))
    assert_idx_error(path, "bad magic number", "0x12340801")


def test_read_idx_unknown_type_code(tmp_path):
    path = write_raw(tmp_path / "bad-type-idx1", bytes([0, 0, 0x07, 1, 0, 0, 0, 1, 9]))
    assert_idx_error(path, "unknown type code 0x07")


def test_read_idx_truncated_data(tmp_path):
    # Header promises (2, 28, 28) uint8 = 1568 bytes, only 1000 follow.
    header = bytes([0, 0, 0x08, 3]) + np.array([2, 28, 28], ">u4").tobytes()
    path = write_raw(tmp_path / "train-images-idx3-ubyte", header + bytes(1000))
    assert_idx_error(path, "expected 1568 bytes of data for shape (2, 28, 28) uint8, found 1000")


def test_read_idx_truncated_gzip_file(tmp_path):
    path = str(tmp_path / "images-idx3-ubyte.gz")
    write_idx(path, np.zeros((4, 28, 28), np.uint8))
    with open(path, "rb") as f:
        content = f.read()
    write_raw(path, content[:len(content) // 2])
    assert_idx_error(path, "corrupt gzip")


def test_read_idx_wrong_dimension_count(tmp_path):
    # Data for a (2, 3) array, but the header says 3 dimensions: the first four
    # data bytes 01 02 03 04 are then read as a third size, 0x01020304.
    content = bytes([0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0, 0, 3]) + bytes([1, 2, 3, 4, 5, 6])
    path = write_raw(tmp_path / "wrong-dims-idx2-ubyte", content)
    assert_idx_error(path, "expected", "for shape (2, 3, 16909060) uint8, found 2")


def test_read_idx_dimension_count_larger_than_header(tmp_path):
    path = write_raw(tmp_path / "short-header-idx", bytes([0, 0, 0x08, 5, 0, 0, 0, 1]))
    assert_idx_error(path, "declares 5 dimensions", "only 8 bytes")


def test_read_idx_zero_dimensions(tmp_path):
    path = write_raw(tmp_path / "no-dims-idx", bytes([0, 0, 0x08, 0]))
    assert_idx_error(path, "dimension count is 0")


def test_read_idx_trailing_bytes(tmp_path):
    path = write_raw(tmp_path / "long-idx1-ubyte", bytes([0, 0, 0x08, 1, 0, 0, 0, 2, 1, 2, 3]))
    assert_idx_error(path, "expected 2 bytes of data for shape (2,) uint8, found 3")


def test_read_idx_empty_file(tmp_path):
    path = write_raw(tmp_path / "empty-idx1-ubyte", b"")
    assert_idx_error(path, "too short", "0 bytes")


def test_idx_error_is_one_public_value_error():
    assert issubclass(IDXError, ValueError)
    assert f"{IDXError.__module__}.{IDXError.__qualname__}" == "tinygrad_cnn.IDXError"


def test_read_idx_corrupt_gzip_data_names_the_file(tmp_path):
    # A valid gzip header followed by bytes that are not a deflate stream: zlib.error inside.
    content = gzip.compress(bytes([0, 0, 0x08, 1, 0, 0, 0, 3, 7, 8, 9]))
    path = write_raw(tmp_path / "labels-idx1-ubyte.gz", content[:10] + b"\xff" * 12 + content[-8:])
    assert_idx_error(path, "corrupt gzip data")
    crc_broken = bytearray(content)
    crc_broken[-6] ^= 0x01                                   # the CRC-32 trailer
    assert_idx_error(write_raw(tmp_path / "crc-idx1-ubyte.gz", bytes(crc_broken)), "corrupt gzip")


def test_read_idx_empty_array_whose_other_sizes_overflow(tmp_path):
    # Found by tests/fuzz: 0 bytes are expected, yet NumPy cannot make the shape.
    dims = (0, 3101, 3101, 152242, 6300162)
    header = bytes([0, 0, 0x08, len(dims)]) + np.array(dims, ">u4").tobytes()
    path = write_raw(tmp_path / "empty-idx5-ubyte", header)
    assert_idx_error(path, f"shape {dims} is too large for a NumPy array")
    small = (0, 28, 28)
    header = bytes([0, 0, 0x08, len(small)]) + np.array(small, ">u4").tobytes()
    assert read_idx(write_raw(tmp_path / "none-idx3-ubyte", header)).shape == small


@pytest.mark.parametrize("dims, expected", [
    ((2**31, 2**31, 4), 2**64),                 # the int64 product wraps to 0
    ((2**32 - 1, 2**32 - 1), (2**32 - 1) ** 2),   # the int64 product goes negative
])
def test_read_idx_size_check_cannot_overflow(tmp_path, dims, expected):
    header = bytes([0, 0, 0x08, len(dims)]) + np.array(dims, ">u4").tobytes()
    path = write_raw(tmp_path / "huge-idx-ubyte", header + bytes(0))
    assert_idx_error(path, f"expected {expected} bytes of data for shape {dims} uint8, found 0")


# ---------------------------------------------------------------- MNIST from a folder

def make_mnist_folder(folder, num_train=12, num_test=5, compressed=False):
    """Write the four IDX files of a tiny fake MNIST; return the arrays written."""
    rng = np.random.default_rng(1)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (num_train, 28, 28)).astype(np.uint8),
        "train-labels-idx1-ubyte": (np.arange(num_train) % 10).astype(np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (num_test, 28, 28)).astype(np.uint8),
        "t10k-labels-idx1-ubyte": (np.arange(num_test)[::-1] % 10).astype(np.uint8),
    }
    for name, array in arrays.items():
        write_idx(os.path.join(folder, name + (".gz" if compressed else "")), array)
    return arrays


@pytest.mark.parametrize("compressed", [False, True])
def test_mnist_reads_folder(tmp_path, compressed):
    arrays = make_mnist_folder(str(tmp_path), compressed=compressed)
    train, test = MNIST(tmp_path, train=True), MNIST(str(tmp_path), train=False)

    assert len(train) == 12 and len(test) == 5
    assert train.data.shape == (12, 1, 28, 28) and train.data.dtype == np.float32
    assert train.targets.dtype == np.int64
    np.testing.assert_array_equal(train.data[:, 0], arrays["train-images-idx3-ubyte"] / np.float32(255))
    np.testing.assert_array_equal(test.targets, [4, 3, 2, 1, 0])
    assert train.data.min() >= 0.0 and train.data.max() <= 1.0

    image, label = test[1]
    assert image.shape == (1, 28, 28) and image.dtype == np.float32
    assert isinstance(label, int) and label == 3
    np.testing.assert_array_equal(image[0] * 255, arrays["t10k-images-idx3-ubyte"][1])
    assert len(train.classes) == 10


def test_mnist_pixel_scaling_is_exact_at_the_ends(tmp_path):
    make_mnist_folder(str(tmp_path))
    images = np.zeros((2, 28, 28), np.uint8)
    images[1] = 255
    write_idx(str(tmp_path / "t10k-images-idx3-ubyte"), images)
    write_idx(str(tmp_path / "t10k-labels-idx1-ubyte"), np.array([0, 1], np.uint8))
    test = MNIST(tmp_path, train=False)
    assert test.data[0].max() == 0.0 and test.data[1].min() == 1.0


def test_mnist_count_mismatch_is_reported(tmp_path):
    make_mnist_folder(str(tmp_path))
    write_idx(str(tmp_path / "train-labels-idx1-ubyte"), np.zeros(11, np.uint8))
    with pytest.raises(ValueError, match=r"12 images but 11 labels"):
        MNIST(tmp_path)


@pytest.mark.parametrize("name, array, fragment", [
    ("train-images-idx3-ubyte", np.zeros((12, 32, 32), np.uint8), "(N, 28, 28), got uint8 of shape (12, 32, 32)"),
    ("train-images-idx3-ubyte", np.zeros((12, 784), np.uint8), "got uint8 of shape (12, 784)"),
    ("train-images-idx3-ubyte", np.zeros((12, 28, 28), np.float32), "got float32"),
    ("train-labels-idx1-ubyte", np.zeros((12, 1), np.uint8), "labels must be integers of shape (N,)"),
    ("train-labels-idx1-ubyte", np.zeros(12, np.float32), "labels must be integers"),
    ("train-labels-idx1-ubyte", np.array([0] * 11 + [10], np.uint8), "label 11 is 10 (1 of 12 outside 0..9)"),
    ("train-labels-idx1-ubyte", np.array([-1] * 12, np.int8), "label 0 is -1 (12 of 12 outside"),
])
def test_mnist_checks_image_size_and_label_range(tmp_path, name, array, fragment):
    make_mnist_folder(str(tmp_path))
    write_idx(str(tmp_path / name), array)
    with pytest.raises(IDXError) as info:
        MNIST(tmp_path)
    assert str(tmp_path / name) in str(info.value) and fragment in str(info.value)
    with pytest.raises(IDXError, match=name):
        FashionMNIST(root=tmp_path)


def test_mnist_missing_file_names_it(tmp_path):
    make_mnist_folder(str(tmp_path))
    os.remove(tmp_path / "t10k-labels-idx1-ubyte")
    MNIST(tmp_path, train=True)  # the training files are still there
    with pytest.raises(FileNotFoundError, match=r"t10k-labels-idx1-ubyte.*root="):
        MNIST(tmp_path, train=False)


def test_fashion_mnist_missing_folder_says_how_to_install(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(FileNotFoundError) as info:
        FashionMNIST(root=missing)
    message = str(info.value)
    assert str(missing) in message and "does not exist" in message
    assert "apt-get install dataset-fashion-mnist" in message and "root=" in message


def test_fashion_mnist_class_names(tmp_path):
    make_mnist_folder(str(tmp_path))
    dataset = FashionMNIST(root=tmp_path, train=False)
    assert dataset.classes == ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


# ---------------------------------------------------------------- the real Fashion-MNIST

@pytest.fixture(scope="module")
def debian_train():
    return FashionMNIST(train=True)


@needs_debian_files
def test_debian_fashion_mnist_train(debian_train):
    assert debian_train.data.shape == (60000, 1, 28, 28)
    assert debian_train.data.dtype == np.float32 and debian_train.targets.dtype == np.int64
    assert debian_train.data.min() == 0.0 and debian_train.data.max() == 1.0
    assert debian_train.targets.min() == 0 and debian_train.targets.max() == 9
    assert np.bincount(debian_train.targets).tolist() == [6000] * 10
    # The first training image of Fashion-MNIST is an ankle boot (class 9).
    assert debian_train[0][1] == 9 and debian_train.classes[9] == "Ankle boot"


@needs_debian_files
def test_debian_fashion_mnist_test():
    test = FashionMNIST(train=False)
    assert test.data.shape == (10000, 1, 28, 28) and test.targets.shape == (10000,)
    assert 0.0 <= test.data.min() and test.data.max() <= 1.0
    assert np.bincount(test.targets).tolist() == [1000] * 10


# ---------------------------------------------------------------- embedded subset

@pytest.mark.parametrize("train, per_class", [(True, 600), (False, 100)])
def test_embedded_subset_is_stratified(train, per_class):
    dataset = EmbeddedFashionMNIST(train=train)
    num_images = 10 * per_class
    assert len(dataset) == num_images
    assert dataset.data.shape == (num_images, 1, 28, 28) and dataset.data.dtype == np.float32
    assert dataset.targets.shape == (num_images,) and dataset.targets.dtype == np.int64
    assert np.bincount(dataset.targets, minlength=10).tolist() == [per_class] * 10
    assert dataset.data.min() == 0.0 and dataset.data.max() == 1.0
    assert dataset.classes == FASHION_MNIST_CLASSES
    # Pixels are whole multiples of 1/255, i.e. they came from uint8.
    np.testing.assert_allclose(dataset.data * 255, np.round(dataset.data * 255), atol=1e-4)


def test_embedded_file_loads_without_pickle():
    import importlib.resources
    resource = importlib.resources.files("tinygrad_cnn.data").joinpath("fashion_mnist_subset.npz")
    with resource.open("rb") as f, np.load(f, allow_pickle=False) as arrays:
        assert arrays["train_images"].dtype == np.uint8
        assert arrays["train_images"].shape == (6000, 28, 28)
        assert arrays["test_labels"].shape == (1000,)


@needs_debian_files
def test_embedded_subset_comes_from_fashion_mnist(debian_train):
    import importlib.resources
    resource = importlib.resources.files("tinygrad_cnn.data").joinpath("fashion_mnist_subset.npz")
    with resource.open("rb") as f, np.load(f, allow_pickle=False) as arrays:
        train_indices = arrays["train_indices"]
    assert len(np.unique(train_indices)) == 6000
    embedded = EmbeddedFashionMNIST(train=True)
    for position in [0, 1, 2999, 5999]:
        source = train_indices[position]
        np.testing.assert_array_equal(embedded.data[position], debian_train.data[source])
        assert embedded.targets[position] == debian_train.targets[source]
    # And without trusting the stored indices: a few images occur in the full set.
    full_images = debian_train.data.reshape(60000, -1)
    for position in [10, 4321]:
        matches = np.flatnonzero((full_images == embedded.data[position].reshape(1, -1)).all(axis=1))
        assert len(matches) >= 1
        assert debian_train.targets[matches[0]] == embedded.targets[position]


# ---------------------------------------------------------------- DataLoader

class PairsDataset:
    """A data set with no .data/.targets: forces the generic collate path."""

    def __init__(self, num_samples):
        self.num_samples = num_samples

    def __len__(self):
        return self.num_samples

    def __getitem__(self, index):
        return np.full((1, 2, 2), index, dtype=np.float32), index % 3


class ArrayDataset:
    """A data set with .data/.targets arrays whose image i is filled with the value i."""

    def __init__(self, num_samples):
        self.data = np.repeat(np.arange(num_samples, dtype=np.float32), 4).reshape(num_samples, 1, 2, 2)
        self.targets = np.arange(num_samples, dtype=np.int64)

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, index):
        raise AssertionError("the fast path must not call __getitem__")


def epoch_labels(loader):
    return [labels.numpy().tolist() for _, labels in loader]


def test_loader_batches_in_order_without_shuffle():
    loader = DataLoader(ArrayDataset(10), batch_size=4)
    assert len(loader) == 3
    batches = list(loader)
    assert [images.numpy().shape for images, _ in batches] == [(4, 1, 2, 2), (4, 1, 2, 2), (2, 1, 2, 2)]
    assert epoch_labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    images, labels = batches[2]
    assert images.numpy().dtype == np.float32 and labels.numpy().dtype == np.int64
    np.testing.assert_array_equal(images.numpy()[:, 0, 0, 0], [8, 9])
    assert images.requires_grad is False


def test_loader_drop_last():
    loader = DataLoader(ArrayDataset(10), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert epoch_labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(DataLoader(ArrayDataset(8), batch_size=4, drop_last=True)) == 2
    assert len(DataLoader(ArrayDataset(3), batch_size=4, drop_last=True)) == 0
    assert len(DataLoader(ArrayDataset(3), batch_size=4)) == 1


def test_loader_same_seed_same_order_and_epochs_differ():
    first = DataLoader(ArrayDataset(50), batch_size=8, shuffle=True, seed=123)
    second = DataLoader(ArrayDataset(50), batch_size=8, shuffle=True, seed=123)
    first_epochs = [epoch_labels(first) for _ in range(3)]
    second_epochs = [epoch_labels(second) for _ in range(3)]
    assert first_epochs == second_epochs
    assert first_epochs[0] != first_epochs[1] != first_epochs[2]
    assert first_epochs[0] != epoch_labels(DataLoader(ArrayDataset(50), batch_size=8, shuffle=True, seed=7))
    assert first_epochs[0] != [list(range(i, min(i + 8, 50))) for i in range(0, 50, 8)]


@pytest.mark.parametrize("drop_last", [False, True])
def test_loader_every_sample_once_per_epoch(drop_last):
    loader = DataLoader(ArrayDataset(23), batch_size=5, shuffle=True, seed=0, drop_last=drop_last)
    for _ in range(2):
        seen = []
        for images, labels in loader:
            # images and labels stay paired: image i is filled with the value i.
            np.testing.assert_array_equal(images.numpy()[:, 0, 1, 1], labels.numpy())
            seen.extend(labels.numpy().tolist())
        if drop_last:
            assert len(seen) == 20 and len(set(seen)) == 20
        else:
            assert sorted(seen) == list(range(23))


def test_loader_generic_collate_path():
    loader = DataLoader(PairsDataset(7), batch_size=3, shuffle=True, seed=1)
    all_labels, all_values = [], []
    for images, labels in loader:
        assert images.numpy().dtype == np.float32 and labels.numpy().dtype == np.int64
        assert images.numpy().shape[1:] == (1, 2, 2)
        values = images.numpy()[:, 0, 0, 0].astype(int)
        np.testing.assert_array_equal(labels.numpy(), values % 3)
        all_values.extend(values.tolist())
    assert sorted(all_values) == list(range(7))


def test_loader_generic_collate_keeps_float64_images_like_pytorch():
    # torch.utils.data.default_collate keeps a float64 array float64; so does this loader
    # (the older loader cast to float32).
    pairs = [(np.ones((2, 2)), 1), (np.zeros((2, 2)), 0)]  # a list is a data set too
    images, labels = next(iter(DataLoader(pairs, batch_size=2)))
    assert images.numpy().dtype == np.float64 and images.numpy().shape == (2, 2, 2)
    np.testing.assert_array_equal(images.numpy()[:, 0, 0], [1.0, 0.0])
    assert labels.numpy().tolist() == [1, 0] and labels.numpy().dtype == np.int64


def test_loader_on_embedded_subset():
    loader = DataLoader(EmbeddedFashionMNIST(train=False), batch_size=64, shuffle=True, seed=0)
    assert len(loader) == 16  # ceil(1000 / 64)
    counts = np.zeros(10, int)
    for images, labels in loader:
        assert images.numpy().shape[1:] == (1, 28, 28)
        counts += np.bincount(labels.numpy(), minlength=10)
    assert counts.tolist() == [100] * 10


@pytest.mark.parametrize("batch_size", [0, -3, 2.5, "8", True])
def test_loader_rejects_bad_batch_size(batch_size):
    # PyTorch's BatchSampler raises ValueError for all of these, with this message.
    with pytest.raises(ValueError, match="batch_size should be a positive integer value, but got batch_size="):
        DataLoader(ArrayDataset(4), batch_size=batch_size)


def test_loader_batch_size_none_turns_batching_off():
    loader = DataLoader(ArrayDataset(3), batch_size=None)
    assert len(loader) == 3
    with pytest.raises(AssertionError, match="fast path"):  # no batching: ds[i] is called
        next(iter(loader))
    samples = list(DataLoader(PairsDataset(3), batch_size=None))
    assert [label for _, label in samples] == [0, 1, 2]  # ints stay ints, as default_convert does
    assert samples[2][0].numpy().shape == (1, 2, 2) and samples[2][0].numpy()[0, 0, 0] == 2


def test_loader_accepts_numpy_int_batch_size():
    assert len(DataLoader(ArrayDataset(10), batch_size=np.int64(5))) == 2


def test_loader_rejects_non_dataset():
    with pytest.raises(TypeError, match="__len__ and __getitem__"):
        DataLoader(42)
