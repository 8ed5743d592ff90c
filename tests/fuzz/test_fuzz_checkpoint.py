"""Mutation fuzz of `tg.load`: a damaged checkpoint loads identically or raises CheckpointError.

A real training checkpoint (model, optimizer, epoch, tuples, int keys, NumPy
scalars) is corrupted one byte at a time (a bit flipped, set to 0x00 or 0xff),
truncated, and overwritten at several places; crafted zip archives add the
structures a byte flip rarely reaches. Every case must either load data
identical to what was saved or raise `tinygrad_cnn.CheckpointError` naming
the file — never another exception and never a partial result.
"""
import io
import os
import random
import struct
import warnings
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tinygrad_cnn as tg
from tinygrad_cnn import nn, optim, serialization

from . import scaled


def same(a, b):
    """Exactly equal: the same types all the way down, the same dtypes, shapes and bits."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return (list(a) == list(b) and [type(k) for k in a] == [type(k) for k in b]
                and all(same(a[k], b[k]) for k in a))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, tg.Tensor):
        a, b = a.numpy(), b.numpy()
    if isinstance(a, (np.ndarray, np.generic)):
        return (a.dtype == b.dtype and a.shape == b.shape
                and np.asarray(a).tobytes() == np.asarray(b).tobytes())
    return a == b


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """(bytes of a saved training checkpoint, what `load` reads from the intact file)."""
    tg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(8, 3))
    opt = optim.Adam(model.parameters(), lr=0.01)
    model(tg.randn(2, 1, 4, 4)).sum().backward()
    opt.step()
    saved = {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3,
             "best": 0.25, "note": "ünï/cødé", "tags": ("a", None, True),
             "scale": np.float32(0.5), 7: np.arange(3, dtype=np.int16)}
    path = tmp_path_factory.mktemp("fuzz") / "ckpt.npz"
    tg.save(saved, path)
    reference = tg.load(path)
    expected = OrderedDict((k, OrderedDict(v) if isinstance(v, dict) else v)
                           for k, v in saved.items())
    assert list(reference) == list(expected) and same(reference["model"],
                                                      OrderedDict(saved["model"]))
    assert same(reference[7], saved[7]) and same(reference["scale"], saved["scale"])
    return path.read_bytes(), reference


def load_mutant(content, folder, reference):
    """Load ``content``: 'same' if identical to ``reference``, 'error' for CheckpointError."""
    path = folder / "mutant.npz"
    path.write_bytes(bytes(content))
    try:
        loaded = tg.load(path)
    except tg.CheckpointError as error:
        assert str(path) in str(error), error
        return "error"
    assert same(loaded, reference), "a damaged checkpoint loaded different data"
    return "same"


def test_one_byte_corruptions(checkpoint, tmp_path):
    content, reference = checkpoint
    directory_start = zipfile.ZipFile(io.BytesIO(content)).start_dir
    rng = random.Random(10)
    every_directory_byte = range(directory_start, len(content))
    some_entry_bytes = rng.sample(range(directory_start), min(directory_start, scaled(300)))
    cases = [(position, rng.randrange(3)) for position in every_directory_byte]
    cases += [(position, kind) for position in some_entry_bytes for kind in range(3)]
    outcomes = []
    for position, kind in cases:
        mutant = bytearray(content)
        mutant[position] = (content[position] ^ (1 << rng.randrange(8)), 0x00, 0xFF)[kind]
        outcomes.append(load_mutant(mutant, tmp_path, reference))
    # both outcomes happen: the test exercises real damage and harmless fields (times)
    assert outcomes.count("error") > len(outcomes) // 2 and outcomes.count("same") > 10


def test_truncations(checkpoint, tmp_path):
    content, reference = checkpoint
    rng = random.Random(11)
    lengths = set(range(len(content) - 300, len(content))) | {0, 1, 3, 4, 22}
    lengths |= set(rng.sample(range(len(content)), min(len(content), scaled(200))))
    for length in sorted(lengths):
        assert load_mutant(content[:length], tmp_path, reference) == "error"


@settings(max_examples=scaled(150), derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(writes=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)),
                       min_size=1, max_size=6),
       end=st.sampled_from(["keep", "append", "cut"]), extra=st.binary(max_size=40))
def test_several_overwrites_then_appended_or_cut(checkpoint, tmp_path, writes, end, extra):
    content, reference = checkpoint
    mutant = bytearray(content)
    for where, value in writes:
        mutant[int(where * len(mutant))] = value
    if end == "append":
        mutant += extra
    elif end == "cut":
        mutant = mutant[:len(mutant) - 1 - len(extra)]
    load_mutant(mutant, tmp_path, reference)


# ----------------------------------------------------------------------------- crafted archives
def npy(array, version=None):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asarray(array), version=version, allow_pickle=True)
    return buffer.getvalue()


def raw_npy(descr, shape, data=b""):
    """A version 1.0 .npy file with exactly this header, whatever ``data`` holds."""
    text = f"{{'descr': {descr!r}, 'fortran_order': False, 'shape': {shape!r}, }}".encode()
    text = text.ljust(-(10 + len(text) + 1) % 64 + len(text)) + b"\n"     # 64-byte aligned
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + data


def zip_bytes(entries, compression=zipfile.ZIP_STORED):
    """A zip of ``entries``: (name or ZipInfo, bytes) pairs, duplicates allowed."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                  # "Duplicate name"
        with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
            for name, data in entries:
                archive.writestr(name, data)
    return buffer.getvalue()


