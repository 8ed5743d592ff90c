"""Tests for tinygrad_cnn.vision: MNIST / FashionMNIST from local files, and the transforms.

Nothing is downloaded: the IDX files are written into tmp_path; the Debian
Fashion-MNIST folder is used when it is installed.
"""
import os

import numpy as np
import pytest

import tinygrad_cnn as tg
from tinygrad_cnn.data import DEBIAN_FASHION_MNIST_ROOT, write_idx
from tinygrad_cnn.utils.data import DataLoader, default_collate
from tinygrad_cnn.vision import datasets, transforms

MNIST_MEAN, MNIST_STD = (0.1307,), (0.3081,)


def write_split_files(folder, train=True, num_images=6, compressed=False, seed=0):
    """Write one split's two IDX files into ``folder``; return (images, labels)."""
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (num_images, 28, 28)).astype(np.uint8)
    images[0, 0, 0], images[0, 0, 1] = 0, 255  # both ends of the pixel range
    labels = (np.arange(num_images) * 3 % 10).astype(np.uint8)
    prefix = "train" if train else "t10k"
    suffix = ".gz" if compressed else ""
    write_idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte{suffix}"), images)
    write_idx(os.path.join(folder, f"{prefix}-labels-idx1-ubyte{suffix}"), labels)
    return images, labels


# ---------------------------------------------------------------- data sets

@pytest.mark.parametrize("compressed", [False, True])
@pytest.mark.parametrize("train", [True, False])
def test_mnist_reads_torchvision_layout(tmp_path, compressed, train):
    images, labels = write_split_files(str(tmp_path / "MNIST" / "raw"), train=train, compressed=compressed)
    dataset = datasets.MNIST(tmp_path, train=train)  # a Path works, as in torchvision
    assert len(dataset) == 6
    assert dataset.data.shape == (6, 28, 28) and dataset.data.dtype == np.uint8
    assert dataset.targets.shape == (6,) and dataset.targets.dtype == np.int64
    np.testing.assert_array_equal(dataset.data.numpy(), images)
    np.testing.assert_array_equal(dataset.targets.numpy(), labels)
    image, label = dataset[4]
    assert isinstance(image, np.ndarray) and image.shape == (28, 28) and image.dtype == np.uint8
    np.testing.assert_array_equal(image, images[4])
    assert type(label) is int and label == 2  # 4 * 3 % 10
    assert dataset.raw_folder == os.path.join(str(tmp_path), "MNIST", "raw")
    assert dataset.classes[label] == "2 - two" and dataset.class_to_idx["2 - two"] == 2


def test_sample_is_a_copy(tmp_path):
    images, _ = write_split_files(str(tmp_path), train=False)
    dataset = datasets.MNIST(tmp_path, train=False)
    image, _ = dataset[0]
    image[:] = 9
    np.testing.assert_array_equal(dataset[0][0], images[0])


def test_mnist_reads_a_folder_of_idx_files(tmp_path):
    images, labels = write_split_files(str(tmp_path), train=False, compressed=True)
    dataset = datasets.MNIST(str(tmp_path), train=False)
    np.testing.assert_array_equal(dataset.data.numpy(), images)
    assert [dataset[i][1] for i in range(6)] == labels.tolist()


def test_fashion_mnist_layout_and_classes(tmp_path):
    write_split_files(str(tmp_path / "FashionMNIST" / "raw"), train=True, seed=1)
    dataset = datasets.FashionMNIST(tmp_path, train=True)
    assert len(dataset) == 6 and dataset.classes[9] == "Ankle boot" and dataset.classes[0] == "T-shirt/top"
    with pytest.raises(RuntimeError):  # MNIST looks in root/MNIST/raw, not FashionMNIST's folder
        datasets.MNIST(tmp_path, train=True)


