"""Tests for tinygrad_cnn.utils.data: collation, data sets, samplers, DataLoader, Generator.

Where torch is installed, results (types, dtypes, shapes, values, lengths,
error types and messages) are compared with torch.utils.data's.
"""
import collections
import warnings

import numpy as np
import pytest

import tinygrad_cnn as tg
from tinygrad_cnn.data import EmbeddedFashionMNIST
from tinygrad_cnn.utils.data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    Sampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    default_convert,
    get_worker_info,
    random_split,
)

Point = collections.namedtuple("Point", "x y")


def needs_torch():
    return pytest.importorskip("torch", reason="compares with torch.utils.data")


def to_torch_value(value, torch):
    """The same sample for torch: our Tensors become torch tensors, the rest stays."""
    if isinstance(value, tg.Tensor):
        return torch.from_numpy(value.numpy().copy())
    if isinstance(value, Point):
        return Point(*(to_torch_value(v, torch) for v in value))
    if isinstance(value, tuple):
        return tuple(to_torch_value(v, torch) for v in value)
    if isinstance(value, list):
        return [to_torch_value(v, torch) for v in value]
    if isinstance(value, dict):
        return {k: to_torch_value(v, torch) for k, v in value.items()}
    return value


def assert_same_as_torch(ours, theirs, torch):
    """Same structure, container types, dtypes, shapes and values."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, tg.Tensor), f"expected a Tensor, got {type(ours).__name__}"
        assert ours.dtype.name == str(theirs.dtype).replace("torch.", "")
        assert tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        return
    assert type(ours) is type(theirs), f"{type(ours).__name__} != {type(theirs).__name__}"
    if isinstance(theirs, dict):
        assert list(ours) == list(theirs)
        for key in theirs:
            assert_same_as_torch(ours[key], theirs[key], torch)
    elif isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs)
        for mine, other in zip(ours, theirs):
            assert_same_as_torch(mine, other, torch)
    else:
        assert ours == theirs


# ---------------------------------------------------------------- default_collate

def test_collate_image_label_pairs_by_hand():
    batch = default_collate([(np.full((1, 2, 2), 0.5, np.float32), 3), (np.ones((1, 2, 2), np.float32), 7)])
    assert isinstance(batch, list) and len(batch) == 2  # a tuple sample gives a list, as in PyTorch
    images, labels = batch
    assert images.shape == (2, 1, 2, 2) and images.dtype == np.float32
    np.testing.assert_array_equal(images.numpy()[:, 0, 0, 0], [0.5, 1.0])
    assert labels.dtype == np.int64 and labels.numpy().tolist() == [3, 7]
    assert default_collate([1.5, 2.5]).dtype == np.float64  # Python floats: float64, as in PyTorch


COLLATE_CASES = {
    "ints": [1, 2, 3],
    "floats": [1.5, -2.0],
    "bools": [True, False],
    "ints_then_float": [1, 2.5],
    "numpy_float32_arrays": [np.arange(6, dtype=np.float32).reshape(2, 3), np.ones((2, 3), np.float32)],
    "numpy_float64_arrays": [np.arange(3.0), np.zeros(3)],
    "numpy_uint8_images": [np.full((28, 28), 7, np.uint8), np.zeros((28, 28), np.uint8)],
    "numpy_int32_arrays": [np.array([1, 2], np.int32), np.array([3, 4], np.int32)],
    "numpy_scalars_float32": [np.float32(1.5), np.float32(2.0)],
    "numpy_scalars_int16": [np.int16(4), np.int16(-1)],
    "numpy_scalars_float64": [np.float64(0.25), np.float64(1.0)],
    "strings": ["cat", "dog"],
    "tensors": [tg.tensor([1.0, 2.0]), tg.tensor([3.0, 4.0])],
    "int_tensors": [tg.tensor([[1, 2]]), tg.tensor([[3, 4]])],
    "scalar_tensors": [tg.tensor(1.0), tg.tensor(2.0)],
    "tuples": [(np.zeros(2, np.float32), 1, "a"), (np.ones(2, np.float32), 0, "b")],
    "lists": [[1, 2.0], [3, 4.0]],
    "dicts": [{"image": np.zeros((1, 2), np.float32), "label": 3, "name": "x"},
              {"image": np.ones((1, 2), np.float32), "label": 4, "name": "y"}],
    "namedtuples": [Point(1, 2.0), Point(3, 4.0)],
    "nested": [{"pair": (1, [2.0, 3.0]), "p": Point(np.int64(1), "s")},
               {"pair": (4, [5.0, 6.0]), "p": Point(np.int64(2), "t")}],
}


@pytest.mark.parametrize("name", sorted(COLLATE_CASES))
def test_default_collate_matches_torch(name):
    torch = needs_torch()
    from torch.utils.data import default_collate as torch_collate
    batch = COLLATE_CASES[name]
    assert_same_as_torch(default_collate(batch), torch_collate(to_torch_value(batch, torch)), torch)


@pytest.mark.parametrize("name", ["ints", "numpy_float64_arrays", "numpy_scalars_int16", "strings",
                                  "tuples", "dicts", "namedtuples", "nested"])
def test_default_convert_matches_torch(name):
    torch = needs_torch()
    from torch.utils.data import default_convert as torch_convert
    for sample in COLLATE_CASES[name]:
        assert_same_as_torch(default_convert(sample), torch_convert(to_torch_value(sample, torch)), torch)


@pytest.mark.parametrize("batch, error, message", [
    ([np.array(["a"]), np.array(["b"])], TypeError, "found <U1"),
    ([object(), object()], TypeError, "default_collate: batch must contain tensors, numpy arrays"),
    ([[1, 2], [3]], RuntimeError, "each element in list of batch should be of equal size"),
    ([np.zeros(2), np.zeros(3)], RuntimeError,
     r"stack expects each tensor to be equal size, but got \[2\] at entry 0 and \[3\] at entry 1"),
])
def test_default_collate_errors_like_torch(batch, error, message):
    with pytest.raises(error, match=message):
        default_collate(batch)
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_collate as torch_collate
    with pytest.raises(error, match=message):
        torch_collate(batch)


def test_default_collate_keeps_the_graph_of_tensors_that_require_grad():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    batch = default_collate([x, x * 3])
    batch.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 4.0])


# ---------------------------------------------------------------- data sets

class SquaresDataset(Dataset):
    """A PyTorch-style Dataset subclass whose samples are computed, not stored."""

    def __init__(self, size):
        self.size = size
        # .data/.targets here do NOT describe the samples: the loader must call __getitem__.
        self.data = np.zeros((size, 2), np.float32)
        self.targets = np.zeros(size, np.int64)

    def __len__(self):
        return self.size

    def __getitem__(self, index):
        return np.array([index, index * index], np.float32), index % 2


def test_dataset_subclass_in_a_training_style_loop():
    loader = DataLoader(SquaresDataset(10), batch_size=4, shuffle=False)
    seen = []
    for features, labels in loader:
        assert features.dtype == np.float32 and labels.dtype == np.int64
        np.testing.assert_array_equal(features.numpy()[:, 1], features.numpy()[:, 0] ** 2)
        np.testing.assert_array_equal(labels.numpy(), features.numpy()[:, 0].astype(int) % 2)
        seen.extend(features.numpy()[:, 0].astype(int).tolist())
    assert seen == list(range(10)) and len(loader) == 3


def test_dataset_subclass_loop_matches_torch():
    torch = needs_torch()
    ours = list(DataLoader(SquaresDataset(7), batch_size=3))
    theirs = list(torch.utils.data.DataLoader(SquaresDataset(7), batch_size=3))
    assert_same_as_torch(ours, theirs, torch)


def test_dataset_base_class():
    with pytest.raises(NotImplementedError, match="must define __getitem__"):
        Dataset()[0]
    both = SquaresDataset(2) + SquaresDataset(3)
    assert isinstance(both, ConcatDataset) and len(both) == 5 and both[4][1] == 0


def test_tensor_dataset():
    features, labels = tg.arange(12.0).reshape(4, 3), tg.tensor([1, 0, 1, 1])
    ds = TensorDataset(features, labels)
    assert len(ds) == 4
    row, label = ds[2]
    np.testing.assert_array_equal(row.numpy(), [6.0, 7.0, 8.0])
    assert label.numpy() == 1 and label.dtype == np.int64
    batches = list(DataLoader(ds, batch_size=3))
    np.testing.assert_array_equal(batches[0][0].numpy(), features.numpy()[:3])
    np.testing.assert_array_equal(batches[1][1].numpy(), [1])
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(tg.zeros(3), tg.zeros(4))


def test_tensor_dataset_loader_matches_torch():
    torch = needs_torch()
    x, y = np.arange(20.0, dtype=np.float32).reshape(10, 2), np.arange(10) % 3
    ours = list(DataLoader(TensorDataset(tg.from_numpy(x), tg.from_numpy(y)), batch_size=4))
    theirs = list(torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=4))
    assert_same_as_torch(ours, theirs, torch)


def test_subset_and_concat_and_chain():
    letters = list("abcdef")
    subset = Subset(letters, [5, 0, 3])
    assert len(subset) == 3 and subset[0] == "f" and subset[-1] == "d" and subset[[1, 2]] == ["a", "d"]
    concat = ConcatDataset([letters, "xy"])
    assert len(concat) == 8 and concat[6] == "x" and concat[-1] == "y" and concat.cumulative_sizes == [6, 8]
    with pytest.raises(ValueError, match="absolute value of index should not exceed dataset length"):
        concat[-9]
    with pytest.raises(AssertionError, match="datasets should not be an empty iterable"):
        ConcatDataset([])
    assert list(ChainDataset([range(2), range(3)])) == [0, 1, 0, 1, 2]


def counting_stream_class(base):
    """An iterable data set 0, 1, ..., size-1 on ``base`` (ours, or torch's IterableDataset)."""
    class CountingStream(base):
        def __init__(self, size):
            self.size = size

        def __iter__(self):
            return iter(range(self.size))

        def __len__(self):
            return self.size
    return CountingStream


CountingStream = counting_stream_class(IterableDataset)


@pytest.mark.parametrize("batch_size, drop_last, expected", [
    (3, False, [[0, 1, 2], [3, 4, 5], [6]]),
    (3, True, [[0, 1, 2], [3, 4, 5]]),
    (None, False, [0, 1, 2, 3, 4, 5, 6]),
])
def test_iterable_dataset_batches(batch_size, drop_last, expected):
    loader = DataLoader(CountingStream(7), batch_size=batch_size, drop_last=drop_last)
    got = [b.numpy().tolist() if isinstance(b, tg.Tensor) else b for b in loader]
    assert got == expected and len(loader) == len(expected)
    torch = pytest.importorskip("torch")
    torch_stream = counting_stream_class(torch.utils.data.IterableDataset)(7)
    theirs = torch.utils.data.DataLoader(torch_stream, batch_size=batch_size, drop_last=drop_last)
    assert [b.tolist() if isinstance(b, torch.Tensor) else b for b in theirs] == expected
    assert len(theirs) == len(loader)


# ---------------------------------------------------------------- random_split

@pytest.mark.parametrize("size, lengths", [
    (10, [3, 7]), (10, [0.5, 0.5]), (10, [0.33, 0.33, 0.34]), (11, [0.5, 0.5]),
    (7, [0.1, 0.2, 0.7]), (100, [0.8, 0.1, 0.1]), (5, [5, 0]),
])
def test_random_split_sizes_match_torch_and_cover_the_data_set(size, lengths):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parts = random_split(range(size), lengths, generator=tg.Generator().manual_seed(0))
    values = [value for part in parts for value in part]
    assert sorted(values) == list(range(size))
    assert all(isinstance(part, Subset) for part in parts)
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.utils.data.random_split(range(size), lengths)
    assert [len(part) for part in parts] == [len(part) for part in theirs]


def test_random_split_by_hand():
    assert [len(p) for p in random_split(range(11), [0.5, 0.5])] == [6, 5]      # 5 + 5, remainder to the first
    assert [len(p) for p in random_split(range(10), [0.33, 0.33, 0.34])] == [4, 3, 3]


def test_random_split_warns_on_an_empty_split():
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        random_split(range(2), [1.0, 0.0])


@pytest.mark.parametrize("lengths, message", [
    ([3, 3], "Sum of input lengths does not equal the length of the input dataset!"),
    ([0.5, 0.6], "Sum of input lengths does not equal the length of the input dataset!"),
    ([1.5, -0.5], "Fraction at index 0 is not between 0 and 1"),
])
def test_random_split_errors_like_torch(lengths, message):
    with pytest.raises(ValueError, match=message):
        random_split(range(10), lengths)
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match=message):
        torch.utils.data.random_split(range(10), lengths)


