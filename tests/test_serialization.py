"""Tests for tinygrad_cnn.serialization: .npz checkpoints that never run code."""
import io
import json
import os
import pickle
import re
import stat
import subprocess
import sys
import textwrap
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import tinygrad_cnn as tg
from tinygrad_cnn import nn, optim, serialization
from tinygrad_cnn.serialization import load, save


def small_model():
    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(8, 3))


def test_state_dict_round_trip_keeps_values_order_and_dtypes(tmp_path):
    model = small_model()
    model[1].num_batches_tracked.numpy()[...] = 5
    path = tmp_path / "model.npz"
    save(model.state_dict(), path)
    restored = load(path)
    assert type(restored) is OrderedDict
    assert list(restored) == list(model.state_dict())
    for name, value in model.state_dict().items():
        assert type(restored[name]) is tg.Tensor
        assert restored[name].dtype == value.dtype and restored[name].shape == value.shape
        np.testing.assert_array_equal(restored[name].numpy(), value.numpy())
    assert restored["1.num_batches_tracked"].item() == 5
    # a plain NumPy reader sees the same names
    with np.load(path, allow_pickle=False) as archive:
        assert [k for k in archive.files if k != serialization.STRUCTURE_KEY] == list(restored)


def test_loaded_state_dict_reproduces_the_model(tmp_path):
    model, copy = small_model(), small_model()
    model[1].running_mean.numpy()[...] = [0.5, -0.25]
    save(model.state_dict(), tmp_path / "m.npz")
    copy.load_state_dict(load(tmp_path / "m.npz"))
    x = tg.randn(2, 1, 4, 4)
    model.eval(), copy.eval()
    np.testing.assert_array_equal(model(x).numpy(), copy(x).numpy())


def test_mixed_dtypes_and_exact_values(tmp_path):
    values = OrderedDict([
        ("z", tg.tensor(np.array([np.pi, -0.0, np.inf, np.nan, 1e-300]))),
        ("a", np.arange(6, dtype=np.int32).reshape(2, 3)),
        ("half", tg.tensor(np.array([1.5, 2.25], dtype=np.float16))),
        ("mask", np.array([True, False])),
        ("scalar", tg.tensor(np.array(7, dtype=np.int64))),
    ])
    save(values, tmp_path / "v.npz")
    restored = load(tmp_path / "v.npz")
    assert list(restored) == ["z", "a", "half", "mask", "scalar"]
    assert type(restored["z"]) is tg.Tensor and type(restored["a"]) is np.ndarray
    for name, value in values.items():
        expected = value.numpy() if isinstance(value, tg.Tensor) else value
        got = restored[name].numpy() if isinstance(restored[name], tg.Tensor) else restored[name]
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)


def test_training_checkpoint_with_optimizer_state_round_trips(tmp_path):
    model = small_model()
    opt = optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.95), amsgrad=True)
    loss = model(tg.randn(2, 1, 4, 4)).sum()
    loss.backward()
    opt.step()
    checkpoint = {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3,
                  "best": 0.125, "note": "ok", "tags": ["a", None, True],
                  np.int64(0).item(): "int key"}
    save(checkpoint, tmp_path / "ckpt.npz")
    restored = load(tmp_path / "ckpt.npz")
    assert list(restored) == ["model", "optimizer", "epoch", "best", "note", "tags", 0]
    assert restored["epoch"] == 3 and restored["best"] == 0.125 and restored[0] == "int key"
    assert restored["tags"] == ["a", None, True]
    saved_groups = opt.state_dict()["param_groups"]
    assert restored["optimizer"]["param_groups"] == saved_groups
    assert restored["optimizer"]["param_groups"][0]["betas"] == (0.8, 0.95)       # a tuple
    state = restored["optimizer"]["state"]
    assert list(state) == list(range(len(list(model.parameters()))))           # int keys
    for index, entries in opt.state_dict()["state"].items():
        assert state[index]["step"] == entries["step"] == 1
        for name in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
            np.testing.assert_array_equal(state[index][name], entries[name])
    other = optim.Adam(small_model().parameters())
    other.load_state_dict(restored["optimizer"])
    assert other.param_groups[0]["betas"] == (0.8, 0.95)