def patch_directory(content, field_offset, value):
    """Overwrite a 4-byte field of the first central directory record."""
    content = bytearray(content)
    record = content.index(b"PK\x01\x02")
    content[record + field_offset:record + field_offset + 4] = struct.pack("<I", value)
    return bytes(content)


def symlink_entry():
    info = zipfile.ZipInfo("w.npy")
    info.external_attr = 0o120777 << 16
    return info, b"/etc/passwd"


def streamed_zip():
    """A zip written to a pipe-like stream: data descriptors after each entry."""
    class Unseekable(io.RawIOBase):
        def __init__(self):
            self.parts = []

        def writable(self):
            return True

        def write(self, data):
            self.parts.append(bytes(data))
            return len(data)
    stream = Unseekable()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr("w.npy", npy(np.ones(2)))
    return b"".join(stream.parts)


def tg_checkpoint_bytes(obj):
    buffer = io.BytesIO()
    serialization._write_npz(buffer, OrderedDict(obj))
    return buffer.getvalue()


ONES = np.ones(2)
CRAFTED = {
    "duplicate names": (zip_bytes([("w.npy", npy(ONES)), ("w.npy", npy(ONES * 2))]),
                        "entry 'w.npy' appears twice"),
    "duplicate structure": (zip_bytes([("__structure__.npy", npy(np.zeros(2, np.uint8)))] * 2),
                            "appears twice"),
    "directory": (zip_bytes([("w.npy", npy(ONES)), ("sub/", b"")]), "'sub/' is a directory"),
    "symlink entry": (zip_bytes([symlink_entry()]), "is a symbolic link"),
    "text member": (zip_bytes([("w.npy", npy(ONES)), ("notes.txt", b"hi")]),
                    "entry 'notes.txt' is not a .npy array"),
    "nested zip named .npy": (zip_bytes([("inner.npy", zip_bytes([("w.npy", npy(ONES))]))]),
                              "'inner' has an unreadable .npy header"),
    "nested zip": (zip_bytes([("inner.zip", zip_bytes([("w.npy", npy(ONES))]))]),
                   "'inner.zip' is not a .npy array"),
    "nested checkpoint": (zip_bytes([("inner.npy", tg_checkpoint_bytes({"w": ONES}))]),
                          "unreadable .npy header"),
    "object array": (zip_bytes([("w.npy", npy(np.array([{}], dtype=object)))]),
                     "'w' holds Python objects (a pickle)"),
    "string array": (zip_bytes([("w.npy", npy(np.array(["abc"])))]), "dtype <U3, not a plain"),
    "structured dtype": (zip_bytes([("w.npy", npy(np.zeros(2, [("a", "<f4"), ("b", "<i4")])))]),
                         "not a plain numeric type"),
    "datetime dtype": (zip_bytes([("w.npy", npy(np.zeros(2, "M8[s]")))]), "not a plain"),
    "npy version 3": (zip_bytes([("w.npy", npy(ONES, version=(3, 0)))]),
                      "unsupported .npy format version (3, 0)"),
    "header too long": (zip_bytes([("w.npy", b"\x93NUMPY\x01\x00\xff\xff" + b" " * 65535)]),
                        "unreadable .npy header"),
    "huge header shape": (zip_bytes([("w.npy", raw_npy("<f8", (9,), ONES.tobytes()))]),
                          "should hold 72 bytes for shape (9,) float64, but holds 16"),
    "empty but impossible shape": (zip_bytes([("w.npy", raw_npy("|u1", (0, 2**62, 9)))]),
                                   "which no NumPy array can have"),
    "negative size": (zip_bytes([("w.npy", raw_npy("<f8", (-1,)))]), "has shape (-1,)"),
    "huge declared size": (patch_directory(zip_bytes([("w.npy", npy(ONES))]), 20, 2**31),
                           "past the end"),
    "declared sizes differ": (patch_directory(zip_bytes([("w.npy", npy(ONES))]), 24, 10**6),
                              "sizes differ"),
    "deflate bomb claim": (patch_directory(zip_bytes([("w.npy", npy(ONES))], zipfile.ZIP_DEFLATED),
                                           24, 2**32 - 2), "more than deflate can produce"),
    "encrypted flag": (patch_directory(zip_bytes([("w.npy", npy(ONES))]), 8, 0x1),
                       "is encrypted"),
    "bzip2": (zip_bytes([("w.npy", npy(ONES))], zipfile.ZIP_BZIP2), "compression method 12"),
    "data descriptor": (streamed_zip(), "data descriptor"),
    "junk before the entries": (b"\0" * 64 + zip_bytes([("w.npy", npy(ONES))]), "starts with"),
    "empty zip": (zip_bytes([]), "empty zip archive"),
    "structure not text": (zip_bytes([("w.npy", npy(ONES)),
                                      ("__structure__.npy", npy(np.ones(3)))]),
                           "float64 array of shape (3,), not uint8 text"),
    "structure not utf-8": (zip_bytes([("__structure__.npy", npy(np.array([0xFF], np.uint8)))]),
                            "unreadable structure entry"),
    "scalar that is not": (tg_checkpoint_bytes({"w": ONES, "__structure__": np.frombuffer(
        b'{"format": "tinygrad_cnn.checkpoint/1", "root": {"type": "dict", "items": '
        b'[["w", {"type": "scalar", "key": "w"}]]}}', np.uint8)}), "a scalar"),
}
LOADABLE = {
    "path traversal names": ([("../../etc/evil.npy", np.arange(3)), ("/abs/w.npy", ONES),
                              ("a/../../b.npy", np.eye(2))], zipfile.ZIP_STORED),
    "compressed (np.savez_compressed)": ([("w.npy", np.arange(50.0))], zipfile.ZIP_DEFLATED),
    "fortran order and big-endian": ([("f.npy", np.asfortranarray(np.arange(6.0).reshape(2, 3))),
                                      ("b.npy", np.arange(4, dtype=">i4"))], zipfile.ZIP_STORED),
}