def test_random_split_reproducible():
    def split(**kwargs):
        return [list(part) for part in random_split(range(20), [0.5, 0.5], **kwargs)]
    tg.manual_seed(4)
    first = split()
    tg.manual_seed(4)
    assert split() == first
    assert split(generator=tg.Generator().manual_seed(1)) == split(generator=tg.Generator().manual_seed(1))
    assert split(generator=tg.Generator().manual_seed(1)) != split(generator=tg.Generator().manual_seed(2))


# ---------------------------------------------------------------- samplers

def test_samplers_by_hand():
    assert list(SequentialSampler("abc")) == [0, 1, 2] and len(SequentialSampler("abc")) == 3
    generator = tg.Generator().manual_seed(0)
    assert sorted(RandomSampler(range(6), generator=generator)) == list(range(6))
    drawn = list(RandomSampler(range(3), num_samples=7, generator=generator))
    assert len(drawn) == 7 and sorted(drawn[:3]) == sorted(drawn[3:6]) == [0, 1, 2]  # whole permutations first
    with_replacement = list(RandomSampler(range(3), replacement=True, num_samples=50, generator=generator))
    assert len(with_replacement) == 50 and set(with_replacement) == {0, 1, 2}
    assert sorted(SubsetRandomSampler([9, 4, 6], generator=generator)) == [4, 6, 9]
    assert list(WeightedRandomSampler([0, 0, 2.0], 4, generator=generator)) == [2, 2, 2, 2]
    assert sorted(WeightedRandomSampler([1.0, 1.0, 1.0], 3, replacement=False, generator=generator)) == [0, 1, 2]
    with pytest.raises(NotImplementedError):
        iter(Sampler())


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("size, batch_size", [(10, 3), (9, 3), (2, 5)])
def test_batch_sampler_matches_torch(size, batch_size, drop_last):
    ours = BatchSampler(SequentialSampler(range(size)), batch_size, drop_last)
    expected = [list(range(i, min(i + batch_size, size))) for i in range(0, size, batch_size)]
    if drop_last and expected and len(expected[-1]) < batch_size:
        expected = expected[:-1]
    assert list(ours) == expected and len(ours) == len(expected)
    torch = pytest.importorskip("torch")
    from torch.utils.data import BatchSampler as TorchBatchSampler
    theirs = TorchBatchSampler(range(size), batch_size, drop_last)
    assert list(theirs) == list(ours) and len(theirs) == len(ours)