def test_numpy_scalars_keep_their_type(tmp_path):
    save({"loss": np.float32(0.5), "count": np.int16(3)}, tmp_path / "s.npz")
    restored = load(tmp_path / "s.npz")
    assert type(restored["loss"]) is np.float32 and restored["loss"] == np.float32(0.5)
    assert type(restored["count"]) is np.int16


def test_plain_npz_loads_as_flat_tensors(tmp_path):
    np.savez(tmp_path / "plain.npz", weight=np.ones((2, 2)), bias=np.zeros(2))
    restored = load(tmp_path / "plain.npz")
    assert list(restored) == ["weight", "bias"]
    assert all(type(v) is tg.Tensor for v in restored.values())


def test_object_arrays_are_refused_on_load(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, weight=np.ones(2), payload=np.array([{"code": "print(1)"}], dtype=object),
             allow_pickle=True)
    with pytest.raises(ValueError, match="payload.*Python objects"):
        load(path)


def test_pickle_files_are_refused(tmp_path):
    path = tmp_path / "model.pt"
    with open(path, "wb") as file:
        pickle.dump({"weight": np.ones(2)}, file)
    with pytest.raises(ValueError, match="pickle"):
        load(path)
    np.save(tmp_path / "single.npy", np.ones(2))
    with pytest.raises(ValueError, match="single .npy"):
        load(tmp_path / "single.npy")


def test_save_refuses_what_it_cannot_store_without_pickle(tmp_path):
    path = tmp_path / "x.npz"
    with pytest.raises(TypeError, match="Python objects"):
        save({"w": np.array([object()], dtype=object)}, path)
    with pytest.raises(TypeError, match="cannot store a set"):
        save({"w": {1, 2}}, path)
    with pytest.raises(TypeError, match="expected a dict"):
        save([np.ones(2)], path)
    with pytest.raises(ValueError, match="'a/b'"):
        save({"a/b": np.ones(1), "a": {"b": np.ones(1)}}, path)
    assert not path.exists() and os.listdir(tmp_path) == []


def test_a_crash_mid_save_keeps_the_old_checkpoint_and_leaves_no_temp_file(tmp_path,
                                                                          monkeypatch):
    path = tmp_path / "ckpt.npz"
    save({"w": np.arange(3.0)}, path)

    def crash_halfway(file, arrays):
        file.write(b"PK\x03\x04 partial zip")          # bytes reach the disk, then we die
        raise OSError("disk on fire")

    monkeypatch.setattr(serialization, "_write_npz", crash_halfway)
    with pytest.raises(OSError, match="disk on fire"):
        save({"w": np.zeros(3)}, path)
    assert os.listdir(tmp_path) == ["ckpt.npz"]
    np.testing.assert_array_equal(load(path)["w"], np.arange(3.0))   # saved as ndarray

    def interrupted(file, arrays):
        raise KeyboardInterrupt

    monkeypatch.setattr(serialization, "_write_npz", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save({"w": np.zeros(3)}, path)
    assert os.listdir(tmp_path) == ["ckpt.npz"]


def test_save_overwrites_atomically_and_accepts_str_paths(tmp_path):
    path = str(tmp_path / "ckpt.npz")
    save({"w": np.ones(1)}, path)
    save({"w": np.full(1, 2.0)}, path)
    assert load(path)["w"].item() == 2.0
    assert os.listdir(tmp_path) == ["ckpt.npz"]


def test_failed_load_state_dict_from_a_checkpoint_leaves_the_model_unchanged(tmp_path):
    other = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(8, 4))
    save(other.state_dict(), tmp_path / "other.npz")
    model = small_model()
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    with pytest.raises(RuntimeError, match=r'size mismatch for "3.weight".*\(4, 8\).*\(3, 8\)'):
        model.load_state_dict(load(tmp_path / "other.npz"))
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), before[name])


