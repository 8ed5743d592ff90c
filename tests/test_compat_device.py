"""Devices: PyTorch's vocabulary, one CPU backend, one clear error for the rest."""
import numpy as np
import pytest

import tinygrad_cnn as tg
from tinygrad_cnn import nn

FACTORIES = {
    "zeros": lambda **kw: tg.zeros(2, 3, **kw),
    "ones": lambda **kw: tg.ones((2, 3), **kw),
    "empty": lambda **kw: tg.empty(2, 3, **kw),
    "full": lambda **kw: tg.full((2, 3), 1.5, **kw),
    "eye": lambda **kw: tg.eye(3, **kw),
    "arange": lambda **kw: tg.arange(5, **kw),
    "linspace": lambda **kw: tg.linspace(0, 1, 5, **kw),
    "logspace": lambda **kw: tg.logspace(0, 1, 5, **kw),
    "rand": lambda **kw: tg.rand(2, **kw),
    "randn": lambda **kw: tg.randn(2, **kw),
    "randint": lambda **kw: tg.randint(0, 5, (2,), **kw),
    "randperm": lambda **kw: tg.randperm(4, **kw),
    "normal": lambda **kw: tg.normal(0.0, 1.0, (2,), **kw),
    "tensor": lambda **kw: tg.tensor([1.0, 2.0], **kw),
    "as_tensor": lambda **kw: tg.as_tensor([1.0, 2.0], **kw),
    "Tensor": lambda **kw: tg.Tensor([1.0], **kw),
    "zeros_like": lambda **kw: tg.zeros_like(tg.ones(2), **kw),
    "ones_like": lambda **kw: tg.ones_like(tg.ones(2), **kw),
    "full_like": lambda **kw: tg.full_like(tg.ones(2), 3, **kw),
    "rand_like": lambda **kw: tg.rand_like(tg.ones(2), **kw),
    "randn_like": lambda **kw: tg.randn_like(tg.ones(2), **kw),
    "empty_like": lambda **kw: tg.empty_like(tg.ones(2), **kw),
    "FloatTensor": lambda **kw: tg.FloatTensor([1.0], **kw),
}


def test_device_objects():
    cpu = tg.device("cpu")
    assert repr(cpu) == "device(type='cpu')" and str(cpu) == "cpu" and cpu.type == "cpu"
    assert cpu.index is None
    assert tg.device("cpu:0") == tg.device("cpu", 0) and tg.device("cpu:0").index == 0
    assert str(tg.device("cpu", 0)) == "cpu:0"
    assert tg.device(tg.device("cpu")) == cpu
    assert tg.device("cuda").type == "cuda"            # naming a device never fails …
    assert tg.device("cuda:1").index == 1
    assert {tg.device("cpu"), tg.device("cpu")} == {cpu}
    with pytest.raises(RuntimeError, match="device type"):
        tg.device("gpu")
    with pytest.raises(ValueError):
        tg.device("cpu:x")


def test_devices_compare_like_torch():
    torch = pytest.importorskip("torch", reason="compares with PyTorch")
    for a, b in [("cpu", "cpu"), ("cpu", "cpu:0"), ("cpu:0", "cpu:0"), ("cuda", "cpu")]:
        assert (tg.device(a) == tg.device(b)) == (torch.device(a) == torch.device(b))
        assert (tg.device(a) == b) == (torch.device(a) == b)     # never equal to a string
    assert repr(tg.device("cpu", 0)) == repr(torch.device("cpu", 0))
    assert repr(tg.ones(1).device) == repr(torch.ones(1).device)


def test_tensor_device_and_moves():
    x = tg.ones(2)
    assert x.device == tg.device("cpu") and x.device.type == "cpu" and not x.is_cuda
    assert x.to("cpu") is x and x.to(tg.device("cpu")) is x and x.cpu() is x
    assert x.to("cpu:0") is x and x.to(device="cpu") is x
    y = x.to("cpu", tg.float64)
    assert y.dtype is tg.float64 and y.device.type == "cpu" and x.dtype is tg.float32
    z = x.to(tg.device("cpu"), dtype=tg.int64)
    assert z.dtype is tg.int64 and z.tolist() == [1, 1]
    other = tg.zeros(1, dtype=tg.float16)
    assert x.to(other).dtype is tg.float16
    assert x.to("cpu", copy=True) is not x and x.to(tg.float32, copy=True).tolist() == [1.0, 1.0]
    assert x.to(tg.float64, non_blocking=True).dtype is tg.float64