@pytest.mark.parametrize("make, error, message", [
    (lambda: RandomSampler(range(3), replacement=1), TypeError, "replacement should be a boolean value"),
    (lambda: RandomSampler(range(3), num_samples=0), ValueError, "num_samples should be a positive integer"),
    (lambda: BatchSampler(range(3), 0, False), ValueError, "batch_size should be a positive integer value"),
    (lambda: BatchSampler(range(3), 2, "no"), ValueError, "drop_last should be a boolean value"),
    (lambda: WeightedRandomSampler([1.0], 0), ValueError, "num_samples should be a positive integer"),
])
def test_sampler_validation(make, error, message):
    with pytest.raises(error, match=message):
        make()


# ---------------------------------------------------------------- DataLoader

@pytest.mark.parametrize("size", [0, 1, 9, 10])
@pytest.mark.parametrize("batch_size", [1, 3, 10, None])
@pytest.mark.parametrize("drop_last", [False, True])
def test_len_and_batches_match_torch(size, batch_size, drop_last):
    if batch_size is None and drop_last:
        return  # an invalid combination, tested below
    torch = needs_torch()
    data = [(np.full(2, i, np.float32), i) for i in range(size)]
    ours = DataLoader(data, batch_size=batch_size, drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(data, batch_size=batch_size, drop_last=drop_last)
    assert len(ours) == len(theirs)
    assert_same_as_torch(list(ours), list(theirs), torch)


def test_batch_sampler_option():
    loader = DataLoader(list(range(10, 20)), batch_sampler=[[0, 2], [9], [1, 1, 1]])
    assert len(loader) == 3
    assert [batch.numpy().tolist() for batch in loader] == [[10, 12], [19], [11, 11, 11]]
    assert loader.batch_size is None and loader.drop_last is False


def test_sampler_option_sets_the_order():
    loader = DataLoader(list(range(5)), batch_size=2, sampler=[4, 3, 2, 1, 0])
    assert [batch.numpy().tolist() for batch in loader] == [[4, 3], [2, 1], [0]]


# PyTorch's invalid option combinations; each must raise what torch raises.
INVALID_OPTIONS = [
    dict(batch_size=0), dict(batch_size=2.5), dict(batch_size=True), dict(batch_size="8"),
    dict(num_workers=-1), dict(timeout=-1), dict(prefetch_factor=2), dict(persistent_workers=True),
    dict(num_workers=2, prefetch_factor=-1), dict(shuffle=True, sampler=[0, 1]),
    dict(batch_sampler=[[0]], batch_size=2), dict(batch_sampler=[[0]], shuffle=True),
    dict(batch_sampler=[[0]], sampler=[0]), dict(batch_sampler=[[0]], drop_last=True),
    dict(batch_size=None, drop_last=True), dict(drop_last=1),
]


@pytest.mark.parametrize("options", INVALID_OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()))
def test_invalid_options_raise_like_torch(options):
    torch = needs_torch()
    with pytest.raises(Exception) as theirs:
        torch.utils.data.DataLoader(list(range(4)), **options)
    with pytest.raises(Exception) as ours:
        DataLoader(list(range(4)), **options)
    assert ours.type is theirs.type and str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("options", [dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])])