# ----------------------------------------------------------------------------- keys (issue 10.2)
@pytest.mark.parametrize("key", ["a\x00b", "tab\there", "\x01", "del\x7f", "c1\x85", "\ud800",
                                 "back\\slash"])
def test_save_refuses_a_key_that_would_not_read_back_before_writing(tmp_path, key):
    path = tmp_path / "x.npz"
    for obj in ({key: tg.ones(2)}, {"model": {key: np.ones(1)}}, {key: 3}):
        with pytest.raises(ValueError, match="contains"):
            save(obj, path)
    assert os.listdir(tmp_path) == []


def test_save_refuses_non_string_keys_and_colliding_entries(tmp_path):
    path = tmp_path / "x.npz"
    for key in (1.5, None, (1, 2), True, b"bytes"):
        with pytest.raises(TypeError, match="dict keys must be str or int"):
            save({"outer": {key: np.ones(1)}}, path)
    with pytest.raises(ValueError, match="both be stored as '0'"):
        save({0: np.ones(1), "0": np.zeros(1)}, path)
    with pytest.raises(ValueError, match="both be stored as '__structure__'"):
        save({"__structure__": np.ones(1)}, path)
    assert os.listdir(tmp_path) == []


def test_save_refuses_arrays_it_could_not_load_and_endless_nesting(tmp_path):
    path = tmp_path / "x.npz"
    with pytest.raises(TypeError, match="dtype <U3"):
        save({"names": np.array(["abc"])}, path)
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError, match="nested more than 100 levels"):
        save({"loop": loop}, path)
    assert os.listdir(tmp_path) == []


def _entry_names(obj, path=""):
    """The archive entries `save` makes for ``obj``: one per array, named by its path."""
    names = []
    items = obj.items() if isinstance(obj, dict) else enumerate(obj)
    for name, value in items:
        child = f"{path}/{name}" if path else str(name)
        if isinstance(value, (dict, list)):
            names += _entry_names(value, child)
        else:
            names.append(child)
    return names


_KEY_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\\"),
                    max_size=12) | st.sampled_from(["", ".", "..", "/", "a/b", "a//b", "/a", "a/",
                                                    "x.npy", "ünïcødé", "日本", "\u202e", "🦜"])
_KEYS = _KEY_TEXT | st.integers(-3, 3)
_TREE = st.recursive(
    st.integers(0, 5).map(lambda n: np.arange(n, dtype=np.float32)),
    lambda children: st.dictionaries(_KEYS, children, max_size=3)
    | st.lists(children, max_size=2), max_leaves=6)


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(_KEYS, _TREE, max_size=4))
@example({"a/b": np.ones(1), "a": {"b": np.zeros(1)}})              # two paths, one entry
@example({0: [np.ones(1)], "0": {"0": np.ones(2)}})
@example({"": np.ones(1), "x": {"": np.ones(2), "/": [np.ones(3)]}, "..": {".": np.ones(4)}})
def test_every_key_save_accepts_reads_back_exactly(tmp_path, tree):
    path = tmp_path / "keys.npz"
    names = _entry_names(tree)
    if len(set(names)) < len(names) or "__structure__" in names:
        with pytest.raises(ValueError, match="both be stored as"):
            save(tree, path)
        return
    save(tree, path)
    restored = load(path)

    def assert_same(saved, got):
        assert type(got) is (OrderedDict if isinstance(saved, dict) else type(saved))
        if isinstance(saved, dict):
            assert list(got) == list(saved)                # exact keys, types and order
            for name in saved:
                assert type(name) is type(next(k for k in got if k == name))
                assert_same(saved[name], got[name])
        elif isinstance(saved, list):
            assert len(got) == len(saved)
            for a, b in zip(saved, got):
                assert_same(a, b)
        else:
            assert got.dtype == saved.dtype
            np.testing.assert_array_equal(got, saved)
    assert_same(tree, restored)
    with np.load(path, allow_pickle=False) as archive:     # a plain NumPy reader agrees
        assert sorted(archive.files) == sorted(names + ["__structure__"])


