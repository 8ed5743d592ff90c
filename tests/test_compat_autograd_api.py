"""``tinygrad_cnn.autograd``, grad modes, graph inspection, package-level
functions and factories, against PyTorch."""
import numpy as np
import pytest

import tinygrad_cnn as tg


# ----- autograd.grad / autograd.backward ------------------------------------------------------
def test_grad_returns_gradients_and_leaves_dot_grad_alone():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    z = (y * 3).sum()
    gy, gx = tg.autograd.grad(z, [y, x])              # a non-leaf input too
    assert gy.tolist() == [3.0, 3.0] and gx.tolist() == [6.0, 12.0]
    assert x.grad is None and not gx.requires_grad


def test_grad_outputs_and_several_outputs():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (g,) = tg.autograd.grad(x * x, x, grad_outputs=tg.tensor([1.0, 10.0]))
    assert g.tolist() == [2.0, 40.0]
    (g,) = tg.autograd.grad([(x * x).sum(), (x * 3).sum()], x)
    assert g.tolist() == [5.0, 7.0]
    (g,) = tg.autograd.grad(tg.tensor(2.0, requires_grad=True) * 1, tg.tensor(1.0, requires_grad=True),
                            allow_unused=True)
    assert g is None


def test_grad_frees_the_graph_unless_retained():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp().sum()
    first = tg.autograd.grad(y, x, retain_graph=True)
    second = tg.autograd.grad(y, x)
    np.testing.assert_allclose(first[0].numpy(), second[0].numpy())
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        tg.autograd.grad(y, x)


def test_unused_inputs():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    w = tg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        tg.autograd.grad((x * 2).sum(), (x, w))
    gx, gw = tg.autograd.grad((x * 2).sum(), (x, w), allow_unused=True)
    assert gx.tolist() == [2.0, 2.0] and gw is None
    gx, gw = tg.autograd.grad((x * 2).sum(), (x, w), materialize_grads=True)
    assert gw.tolist() == [0.0, 0.0]
    with pytest.raises(RuntimeError, match="does not require grad"):
        tg.autograd.grad((x * 2).sum(), tg.ones(2))


