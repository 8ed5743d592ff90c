"""Tests for tinygrad_cnn.serialization: .npz checkpoints that never run code."""
import os
import pickle
from collections import OrderedDict

import numpy as np
import pytest

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