# ----------------------------------------------------------------------------- permissions (10.4)
@pytest.mark.parametrize("umask, mode", [(0o077, 0o600), (0o022, 0o644), (0o002, 0o664)])
def test_save_honours_the_umask_as_open_does(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        save({"w": np.ones(1)}, tmp_path / "ckpt.npz")
        with open(tmp_path / "by_open", "wb"):
            pass
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "ckpt.npz").st_mode) == mode
    assert stat.S_IMODE(os.stat(tmp_path / "by_open").st_mode) == mode


def test_saving_over_a_file_keeps_its_mode(tmp_path):
    path = tmp_path / "ckpt.npz"
    save({"w": np.ones(1)}, path)
    os.chmod(path, 0o640)
    save({"w": np.zeros(1)}, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert load(path)["w"].item() == 0.0


def test_saving_through_a_symlink_replaces_the_target_and_keeps_the_link(tmp_path):
    (tmp_path / "runs").mkdir()
    target, link = tmp_path / "runs" / "real.npz", tmp_path / "latest.npz"
    save({"w": np.ones(2)}, target)
    os.symlink(os.path.join("runs", "real.npz"), link)
    save({"w": np.full(2, 7.0)}, link)
    assert os.path.islink(link) and os.readlink(link) == os.path.join("runs", "real.npz")
    np.testing.assert_array_equal(load(target)["w"], [7.0, 7.0])
    assert sorted(os.listdir(tmp_path)) == ["latest.npz", "runs"]
    assert os.listdir(tmp_path / "runs") == ["real.npz"]
    dangling = tmp_path / "dangling.npz"                 # open() would create the target
    os.symlink("made.npz", dangling)
    save({"w": np.ones(1)}, dangling)
    assert os.path.islink(dangling) and load(tmp_path / "made.npz")["w"].item() == 1.0


def test_a_symlink_loop_is_an_error_as_with_open(tmp_path):
    os.symlink("b.npz", tmp_path / "a.npz")
    os.symlink("a.npz", tmp_path / "b.npz")
    with pytest.raises(OSError) as by_open:
        open(tmp_path / "a.npz", "wb")
    with pytest.raises(OSError) as by_save:
        save({"w": np.ones(1)}, tmp_path / "a.npz")
    assert by_save.value.errno == by_open.value.errno
    assert sorted(os.listdir(tmp_path)) == ["a.npz", "b.npz"]
    assert os.readlink(tmp_path / "a.npz") == "b.npz"


def test_a_save_removes_the_temporaries_of_killed_saves_but_not_of_live_ones(tmp_path):
    fcntl = pytest.importorskip("fcntl", reason="the live-save lock is POSIX flock")
    path = tmp_path / "ckpt.npz"
    abandoned = [tmp_path / ".ckpt.npz.a1b2c3d4.tmp", tmp_path / ".ckpt.npz.0123456789ab.tmp"]
    for name in abandoned:
        name.write_bytes(b"PK\x03\x04 half a zip")
    live = tmp_path / ".ckpt.npz.feedbeef.tmp"
    other = tmp_path / ".other.npz.a1b2c3d4.tmp"          # another checkpoint's: not ours
    for name in (live, other):
        name.write_bytes(b"PK")
    with open(live, "rb") as holder:
        fcntl.flock(holder, fcntl.LOCK_EX)                # a save in progress elsewhere
        save({"w": np.ones(1)}, path)
    assert sorted(os.listdir(tmp_path)) == sorted(
        ["ckpt.npz", ".ckpt.npz.feedbeef.tmp", ".other.npz.a1b2c3d4.tmp"])


def test_without_flock_only_temporaries_over_an_hour_old_are_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(serialization, "_fcntl", None)            # as on Windows
    old, recent = tmp_path / ".ckpt.npz.old.tmp", tmp_path / ".ckpt.npz.recent.tmp"
    for name in (old, recent):
        name.write_bytes(b"PK")
    two_hours_ago = os.stat(old).st_mtime - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    save({"w": np.arange(2.0)}, tmp_path / "ckpt.npz")
    assert sorted(os.listdir(tmp_path)) == [".ckpt.npz.recent.tmp", "ckpt.npz"]
    np.testing.assert_array_equal(load(tmp_path / "ckpt.npz")["w"], [0.0, 1.0])


def test_the_temporary_of_a_process_killed_mid_save_is_removed_by_the_next_save(tmp_path):
    pytest.importorskip("fcntl", reason="the live-save lock is POSIX flock")
    path = tmp_path / "ckpt.npz"
    script = textwrap.dedent(f"""
        import sys, time
        import numpy as np
        from tinygrad_cnn import serialization
        def hang(file, arrays):
            file.write(b"PK\\x03\\x04 partial")
            file.flush()
            print("writing", flush=True)
            time.sleep(60)
        serialization._write_npz = hang
        serialization.save({{"w": np.ones(1)}}, {str(path)!r})
    """)
    root = os.path.dirname(os.path.dirname(os.path.abspath(tg.__file__)))
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, cwd=root,
                             env={**os.environ, "PYTHONPATH": root})
    try:
        assert child.stdout.readline() == b"writing\n"
        left = [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]
        assert len(left) == 1 and left[0].startswith(".ckpt.npz.")
        save({"w": np.ones(1)}, path)                     # the child is alive: its file stays
        assert left[0] in os.listdir(tmp_path)
    finally:
        child.kill()
        child.wait()
        child.stdout.close()
    save({"w": np.zeros(1)}, path)                        # now it is abandoned
    assert os.listdir(tmp_path) == ["ckpt.npz"]