def test_grad_matches_torch():
    torch = pytest.importorskip("torch", reason="compares with PyTorch")
    results = []
    for m in (torch, tg):
        x = m.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
        w = m.tensor([[1.5], [-0.5]], requires_grad=True)
        h = (x @ w).sigmoid()
        out = (h * h).sum() + x.exp().mean()
        gx, gw, gh = m.autograd.grad(out, [x, w, h])
        results.append([g.numpy().copy() for g in (gx, gw, gh)])
    for ours, theirs in zip(results[1], results[0]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_backward_from_several_tensors():
    torch = pytest.importorskip("torch", reason="compares with PyTorch")
    grads = []
    for m in (torch, tg):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        m.autograd.backward([(x * x).sum(), x * 3], [None, m.tensor([1.0, 2.0])])
        m.autograd.backward((x * x).sum())
        m.autograd.backward(x * 2, m.ones(2))
        grads.append(x.grad.tolist())
    assert grads[0] == grads[1]


def test_create_graph_raises_clearly():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    for call in (lambda: tg.autograd.grad((x * x).sum(), x, create_graph=True),
                 lambda: (x * x).sum().backward(create_graph=True),
                 lambda: tg.autograd.backward((x * x).sum(), create_graph=True)):
        with pytest.raises(NotImplementedError, match="double backward"):
            call()
    assert x.grad is None


def test_backward_inputs_limits_accumulation():
    x = tg.tensor([1.0], requires_grad=True)
    w = tg.tensor([2.0], requires_grad=True)
    (x * w).sum().backward(inputs=[w])
    assert x.grad is None and w.grad.tolist() == [1.0]


# ----- graph inspection ---------------------------------------------------------------------------
def test_next_functions_follow_torch_structure():
    torch = pytest.importorskip("torch", reason="compares with PyTorch")

    def shape_of_graph(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        c = m.ones(2)
        y = x * c + c
        top = y.grad_fn.next_functions
        mul = top[0][0]
        return ([("leaf" if hasattr(f, "variable") else "op" if f is not None else None, i)
                 for f, i in top],
                [("leaf" if hasattr(f, "variable") else None) for f, _ in mul.next_functions],
                mul.next_functions[0][0].variable is x)
    assert shape_of_graph(tg) == shape_of_graph(torch)


def test_grad_fn_name_is_callable_and_a_string():
    y = tg.tensor([1.0], requires_grad=True) * 2
    assert y.grad_fn.name() == "mul" and y.grad_fn.name == "mul"
    assert (y.sum()).grad_fn.name() == "sum"
    leaf_node = y.grad_fn.next_functions[0][0]
    assert leaf_node.name() == "accumulate_grad" and leaf_node.next_functions == ()


def test_retain_grad_and_is_leaf():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    assert y.retains_grad and not x.retains_grad
    (y * y).sum().backward()
    assert y.grad.tolist() == [6.0, 12.0] and x.grad.tolist() == [18.0, 36.0]
    with pytest.raises(RuntimeError, match="requires_grad=False"):
        tg.ones(1).retain_grad()


def test_requires_grad_and_detach():
    a = tg.ones(2)
    assert a.requires_grad_() is a and a.requires_grad and a.is_leaf
    b = (a * 2).detach()
    assert not b.requires_grad and b.grad_fn is None and b.is_leaf
    with pytest.raises(RuntimeError, match="leaf"):
        (a * 2).requires_grad_(False)
    with pytest.raises(TypeError, match="floating-point"):
        tg.tensor([1, 2]).requires_grad_()
    c = a * 2
    assert c.detach_() is c and c.grad_fn is None and not c.requires_grad


# ----- grad modes ---------------------------------------------------------------------------------
def _modes(m):
    seen = []
    x = m.ones(1, requires_grad=True)

    def recorded():
        return (x * 2).requires_grad
    with m.no_grad():
        seen.append(recorded())
        with m.enable_grad():
            seen.append(recorded())
        seen.append(m.is_grad_enabled())
    m.set_grad_enabled(False)                                 # a plain call takes effect
    seen.append(recorded())
    m.set_grad_enabled(True)
    with m.set_grad_enabled(False):                           # a context manager restores
        seen.append(recorded())
    seen.append(recorded())

    @m.set_grad_enabled(False)                                # a decorator, per call
    def off():
        return recorded()
    seen += [off(), recorded()]

    @m.no_grad()
    def no_grad_call():
        return recorded()

    @m.no_grad
    def no_grad_bare():
        return recorded()

    @m.enable_grad()
    def on():
        return recorded()
    seen += [no_grad_call(), no_grad_bare(), on()]
    with m.no_grad():
        seen.append(on())
    with m.inference_mode():
        seen.append(recorded())
    with m.inference_mode(False):
        seen.append(recorded())

    @m.inference_mode()
    def inferred():
        return recorded()
    seen += [inferred(), m.is_grad_enabled()]
    return seen


def test_grad_modes_match_torch():
    torch = pytest.importorskip("torch", reason="compares with PyTorch")
    assert _modes(tg) == _modes(torch)
    assert tg.is_grad_enabled()


def test_grad_mode_is_restored_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with tg.no_grad():
            1 / 0
    assert tg.is_grad_enabled()


# ----- package-level functions and their methods ----------------------------------------------
TWINS = [("sum", ()), ("mean", ()), ("exp", ()), ("log", ()), ("sigmoid", ()), ("tanh", ()),
         ("relu", ()), ("abs", ()), ("sqrt", ()), ("argmax", ()), ("numel", ()), ("flatten", ()),
         ("t", ()), ("neg", ()), ("clamp", (0.5, 2.0)), ("unsqueeze", (0,)), ("squeeze", ()),
         ("transpose", (0, 1)), ("reshape", ((4,),)), ("max", ()), ("min", (1,)),
         ("max", (0,)), ("amax", (1,)), ("argmin", (1,)), ("permute", ((1, 0),)),
         ("matmul", ("x",)), ("mm", ("x",)), ("add", ("x",)), ("mul", (2,)), ("div", (2,)),
         ("pow", (2,)), ("sub", ("x",)), ("any", ()), ("all", ()), ("softmax", (1,)),
         ("log_softmax", (1,)), ("sin", ()), ("cos", ()), ("cumsum", (0,)), ("std", ()),
         ("var", ()), ("prod", ()), ("norm", ()), ("allclose", ("x",)), ("equal", ("x",)),
         ("isnan", ()), ("square", ()), ("argsort", ())]


@pytest.mark.parametrize("name, args", TWINS, ids=[f"{n}{a}" for n, a in TWINS])
def test_package_function_is_the_method(name, args):
    torch = pytest.importorskip("torch", reason="compares with PyTorch")
    results = []
    for m in (torch, tg):
        x = m.tensor([[1.0, 4.0], [2.0, 3.0]])
        call_args = tuple(x if a == "x" else a for a in args)
        function, method = getattr(m, name)(x, *call_args), getattr(x, name)(*call_args)
        results.append((repr(function), repr(method)))
    assert results[1][0] == results[1][1]
    if name not in ("max", "min") or not args:            # (values, indices) tuples print apart
        assert results[1][0].replace("tinygrad_cnn.", "") == results[0][0].replace("torch.", "")


def test_max_with_dim_is_a_named_pair():
    values, indices = tg.max(tg.tensor([[1.0, 3.0], [4.0, 2.0]]), 1)
    assert values.tolist() == [3.0, 4.0] and indices.tolist() == [1, 0]
    result = tg.tensor([[1.0, 3.0]]).max(dim=1)
    assert result.values.tolist() == [3.0] and result.indices.tolist() == [1]


# ----- factories ----------------------------------------------------------------------------------
FACTORIES = [
    lambda m: m.linspace(0, 1, 5), lambda m: m.linspace(-10, 10, steps=5),
    lambda m: m.linspace(0, 1, 1), lambda m: m.linspace(0, 1, 0),
    lambda m: m.linspace(0, 10, 5, dtype=m.int64), lambda m: m.linspace(0, 1, 3, dtype=m.float64),
    lambda m: m.logspace(0, 2, 3), lambda m: m.logspace(0, 2, 3, base=2),
    lambda m: m.eye(2), lambda m: m.eye(2, 3), lambda m: m.eye(3, dtype=m.long),
    lambda m: m.full((2,), 3), lambda m: m.full((2,), 3.5), lambda m: m.full((2,), True),
    lambda m: m.full((2, 2), 7, dtype=m.float64),
    lambda m: m.full_like(m.ones(2, dtype=m.int32), 7),
    lambda m: m.full_like(m.ones(2), 7, dtype=m.float64),
    lambda m: m.zeros_like(m.ones(2, dtype=m.int32)), lambda m: m.ones_like(m.ones(2)),
    lambda m: m.zeros(2, 3), lambda m: m.zeros((2, 3)), lambda m: m.zeros([2, 3]),
    lambda m: m.zeros(()), lambda m: m.ones(2, 3, dtype=m.long), lambda m: m.empty(0),
    lambda m: m.arange(5), lambda m: m.arange(0, 1, 0.25), lambda m: m.arange(1, 4, dtype=m.float32),
    lambda m: m.arange(10, 0, -3), lambda m: m.arange(2.5),
    lambda m: m.tensor([[1, 2], [3, 4]], dtype=m.float64), lambda m: m.tensor([1, 2.0]),
    lambda m: m.tensor([True, 2]), lambda m: m.tensor(np.float32(2.5)), lambda m: m.tensor(np.int32(2)),
    lambda m: m.as_tensor([1, 2]), lambda m: m.as_tensor(np.array([1.0, 2.0])),
    lambda m: m.as_tensor(np.array([1.0, 2.0]), dtype=m.float32),
    lambda m: m.from_numpy(np.ones(2, np.int32)), lambda m: m.from_numpy(np.arange(3.0)),
]


@pytest.mark.parametrize("number", range(len(FACTORIES)))
def test_factory_matches_torch(number):
    torch = pytest.importorskip("torch", reason="compares with PyTorch")
    theirs, ours = FACTORIES[number](torch), FACTORIES[number](tg)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_random_factories_have_torch_shapes_and_dtypes():
    torch = pytest.importorskip("torch", reason="compares with PyTorch")
    makers = [lambda m: m.randint(0, 10, (3,)), lambda m: m.randint(10, (3,)),
              lambda m: m.randint(3, 10, (2, 2)), lambda m: m.randperm(5),
              lambda m: m.normal(0.0, 1.0, (2, 3)), lambda m: m.normal(m.zeros(3), 1.0),
              lambda m: m.normal(m.zeros(3), m.ones(3)),
              lambda m: m.normal(2.0, m.ones(3, dtype=m.float64)), lambda m: m.rand(2, 3),
              lambda m: m.randn((4,)), lambda m: m.rand_like(m.ones(2, dtype=m.float64)),
              lambda m: m.randint_like(m.ones(2), 5)]
    for make in makers:
        theirs, ours = make(torch), make(tg)
        assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        assert ours.shape == tuple(theirs.shape)
    assert sorted(tg.randperm(6).tolist()) == list(range(6))
    values = tg.randint(3, 7, (500,))
    assert values.min().item() == 3 and values.max().item() == 6


def test_from_numpy_and_as_tensor_share_memory():
    a = np.zeros(3)
    t = tg.from_numpy(a)
    a[0] = 5
    t[1] = 7
    assert t.tolist() == [5.0, 7.0, 0.0] and a.tolist() == [5.0, 7.0, 0.0]
    assert t.dtype is tg.float64
    assert np.shares_memory(tg.as_tensor(a).numpy(), a)
    assert not np.shares_memory(tg.as_tensor(a, dtype=tg.float32).numpy(), a)
    assert not np.shares_memory(tg.tensor(a).numpy(), a)           # tensor() always copies
    x = tg.ones(2)
    assert tg.as_tensor(x) is x
    with pytest.raises(TypeError, match="numpy.ndarray"):
        tg.from_numpy([1, 2])


def test_is_tensor():
    assert tg.is_tensor(tg.ones(1)) and not tg.is_tensor(np.ones(1)) and not tg.is_tensor(1.0)
    assert tg.is_tensor(tg.nn.Parameter(tg.ones(1)))