def test_transforms_and_target_transform_are_applied(tmp_path):
    images, labels = write_split_files(str(tmp_path / "MNIST" / "raw"), train=True)
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize(MNIST_MEAN, MNIST_STD)])
    dataset = datasets.MNIST(tmp_path, transform=transform, target_transform=lambda y: y + 100)
    image, label = dataset[0]
    assert image.shape == (1, 28, 28) and image.dtype == np.float32
    expected = (images[0].astype(np.float32) / np.float32(255) - np.float32(0.1307)) / np.float32(0.3081)
    np.testing.assert_array_equal(image.numpy()[0], expected)
    assert image.numpy()[0, 0, 0] == expected[0, 0] and label == labels[0] + 100
    assert "Split: Train" in repr(dataset) and "Normalize(mean=(0.1307,), std=(0.3081,))" in repr(dataset)


def test_mnist_tutorial_pipeline_matches_torch(tmp_path):
    torch = pytest.importorskip("torch", reason="compares with torch ops")
    images, _ = write_split_files(str(tmp_path / "MNIST" / "raw"), train=True)
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize(MNIST_MEAN, MNIST_STD)])
    dataset = datasets.MNIST(tmp_path, transform=transform)
    batch, labels = next(iter(DataLoader(dataset, batch_size=4)))
    assert batch.shape == (4, 1, 28, 28) and batch.dtype == np.float32 and labels.dtype == np.int64
    # torchvision: ToTensor = from_numpy(HWC -> CHW).float().div(255); Normalize = sub_(mean).div_(std)
    theirs = torch.from_numpy(images[:4, None]).to(torch.float32).div(255)
    theirs = theirs.sub(torch.tensor(MNIST_MEAN).view(-1, 1, 1)).div(torch.tensor(MNIST_STD).view(-1, 1, 1))
    np.testing.assert_array_equal(batch.numpy(), theirs.numpy())


def test_loader_without_transform_uses_the_arrays_and_matches_collation(tmp_path):
    images, labels = write_split_files(str(tmp_path / "MNIST" / "raw"), train=True, num_images=10)
    dataset = datasets.MNIST(tmp_path)
    fast = list(DataLoader(dataset, batch_size=4))
    slow = list(DataLoader(dataset, batch_size=4, collate_fn=lambda batch: default_collate(batch)))
    for (fast_x, fast_y), (slow_x, slow_y) in zip(fast, slow):
        assert fast_x.dtype == slow_x.dtype == np.uint8 and fast_x.shape == slow_x.shape
        np.testing.assert_array_equal(fast_x.numpy(), slow_x.numpy())
        np.testing.assert_array_equal(fast_y.numpy(), slow_y.numpy())
    np.testing.assert_array_equal(np.concatenate([x.numpy() for x, _ in fast]), images)


@pytest.mark.parametrize("download", [False, True])
def test_missing_files_say_where_to_put_them(tmp_path, download):
    with pytest.raises(RuntimeError) as info:
        datasets.MNIST(tmp_path, train=False, download=download)
    message = str(info.value)
    for fragment in ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", ".gz",
                     os.path.join(str(tmp_path), "MNIST", "raw"), str(tmp_path)]:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    assert ("never downloads" in message) == download


def test_download_true_uses_files_already_there(tmp_path):
    images, _ = write_split_files(str(tmp_path / "MNIST" / "raw"), train=True)
    np.testing.assert_array_equal(datasets.MNIST(tmp_path, download=True).data.numpy(), images)


def test_fashion_mnist_error_mentions_the_debian_package(tmp_path):
    with pytest.raises(RuntimeError, match="apt-get install dataset-fashion-mnist") as info:
        datasets.FashionMNIST(tmp_path, download=True)
    assert "FashionMNIST" in str(info.value) and DEBIAN_FASHION_MNIST_ROOT in str(info.value)


def test_mismatched_files_are_reported(tmp_path):
    write_split_files(str(tmp_path), train=True)
    write_idx(str(tmp_path / "train-labels-idx1-ubyte"), np.zeros(5, np.uint8))
    with pytest.raises(ValueError, match="6 images but 5 labels"):
        datasets.MNIST(tmp_path)