def test_iterable_dataset_rejects_order_options_like_torch(options):
    with pytest.raises(ValueError, match="DataLoader with IterableDataset: expected unspecified") as ours:
        DataLoader(CountingStream(3), **options)
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError) as theirs:
        torch.utils.data.DataLoader(counting_stream_class(torch.utils.data.IterableDataset)(3), **options)
    assert str(ours.value) == str(theirs.value)


def test_num_workers_gives_the_same_batches_and_calls_worker_init_fn():
    calls = []
    tg.manual_seed(5)
    single = [b.numpy().tolist() for b in DataLoader(list(range(20)), batch_size=6, shuffle=True)]
    tg.manual_seed(5)
    loader = DataLoader(list(range(20)), batch_size=6, shuffle=True, num_workers=4,
                        worker_init_fn=calls.append, pin_memory=True, persistent_workers=True, timeout=5)
    assert [b.numpy().tolist() for b in loader] == single
    assert calls == [0] and loader.prefetch_factor == 2 and get_worker_info() is None


def epoch(loader):
    return [labels.numpy().tolist() for _, labels in loader]


def test_shuffle_reproducible_under_manual_seed():
    dataset = [(np.zeros(1, np.float32), i) for i in range(30)]
    tg.manual_seed(11)
    first = [epoch(DataLoader(dataset, batch_size=7, shuffle=True)) for _ in range(2)]
    tg.manual_seed(11)
    second = [epoch(DataLoader(dataset, batch_size=7, shuffle=True)) for _ in range(2)]
    assert first == second and first[0] != first[1]
    tg.manual_seed(12)
    assert epoch(DataLoader(dataset, batch_size=7, shuffle=True)) != first[0]
    assert sorted(sum(first[0], [])) == list(range(30))