# ----------------------------------------------------------------------------- foreign files (10.5)
def test_a_pytorch_file_is_named_and_the_conversion_explained(tmp_path):
    torch = pytest.importorskip("torch", reason="compares with a real torch.save file")
    path = tmp_path / "model.pt"
    torch.save({"weight": torch.ones(2)}, path)
    with pytest.raises(tg.CheckpointError, match=r"model\.pt is a PyTorch file") as info:
        load(path)
    assert "torch.load(" in str(info.value) and "tg.save({k: v" in str(info.value)
    torch.save({"weight": torch.ones(2)}, path, _use_new_zipfile_serialization=False)
    with pytest.raises(tg.CheckpointError, match=r"model\.pt .*pickle.*torch\.load\("):
        load(path)


def test_a_plain_zip_or_other_file_says_what_it_is(tmp_path):
    zip_path = tmp_path / "notes.zip"
    with zipfile.ZipFile(zip_path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(tg.CheckpointError, match=r"notes\.zip is a zip archive but not a "
                                                 r"checkpoint: its entry 'readme\.txt'"):
        load(zip_path)
    for content, what in [(b"", "empty"), (b"\x1f\x8b\x08\x00rest", "gzip"),
                          (b"PK\x05\x06" + bytes(18), "empty zip"), (b"hello", "starts with")]:
        (tmp_path / "f").write_bytes(content)
        with pytest.raises(tg.CheckpointError, match=what):
            load(tmp_path / "f")
    with pytest.raises(FileNotFoundError):               # not a damaged file: no such file
        load(tmp_path / "missing.npz")


# ----------------------------------------------------------------------------- damage (10.3, 10.6)
def test_checkpoint_error_is_one_public_value_error():
    assert tg.CheckpointError is serialization.CheckpointError
    assert issubclass(tg.CheckpointError, ValueError)
    assert f"{tg.CheckpointError.__module__}.{tg.CheckpointError.__qualname__}" == \
        "tinygrad_cnn.CheckpointError"


def test_a_damaged_npy_header_is_called_damaged_not_a_pickle(tmp_path):
    path = tmp_path / "ckpt.npz"
    save({"weight": np.ones(3)}, path)
    content = path.read_bytes()
    start = content.index(b"{'descr'")
    damaged = content[:start] + b"{'descr'; " + content[start + 10:]    # same length
    path.write_bytes(damaged)
    with pytest.raises(tg.CheckpointError) as info:
        load(path)
    message = str(info.value)
    assert str(path) in message and "'weight' has an unreadable .npy header" in message
    assert "pickle" not in message


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.9, 0.99])
def test_a_truncated_checkpoint_is_one_clear_error(tmp_path, cut):
    path = tmp_path / "ckpt.npz"
    save(small_model().state_dict(), path)
    content = path.read_bytes()
    path.write_bytes(content[:int(len(content) * cut)])
    with pytest.raises(tg.CheckpointError, match=re.escape(str(path))):
        load(path)