@pytest.mark.skipif(not os.path.isfile(os.path.join(DEBIAN_FASHION_MNIST_ROOT, "t10k-images-idx3-ubyte.gz")),
                    reason=f"Fashion-MNIST not in {DEBIAN_FASHION_MNIST_ROOT} (apt-get install dataset-fashion-mnist)")
def test_debian_fashion_mnist_folder():
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    test_set = datasets.FashionMNIST(DEBIAN_FASHION_MNIST_ROOT, train=False, transform=transform)
    assert len(test_set) == 10000 and test_set.data.dtype == np.uint8
    assert np.bincount(test_set.targets.numpy()).tolist() == [1000] * 10
    image, label = test_set[0]
    assert label == 9 and test_set.classes[label] == "Ankle boot"  # the first test image
    assert image.shape == (1, 28, 28) and -1.0 <= image.numpy().min() and image.numpy().max() <= 1.0
    raw = test_set.data.numpy()[0]
    np.testing.assert_allclose(image.numpy()[0], raw / 255.0 * 2 - 1, atol=1e-6)


# ---------------------------------------------------------------- ToTensor

def test_to_tensor_by_hand():
    image = transforms.ToTensor()(np.array([[0, 51], [255, 102]], np.uint8))
    assert image.shape == (1, 2, 2) and image.dtype == np.float32
    np.testing.assert_array_equal(image.numpy(), np.array([[[0, 0.2], [1, 0.4]]], np.float32))


def test_to_tensor_channels_last_to_channels_first():
    array = np.arange(2 * 3 * 4).astype(np.uint8).reshape(2, 3, 4)   # (H, W, C)
    image = transforms.ToTensor()(array)
    assert image.shape == (4, 2, 3)
    np.testing.assert_array_equal(image.numpy(), array.transpose(2, 0, 1).astype(np.float32) / np.float32(255))
    torch = pytest.importorskip("torch")
    np.testing.assert_array_equal(
        image.numpy(), torch.from_numpy(array.transpose(2, 0, 1).copy()).to(torch.float32).div(255).numpy())


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32])
def test_to_tensor_does_not_scale_other_dtypes(dtype):
    array = np.array([[0.5, 2.0]], dtype=dtype)
    image = transforms.ToTensor()(array)
    assert image.dtype == dtype and image.shape == (1, 1, 2)
    np.testing.assert_array_equal(image.numpy()[0], array)
    image.numpy()[0, 0, 0] = 7
    assert array[0, 0] != 7  # a copy


@pytest.mark.parametrize("bad, error, message", [
    (tg.zeros(1, 2, 2), TypeError, "pic should be PIL Image or ndarray"),
    ([[1, 2]], TypeError, "pic should be PIL Image or ndarray"),
    (np.zeros((1, 1, 2, 2), np.uint8), ValueError, "pic should be 2/3 dimensional. Got 4 dimensions."),
])
def test_to_tensor_rejects(bad, error, message):
    with pytest.raises(error, match=message):
        transforms.ToTensor()(bad)


# ---------------------------------------------------------------- Normalize

def test_normalize_by_hand_and_per_channel():
    out = transforms.Normalize((0.5,), (0.25,))(tg.tensor([[[0.0, 0.5, 1.0]]]))
    np.testing.assert_array_equal(out.numpy(), [[[-2.0, 0.0, 2.0]]])
    image = tg.ones(2, 1, 2)
    out = transforms.Normalize([0.0, 1.0], [2.0, 4.0])(image)
    np.testing.assert_array_equal(out.numpy(), [[[0.5, 0.5]], [[0.0, 0.0]]])
    assert out.dtype == np.float32 and image.numpy().min() == 1.0  # not in place


