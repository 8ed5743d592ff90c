"""Mutation fuzz of `read_idx`: damaged IDX files read as expected or raise IDXError.

Real IDX files (uint8 images (N, 28, 28) and labels, as MNIST ships them, and
an int32 and a float32 file) are corrupted one byte at a time and truncated,
plain and gzipped, and random headers are thrown at the reader. A plain IDX
file has no checksum, so a changed data byte reads back as that one changed
element, and nothing else may change; a gzipped file has a CRC-32, so a
change anywhere reads back identically (header fields gzip ignores) or is an
IDXError. Every error names the file; no other exception ever escapes.
"""
import gzip
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tinygrad_cnn import IDXError
from tinygrad_cnn.data import read_idx, write_idx
from tinygrad_cnn.data.idx import IDX_DTYPES

from . import scaled

rng = np.random.default_rng(20)
ARRAYS = {
    "images-idx3-ubyte": rng.integers(0, 256, (3, 28, 28)).astype(np.uint8),
    "labels-idx1-ubyte": rng.integers(0, 10, 40).astype(np.uint8),
    "grid-idx2-int": rng.integers(-2**31, 2**31, (5, 7)).astype(np.int32),
    "values-idx1-float": rng.standard_normal(16).astype(np.float32),
}


def read_mutant(path, content):
    """``read_idx`` of ``content`` written to ``path``: an array, or None for an IDXError."""
    path.write_bytes(bytes(content))
    try:
        return read_idx(str(path))
    except IDXError as error:
        assert str(path) in str(error), error
        return None


def one_byte_corruptions(content, seed, count):
    """(position, mutated bytes) for ``count`` positions, each flipped, zeroed and set to 0xff."""
    chooser = random.Random(seed)
    header = range(min(len(content), 20))                    # every header byte
    sampled = chooser.sample(range(len(content)), min(len(content), count))
    positions = sorted(set(header) | set(sampled))
    for position in positions:
        for new in (content[position] ^ (1 << chooser.randrange(8)), 0x00, 0xFF):
            if new != content[position]:
                mutant = bytearray(content)
                mutant[position] = new
                yield position, mutant


@pytest.mark.parametrize("name", sorted(ARRAYS))
def test_one_byte_corruptions_of_a_plain_file(tmp_path, name):
    array = ARRAYS[name]
    path = tmp_path / name
    write_idx(str(path), array)
    content = path.read_bytes()
    header_size = 4 + 4 * array.ndim
    stored = array.astype(array.dtype.newbyteorder(">"))
    for position, mutant in one_byte_corruptions(content, seed=21, count=scaled(150)):
        result = read_mutant(path, mutant)
        retyped = IDX_DTYPES.get(mutant[2]) if position == 2 else None
        if retyped is not None and retyped.itemsize == array.itemsize:
            # another element type of the same size (int32 <-> float32): the same bytes
            # read under the new type is all a checksum-less format can give
            expected = np.frombuffer(content, retyped, offset=header_size).reshape(array.shape)
            assert result.dtype == retyped.newbyteorder("=")
            assert result.tobytes() == expected.astype(result.dtype).tobytes()
            continue
        if position < header_size:
            assert result is None, f"a changed header byte {position} went unnoticed"
            continue
        # data byte: the same shape and dtype; only the element holding that byte changes
        assert result is not None and result.shape == array.shape and result.dtype == array.dtype
        changed = bytearray(stored.tobytes())
        changed[position - header_size] = mutant[position]
        expected = np.frombuffer(bytes(changed), stored.dtype).reshape(array.shape)
        assert result.tobytes() == expected.astype(array.dtype).tobytes()


@pytest.mark.parametrize("name", sorted(ARRAYS))
def test_one_byte_corruptions_of_a_gzipped_file(tmp_path, name):
    array = ARRAYS[name]
    path = tmp_path / (name + ".gz")
    write_idx(str(path), array)
    content = path.read_bytes()
    outcomes = {"same": 0, "error": 0}
    for _, mutant in one_byte_corruptions(content, seed=22, count=scaled(150)):
        result = read_mutant(path, mutant)
        if result is None:
            outcomes["error"] += 1
        else:
            assert result.dtype == array.dtype and result.tobytes() == array.tobytes()
            outcomes["same"] += 1
    # both happen: gzip ignores its mtime / OS bytes, and checks everything else
    assert outcomes["same"] > 0 and outcomes["error"] > outcomes["same"]


@pytest.mark.parametrize("compressed", [False, True])
@pytest.mark.parametrize("name", sorted(ARRAYS))
def test_every_truncation_is_an_idx_error(tmp_path, name, compressed):
    path = tmp_path / (name + (".gz" if compressed else ""))
    write_idx(str(path), ARRAYS[name])
    content = path.read_bytes()
    chooser = random.Random(23)
    lengths = set(range(min(40, len(content)))) | set(range(len(content) - 20, len(content)))
    lengths |= set(chooser.sample(range(len(content)), min(len(content), scaled(60))))
    for length in sorted(lengths):
        if length < len(content):
            assert read_mutant(path, content[:length]) is None, length
    trailing = content + (gzip.compress(b"more") if compressed else b"\x00")
    assert read_mutant(path, trailing) is None                  # a second stream or a byte


@settings(max_examples=scaled(200), derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(type_code=st.sampled_from([0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E, 0x00, 0x07, 0xFF]),
       dims=st.lists(st.integers(0, 2**32 - 1) | st.integers(0, 6), max_size=6),
       declared=st.none() | st.integers(0, 255), data=st.binary(max_size=300),
       compressed=st.booleans())
@example(type_code=0x08, dims=[0, 0, 0, 0], declared=5, data=bytes(4), compressed=False)
@example(type_code=0x0B, dims=[2, 3], declared=None, data=bytes(range(12)), compressed=True)
@example(type_code=0x08, dims=[0, 3101, 3101, 152242, 6300162], declared=None, data=b"",
         compressed=False)
def test_random_headers_read_as_declared_or_raise(tmp_path, type_code, dims, declared, data,
                                                  compressed):
    num_dims = len(dims) if declared is None else declared
    content = bytes([0, 0, type_code, num_dims]) + np.array(dims, ">u4").tobytes() + data
    path = tmp_path / "random-idx"
    result = read_mutant(path, gzip.compress(content, mtime=0) if compressed else content)
    if result is not None:                                  # then the header told the truth
        declared_shape = tuple(int.from_bytes(content[4 + 4 * i:8 + 4 * i], "big")
                               for i in range(num_dims))    # a short dims list borrows data
        assert result.shape == declared_shape and result.dtype.isnative
        assert result.dtype.itemsize == [1, 1, 2, 4, 4, 8][[8, 9, 11, 12, 13, 14].index(type_code)]
        assert 4 + 4 * num_dims + result.nbytes == len(content)