def test_a_flipped_data_byte_is_caught_by_the_checksum(tmp_path):
    path = tmp_path / "ckpt.npz"
    save({"w": np.zeros(64)}, path)
    content = bytearray(path.read_bytes())
    content[content.index(bytes(64 * 8)) + 100] ^= 0x01
    path.write_bytes(content)
    with pytest.raises(tg.CheckpointError, match="Bad CRC-32"):
        load(path)


def _zip_with(tmp_path, entries):
    path = tmp_path / "crafted.npz"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return path


def _npy(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=True)
    return buffer.getvalue()


def _structure(root, format="tinygrad_cnn.checkpoint/1"):
    return json.dumps({"format": format, "root": root})


def _nested_lists(depth):
    node = {"type": "list", "items": []}
    for _ in range(depth):
        node = {"type": "list", "items": [node]}
    return {"type": "dict", "items": [["deep", node], ["w", _W]]}


_W = {"type": "tensor", "key": "w"}


@pytest.mark.parametrize("structure, problem", [
    ("[" * 100_000 + "]" * 100_000, "unreadable structure entry"),          # RecursionError
    (_structure(_nested_lists(150)), "nested more than 100 levels"),
    (_structure({"type": "dict", "items": [["w", {"type": "tensor", "key": "missing"}]]}),
     "names an entry 'missing'"),
    (_structure({"type": "dict", "items": [["w", _W], ["v", _W]]}), "names the entry 'w' twice"),
    (_structure({"type": "dict", "items": []}), r"entries \['w'\] are not in its structure"),
    (_structure({"type": "dict", "items": [[True, _W]]}), "dict item it cannot read"),
    (_structure({"type": "dict", "items": [["w", _W], ["w", {"type": "value", "value": 1}]]}),
     "dict item it cannot read"),                                       # a repeated key
    (_structure({"type": "dict", "items": [["w", _W], ["x", {"type": "value", "value": [1]}]]}),
     "holds a list where a number"),
    (_structure({"type": "dict", "items": [["w", {"type": "mystery"}]]}), "cannot read"),
    (_structure({"type": "list", "items": [_W]}), "root is not a dict"),
    (_structure({"type": "dict", "items": []}, format="someone-else/2"),
     "is not a tinygrad_cnn.checkpoint/1"),
])
def test_a_damaged_structure_is_one_clear_error(tmp_path, structure, problem):
    path = _zip_with(tmp_path, [("w.npy", _npy(np.ones(2))),
                                ("__structure__.npy", _npy(np.frombuffer(structure.encode(),
                                                                         np.uint8)))])
    with pytest.raises(tg.CheckpointError, match=problem):
        load(path)


def test_a_damaged_file_never_half_loads_a_model(tmp_path):
    model = small_model()
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    path = tmp_path / "ckpt.npz"
    save(small_model().state_dict(), path)
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0xFF
    path.write_bytes(content)
    with pytest.raises(tg.CheckpointError):
        model.load_state_dict(load(path))
    partial = OrderedDict(small_model().state_dict())
    partial["3.bias"] = np.array(["not", "numbers", "!"])          # the last entry is bad
    with pytest.raises(RuntimeError, match='dtype mismatch for "3.bias"'):
        model.load_state_dict(partial, strict=False)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), before[name])