def test_normalize_matches_torch_on_a_batch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    batch = rng.random((2, 3, 4, 5)).astype(np.float32)                 # (N, C, H, W)
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    ours = transforms.Normalize(mean, std)(tg.from_numpy(batch.copy()))
    theirs = torch.from_numpy(batch).sub(torch.tensor(mean).view(-1, 1, 1)).div(torch.tensor(std).view(-1, 1, 1))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_normalize_keeps_float64_inplace_and_gradient():
    image = tg.from_numpy(np.full((1, 2, 2), 3.0))
    result = transforms.Normalize((1.0,), (2.0,), inplace=True)(image)
    assert result is image and image.dtype == np.float64
    np.testing.assert_array_equal(image.numpy(), np.ones((1, 2, 2)))
    x = tg.ones(1, 2, 2, requires_grad=True)
    transforms.Normalize((0.0,), (4.0,))(x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((1, 2, 2), 0.25, np.float32))


@pytest.mark.parametrize("image, args, error, message", [
    (tg.tensor([[[1, 2]]]), ((0.0,), (1.0,)), TypeError, "Input tensor should be a float tensor"),
    (tg.zeros(2, 2), ((0.0,), (1.0,)), ValueError, r"tensor image of size \(\.\.\., C, H, W\)"),
    (tg.zeros(1, 2, 2), ((0.0,), (0.0,)), ValueError, "std evaluated to zero"),
    (np.zeros((1, 2, 2), np.float32), ((0.0,), (1.0,)), TypeError, "img should be Tensor Image"),
])
def test_normalize_rejects(image, args, error, message):
    with pytest.raises(error, match=message):
        transforms.Normalize(*args)(image)


# ---------------------------------------------------------------- Lambda, Compose

def test_lambda_and_compose():
    pipeline = transforms.Compose([transforms.Lambda(lambda x: x * 2), transforms.Lambda(lambda x: x + 1)])
    assert pipeline(3) == 7
    assert repr(pipeline) == "Compose(\n    Lambda()\n    Lambda()\n)"
    with pytest.raises(TypeError, match="Argument lambd should be callable, got 'int'"):
        transforms.Lambda(3)


# ---------------------------------------------------------------- Pad, flips, RandomCrop

@pytest.mark.parametrize("padding, widths", [
    (1, ((1, 1), (1, 1))), ((2, 1), ((1, 1), (2, 2))), ((1, 2, 3, 4), ((2, 4), (1, 3))), ([3], ((3, 3), (3, 3))),
])
@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric"])
def test_pad_array_matches_numpy(padding, widths, mode):
    array = np.arange(20, dtype=np.uint8).reshape(4, 5)
    out = transforms.Pad(padding, fill=9, padding_mode=mode)(array)
    expected = (np.pad(array, widths, mode="constant", constant_values=9) if mode == "constant"
                else np.pad(array, widths, mode=mode))
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("mode", ["constant", "reflect"])
def test_pad_tensor_matches_torch(mode):
    torch = pytest.importorskip("torch")
    array = np.arange(2 * 4 * 5, dtype=np.float32).reshape(2, 4, 5)
    ours = transforms.Pad((1, 2, 3, 0), padding_mode=mode)(tg.from_numpy(array))
    theirs = torch.nn.functional.pad(torch.from_numpy(array), (1, 3, 2, 0), mode=mode)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_pad_rejects():
    with pytest.raises(ValueError, match="1, 2, or 4 element tuple, not a 3 element tuple"):
        transforms.Pad((1, 2, 3))
    with pytest.raises(TypeError, match="inappropriate padding"):
        transforms.Pad("2")
    with pytest.raises(ValueError, match="Padding mode should be"):
        transforms.Pad(1, padding_mode="wrap")


def test_flips_by_hand():
    array = np.array([[1, 2], [3, 4]])
    np.testing.assert_array_equal(transforms.RandomHorizontalFlip(p=1.0)(array), [[2, 1], [4, 3]])
    np.testing.assert_array_equal(transforms.RandomVerticalFlip(p=1.0)(array), [[3, 4], [1, 2]])
    assert transforms.RandomHorizontalFlip(p=0.0)(array) is array
    tensor_image = tg.from_numpy(array[None].astype(np.float32))            # (1, 2, 2)
    np.testing.assert_array_equal(transforms.RandomHorizontalFlip(p=1.0)(tensor_image).numpy(), [[[2, 1], [4, 3]]])