@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_crafted_archive_is_one_clear_error(tmp_path, case):
    content, problem = CRAFTED[case]
    path = tmp_path / "crafted.npz"
    path.write_bytes(content)
    with pytest.raises(tg.CheckpointError) as info:
        tg.load(path)
    assert str(path) in str(info.value) and problem in str(info.value), str(info.value)


def test_a_shape_too_large_for_int64_is_reported_exactly(tmp_path):
    path = tmp_path / "huge.npz"
    path.write_bytes(zip_bytes([("w.npy", raw_npy("|u1", (2**32, 2**32), b"\x01"))]))
    with pytest.raises(tg.CheckpointError, match=r"should hold 18446744073709551616 bytes for "
                                                 r"shape \(4294967296, 4294967296\) uint8"):
        tg.load(path)


@pytest.mark.parametrize("case", sorted(LOADABLE))
def test_crafted_archive_that_is_a_valid_npz_loads_exactly(tmp_path, case):
    entries, compression = LOADABLE[case]
    path = tmp_path / "inner" / "crafted.npz"
    path.parent.mkdir()
    path.write_bytes(zip_bytes([(name, npy(array)) for name, array in entries], compression))
    before = sorted(os.walk(tmp_path))
    loaded = tg.load(path)
    assert list(loaded) == [name[:-4] for name, _ in entries]
    for (name, array), value in zip(entries, loaded.values()):
        assert type(value) is tg.Tensor and same(value.numpy(), np.asarray(array))
    assert sorted(os.walk(tmp_path)) == before              # loading wrote nothing anywhere


def test_a_pytorch_file_and_its_mutations_are_clear_errors(tmp_path):
    torch = pytest.importorskip("torch", reason="needs torch to write a real torch.save file")
    buffer = io.BytesIO()
    torch.save({"weight": torch.ones(3)}, buffer)
    content = buffer.getvalue()
    rng = random.Random(12)
    path = tmp_path / "model.pt"
    for position in [None] + rng.sample(range(len(content)), min(len(content), scaled(40))):
        mutant = bytearray(content)
        if position is not None:
            mutant[position] ^= 0xFF
        path.write_bytes(mutant)
        with pytest.raises(tg.CheckpointError, match="model.pt"):
            tg.load(path)
    path.write_bytes(content)
    with pytest.raises(tg.CheckpointError, match="PyTorch file.*torch.load"):
        tg.load(path)