def test_shuffle_reproducible_under_a_generator_and_independent_of_the_global_stream():
    dataset = EmbeddedFashionMNIST(train=False)
    loader = DataLoader(dataset, batch_size=100, shuffle=True, generator=tg.Generator().manual_seed(3))
    again = DataLoader(dataset, batch_size=100, shuffle=True, generator=tg.Generator().manual_seed(3))
    tg.manual_seed(0)
    reference_draw = tg.randn(3).numpy()
    tg.manual_seed(0)
    epochs = [epoch(loader) for _ in range(3)]
    np.testing.assert_array_equal(tg.randn(3).numpy(), reference_draw)  # the global stream was not used
    assert epochs == [epoch(again) for _ in range(3)]
    assert epochs[0] != epochs[1] != epochs[2]


def test_old_seed_keyword_is_the_generator():
    dataset = EmbeddedFashionMNIST(train=False)
    with_seed = DataLoader(dataset, batch_size=64, shuffle=True, seed=9)
    with_generator = DataLoader(dataset, batch_size=64, shuffle=True, generator=tg.Generator().manual_seed(9))
    assert [epoch(with_seed) for _ in range(2)] == [epoch(with_generator) for _ in range(2)]
    with pytest.raises(ValueError, match="not both"):
        DataLoader(dataset, seed=1, generator=tg.Generator())