def test_random_flip_reproducible_under_manual_seed():
    flip = transforms.RandomHorizontalFlip()
    array = np.array([[0, 1]])

    def outcomes():
        return [int(flip(array)[0, 0]) for _ in range(200)]
    tg.manual_seed(8)
    first = outcomes()
    tg.manual_seed(8)
    assert outcomes() == first and set(first) == {0, 1}


def test_random_crop_windows_and_reproducibility():
    array = np.arange(16).reshape(4, 4)
    crop = transforms.RandomCrop(3)
    tg.manual_seed(1)
    crops = [crop(array) for _ in range(100)]
    corners = {(int(c[0, 0]) // 4, int(c[0, 0]) % 4) for c in crops}
    assert corners == {(0, 0), (0, 1), (1, 0), (1, 1)}  # every window position occurs
    for c in crops:
        top, left = divmod(int(c[0, 0]), 4)
        np.testing.assert_array_equal(c, array[top:top + 3, left:left + 3])
    tg.manual_seed(1)
    assert all((crop(array) == c).all() for c in crops)


def test_random_crop_padding_and_tensor_images():
    tg.manual_seed(0)
    out = transforms.RandomCrop(28, padding=4)(tg.ones(1, 28, 28))
    assert out.shape == (1, 28, 28)
    padded_sum = out.numpy().sum()
    assert 24 * 24 <= padded_sum <= 28 * 28  # at most 4 rows and 4 columns of padding
    assert transforms.RandomCrop((5, 6), pad_if_needed=True)(np.ones((3, 4))).shape == (5, 6)
    with pytest.raises(ValueError, match=r"Required crop size \(5, 5\) is larger than input image size \(3, 3\)"):
        transforms.RandomCrop(5)(np.ones((3, 3)))


# ---------------------------------------------------------------- import as torchvision

def test_import_as_torchvision():
    import tinygrad_cnn.vision as torchvision
    assert torchvision.datasets.MNIST is datasets.MNIST and torchvision.transforms.ToTensor is transforms.ToTensor
    assert tg.vision is torchvision and tg.utils.data.DataLoader is DataLoader


@pytest.mark.parametrize("mode", ["L", "RGB", "1"])
def test_to_tensor_accepts_pil_images(mode):
    Image = pytest.importorskip("PIL.Image", reason="Pillow is not installed")
    rng = np.random.default_rng(2)
    array = rng.integers(0, 256, (3, 4, 3) if mode == "RGB" else (3, 4)).astype(np.uint8)
    if mode == "1":
        array = np.where(array > 127, 255, 0).astype(np.uint8)
    picture = Image.fromarray(array).convert(mode)
    image = transforms.ToTensor()(picture)
    channels_last = array if array.ndim == 3 else array[:, :, None]
    np.testing.assert_array_equal(image.numpy(), channels_last.transpose(2, 0, 1).astype(np.float32) / np.float32(255))


def test_filtering_by_reassigning_data_and_targets(tmp_path):
    # A common tutorial trick: keep one class by indexing .data and .targets.
    images, labels = write_split_files(str(tmp_path / "MNIST" / "raw"), train=True, num_images=10)
    dataset = datasets.MNIST(tmp_path)
    keep = labels == 6
    dataset.data, dataset.targets = dataset.data[keep], dataset.targets.numpy()[keep]
    assert len(dataset) == int(keep.sum()) == 1
    np.testing.assert_array_equal(dataset[0][0], images[keep][0])
    batch, targets = next(iter(DataLoader(dataset, batch_size=4)))
    assert batch.shape == (1, 28, 28) and targets.numpy().tolist() == [6]