def test_to_keeps_gradients_flowing_between_float_dtypes():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x.to("cpu", tg.float64)
    assert y.requires_grad and y.grad_fn is not None
    (y * y).sum().backward()
    assert x.grad.dtype is tg.float32 and x.grad.tolist() == [2.0, 4.0]


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_every_factory_takes_device(name):
    made = FACTORIES[name](device="cpu")
    assert made.device == tg.device("cpu")
    assert FACTORIES[name](device=tg.device("cpu:0")).device.type == "cpu"
    with pytest.raises(tg.DeviceError, match="CPU"):
        FACTORIES[name](device="cuda")


def test_set_default_device():
    tg.set_default_device("cpu")
    assert tg.get_default_device() == tg.device("cpu") and tg.zeros(1).device.type == "cpu"
    tg.set_default_device(None)
    assert tg.get_default_device().type == "cpu"
    with pytest.raises(tg.DeviceError):
        tg.set_default_device("cuda")
    assert tg.get_default_device().type == "cpu"        # a refused default changes nothing


def test_queries_say_there_is_no_accelerator():
    torch = pytest.importorskip("torch", reason="compares with PyTorch's CPU build")
    assert tg.cuda.is_available() is False and tg.cuda.device_count() == 0
    assert tg.backends.mps.is_available() is False and tg.backends.mps.is_built() is False
    assert tg.accelerator.is_available() is False and tg.accelerator.current_accelerator() is None
    assert tg.accelerator.device_count() == 0
    if not torch.cuda.is_available():                   # what a CPU-only torch answers too
        assert torch.cuda.device_count() == tg.cuda.device_count()
    tg.cuda.manual_seed(0), tg.cuda.manual_seed_all(0), tg.cuda.synchronize(), tg.cuda.empty_cache()
    tg.backends.cudnn.deterministic = True
    tg.backends.cudnn.benchmark = False


def test_device_agnostic_idiom_picks_the_cpu():
    device = tg.device("cuda" if tg.cuda.is_available() else "cpu")
    acc = tg.accelerator.current_accelerator()
    assert device == tg.device("cpu") and tg.device(acc or "cpu") == device
    model = nn.Linear(2, 1).to(device)
    assert model.weight.device == device
    assert model(tg.ones(1, 2).to(device)).device == device


@pytest.mark.parametrize("move", [
    lambda: tg.ones(1).to("cuda"),
    lambda: tg.ones(1).to("cuda:0"),
    lambda: tg.ones(1).to(tg.device("cuda", 0)),
    lambda: tg.ones(1).to("mps"),
    lambda: tg.ones(1).cuda(),
    lambda: tg.ones(1).to(0),
    lambda: tg.zeros(2, device="cuda"),
    lambda: tg.tensor([1.0], device="mps"),
    lambda: nn.Linear(2, 2).to("cuda"),
    lambda: nn.Linear(2, 2).cuda(),
    lambda: tg.cuda.current_device(),
])
def test_cuda_and_mps_raise_one_clear_error(move):
    with pytest.raises(tg.DeviceError) as raised:
        move()
    message = str(raised.value)
    assert isinstance(raised.value, RuntimeError)
    assert "CPU" in message and "cuda.is_available()" in message and ".to(device)" in message


def test_cuda_error_type_is_one_torch_code_already_catches():
    torch = pytest.importorskip("torch", reason="compares with PyTorch")
    if torch.cuda.is_available():
        pytest.skip("this torch has CUDA")
    try:
        torch.ones(1).to("cuda")
    except (AssertionError, RuntimeError) as error:
        theirs = type(error)
    # torch raises AssertionError or RuntimeError ("Torch not compiled with CUDA enabled"),
    # depending on version; ours is always a RuntimeError, so `except RuntimeError` works
    assert issubclass(theirs, (AssertionError, RuntimeError))
    assert issubclass(tg.DeviceError, RuntimeError)


def test_a_failed_move_changes_nothing():
    model = nn.Linear(2, 2)
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    with pytest.raises(tg.DeviceError):
        model.to("cuda")
    assert all(np.array_equal(v.numpy(), before[k]) for k, v in model.state_dict().items())
    assert model.weight.device.type == "cpu"


def test_device_is_a_real_object_with_backends():
    from tinygrad_cnn.device import BACKENDS, resolve_device
    assert BACKENDS["cpu"] is np and set(BACKENDS) == {"cpu"}
    assert resolve_device(None) == tg.device("cpu") and resolve_device("cpu:0").type == "cpu"
    with pytest.raises(tg.DeviceError, match="there is one CPU device"):
        resolve_device("cpu:1")