def test_data_loader_is_one_class():
    import tinygrad_cnn.data
    import tinygrad_cnn.utils.data
    assert tinygrad_cnn.data.DataLoader is tinygrad_cnn.utils.data.DataLoader is tg.utils.data.DataLoader


def force_generic_path(batch):
    return default_collate(batch)  # not default_collate itself, so the fast path is off


@pytest.mark.parametrize("make", [
    lambda: EmbeddedFashionMNIST(train=False),
    lambda: Subset(EmbeddedFashionMNIST(train=False), list(range(999, 0, -3))),
    lambda: TensorDataset(tg.randn(50, 3), tg.arange(50)),
])
def test_fast_path_equals_collating_samples(make):
    dataset = make()
    fast = list(DataLoader(dataset, batch_size=64, shuffle=True, generator=tg.Generator().manual_seed(2)))
    slow = list(DataLoader(dataset, batch_size=64, shuffle=True, generator=tg.Generator().manual_seed(2),
                           collate_fn=force_generic_path))
    assert len(fast) == len(slow)
    for (fast_x, fast_y), (slow_x, slow_y) in zip(fast, slow):
        assert fast_x.dtype == slow_x.dtype and fast_y.dtype == slow_y.dtype
        np.testing.assert_array_equal(fast_x.numpy(), slow_x.numpy())
        np.testing.assert_array_equal(fast_y.numpy(), slow_y.numpy())


# ---------------------------------------------------------------- Generator

def test_generator():
    generator = tg.Generator()
    assert generator.manual_seed(7) is generator and generator.initial_seed() == 7
    first = generator.numpy_generator.random(3)
    generator.manual_seed(7)
    np.testing.assert_array_equal(generator.numpy_generator.random(3), first)
    new_seed = generator.seed()
    assert generator.initial_seed() == new_seed and 0 <= new_seed < 2 ** 64
    with pytest.raises(TypeError, match="seed must be an int"):
        generator.manual_seed(1.5)
    with pytest.raises(RuntimeError, match="CPU only"):
        tg.Generator("cuda")


def test_generator_seed_wraps_like_torch():
    assert tg.Generator().manual_seed(-1).initial_seed() == 2 ** 64 - 1
    torch = pytest.importorskip("torch")
    assert torch.Generator().manual_seed(-1).initial_seed() == 2 ** 64 - 1


def test_dataset_and_sampler_are_generic_like_torch():
    class Pairs(Dataset[tuple]):
        def __len__(self):
            return 2

        def __getitem__(self, index):
            return index, -index

    class Evens(Sampler[int]):
        def __iter__(self):
            return iter([0])

    assert [column.numpy().tolist() for column in next(iter(DataLoader(Pairs(), batch_size=2)))] == [[0, 1], [0, -1]]
    assert [b[0].numpy().tolist() for b in DataLoader(Pairs(), sampler=Evens())] == [[0]]
