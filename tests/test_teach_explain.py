"""explain_backward for every layer kind of the chapter, against the engine and PyTorch:
conv (stride 2, padding, dilation, groups, several channels, f′), max/avg pooling,
trainable subsampling S2, fully connected, softmax + cross-entropy; and the result
as a sequence of steps rendered as text, Markdown and HTML."""
import io

import numpy as np
import pytest

import tinygrad_cnn as tg
from tinygrad_cnn import nn
from tinygrad_cnn.teach import BackwardSteps, Step, explain_backward

TORCH_REASON = "PyTorch is the parity oracle: pip install torch==2.13.0"
W = np.array([[1.0, 2.0], [3.0, 4.0]])                      # w11 w12 / w21 w22
X = np.arange(9.0).reshape(3, 3)


# =========================================================== the result is a sequence
def test_steps_iterate_index_and_name():
    result = explain_backward("conv2d", X, W, file=False)
    assert isinstance(result, BackwardSteps) and len(result) == 5
    names = [step.name for step in result]                       # iterating no longer KeyErrors
    assert names == ["delta_padded", "rot180_kernel", "delta_prev", "grad_weight", "grad_bias"]
    assert isinstance(result[0], Step) and result[-1].name == "grad_bias"
    assert [s.name for s in result[1:3]] == ["rot180_kernel", "delta_prev"]
    assert result.checks == ["delta_prev", "grad_weight", "grad_bias"]
    assert [s.checked for s in result] == [None, None, True, True, True]
    np.testing.assert_array_equal(result["rot180_kernel"], [[4, 3], [2, 1]])
    assert "delta_prev" in result and "nothing" not in result
    with pytest.raises(KeyError, match="has the arrays"):
        result["nothing"]
    assert repr(result) == "<BackwardSteps conv2d: 5 steps, 3 checked>"


def test_file_false_prints_nothing_and_str_is_the_printed_text(capsys):
    out = io.StringIO()
    printed = explain_backward("conv2d", X, W, file=out)
    silent = explain_backward("conv2d", X, W, file=False)
    assert capsys.readouterr().out == ""
    assert out.getvalue() == str(printed) + "\n" == str(silent) + "\n"


def test_markdown_and_html_renderings():
    result = explain_backward("conv2d", X, W, file=False)
    markdown = result._repr_markdown_()
    assert r"$\mathrm{rot180}(W)$" in markdown
    assert r"$$\begin{bmatrix}4 & 3 \\ 2 & 1\end{bmatrix}$$" in markdown
    assert r"- $\partial L/\partial a_{12} = \delta_{11} w_{12} + \delta_{12} w_{11} = 3$" in markdown
    assert markdown.count("✓ matches autograd") == 3
    page = result._repr_html_()
    assert page.startswith("<div>") and page.count("<li>") >= 5
    assert "✓ matches autograd" in page and "<pre>[[4. 3.]\n [2. 1.]]</pre>" in page
    assert "∂L/∂a_12 = δ_11·w_12 + δ_12·w_11 = 1·2 + 1·1 = 3" in page


# =========================================================== conv: per-entry equations
def test_conv_equations_are_the_notes_in_1_based_subscripts():
    result = explain_backward("conv2d", X, W, file=False)
    step = result[2]
    lines = [text for text, _ in step.equations]
    assert lines[0] == "∂L/∂a_11 = δ_11·w_11 = 1·1 = 1"
    assert lines[1] == "∂L/∂a_12 = δ_11·w_12 + δ_12·w_11 = 1·2 + 1·1 = 3"
    assert len(lines) == 9
    weight_lines = [text for text, _ in result[3].equations]
    # ∂L/∂w11 = δ11 a11 + δ12 a12 + δ21 a21 + δ22 a22 with a11 = X[0, 0] = 0
    assert weight_lines[0] == ("∂L/∂w_11 = δ_11·a_11 + δ_12·a_12 + δ_21·a_21 + δ_22·a_22 "
                               "= 1·0 + 1·1 + 1·3 + 1·4 = 8")
    assert "a_(i+m−1,j+n−1)" in result[3].title                  # the rule, 1-based
    assert "1-based" in result.header


def test_conv_equations_0_based():
    result = explain_backward("conv2d", X, W, index_base=0, file=False)
    assert result[2].equations[1][0] == "∂L/∂a_01 = δ_00·w_01 + δ_01·w_00 = 1·2 + 1·1 = 3"
    assert "a_(i+m,j+n)" in result[3].title and "0-based" in result.header
    with pytest.raises(ValueError, match="index_base"):
        explain_backward("conv2d", X, W, index_base=2, file=False)


def test_conv_equations_label_filters_and_channels():
    rng = np.random.default_rng(0)
    weight = rng.integers(-2, 3, (2, 2, 2, 2)).astype(float)
    x = rng.integers(-2, 3, (2, 2, 2)).astype(float)
    result = explain_backward("conv2d", x, weight, delta=np.array([[[1.0]], [[2.0]]]),
                              file=False)
    text = str(result)
    assert "p=0, d=1:" in text and "d=1:" in text
    first = result["delta_prev"][0, 0, 0]
    assert result.step("delta_prev").equations[0][0] == (
        f"∂L/∂a^(0)_11 = δ^(0)_11·w^(0,0)_11 + δ^(1)_11·w^(1,0)_11 = "
        f"1·{weight[0, 0, 0, 0]:g} + 2·{weight[1, 0, 0, 0]:g} = {first:g}")


def test_large_layers_skip_equations_unless_asked():
    x = np.zeros((6, 6))
    assert explain_backward("conv2d", x, np.ones((3, 3)), file=False)["delta_prev"].shape == (6, 6)
    assert explain_backward("conv2d", x, np.ones((3, 3)), file=False)[2].equations == []
    assert len(explain_backward("conv2d", x, np.ones((3, 3)), equations=True,
                                file=False)[2].equations) == 36


# =========================================================== conv: the named steps
def test_dilated_conv_pads_with_the_dilated_size_minus_one():
    rng = np.random.default_rng(6)
    result = explain_backward("conv2d", rng.normal(size=(5, 5)), rng.normal(size=(2, 2)),
                              dilation=2, delta=rng.normal(size=(3, 3)), file=False)
    titles = {step.name: step.title for step in result}
    assert "K_eff = D·(K-1)+1 = (3, 3)" in titles["kernel_dilated"]
    assert titles["delta_padded"].startswith("pad δ with K_eff-1 = D·(K-1) = (2, 2) zeros")
    assert result["delta_padded"].shape == (7, 7)
    np.testing.assert_allclose(result["delta_prev"], result.autograd["delta_prev"])


def test_stride_2_names_the_zero_insertion():
    result = explain_backward("conv2d", np.arange(25.0).reshape(5, 5), np.ones((3, 3)),
                              stride=2, padding=1, delta=np.ones((3, 3)), file=False)
    assert result[0].name == "delta_dilated"
    assert result[0].title.startswith("stride S = (2, 2): insert S-1 zeros ((1, 1))")
    assert result.step("delta_prev").title.startswith("crop padding P = (1, 1) from each border")
    with pytest.raises(KeyError, match="the steps are"):
        result.step("nothing")


def test_conv_activation_step_is_f_prime_times_the_input_gradient():
    z_prev = np.array([[1.0, -2.0, 3.0], [-1.0, 0.5, 2.0], [0.0, 1.0, -3.0]])
    for activation, slope in [("relu", (z_prev > 0).astype(float)),
                              ("tanh", 1 - np.tanh(z_prev) ** 2),
                              ("sigmoid", 1 / (1 + np.exp(-z_prev)) * (1 - 1 / (1 + np.exp(-z_prev))))]:
        result = explain_backward("conv2d", z_prev, W, activation=activation, file=False)
        np.testing.assert_allclose(result["activation_slope"], slope)
        np.testing.assert_allclose(result["delta_prev"], slope * result["grad_input"])
        assert "delta_prev" in result.checks and "grad_input" in result.checks
    # the engine: z_prev → relu → conv2d, one graph
    z_t = tg.tensor(z_prev[None, None], requires_grad=True)
    out = tg.nn.functional.conv2d(z_t.relu(), tg.tensor(W[None, None]))
    out.backward(tg.ones(*out.shape))
    relu = explain_backward("conv2d", z_prev, W, activation="relu", file=False)
    np.testing.assert_allclose(relu["delta_prev"], z_t.grad.numpy()[0, 0])
    with pytest.raises(ValueError, match="activation must be one of"):
        explain_backward("conv2d", z_prev, W, activation="gelu", file=False)


@pytest.mark.parametrize("groups, c_in, c_out", [(2, 4, 6), (3, 3, 3), (1, 3, 2)])
@pytest.mark.parametrize("stride, padding, dilation", [(1, 0, 1), (2, 1, 1), (1, 2, 2), (2, 0, 2)])
def test_conv_groups_stride_padding_dilation_match_torch(groups, c_in, c_out, stride, padding,
                                                         dilation):
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    rng = np.random.default_rng(groups * 10 + stride + padding + dilation)
    x = rng.normal(size=(c_in, 7, 6))
    weight = rng.normal(size=(c_out, c_in // groups, 3, 2))
    bias = rng.normal(size=c_out)
    x_t = torch.tensor(x[None], requires_grad=True)
    w_t = torch.tensor(weight, requires_grad=True)
    b_t = torch.tensor(bias, requires_grad=True)
    z = torch.nn.functional.conv2d(x_t, w_t, b_t, stride=stride, padding=padding,
                                   dilation=dilation, groups=groups)
    delta = rng.normal(size=z.shape[1:])
    z.backward(torch.tensor(delta[None]))
    result = explain_backward("conv2d", x, weight, bias, stride=stride, padding=padding,
                              dilation=dilation, groups=groups, delta=delta, equations=True,
                              file=False)
    np.testing.assert_allclose(result["z"], z.detach().numpy()[0], atol=1e-12)
    np.testing.assert_allclose(result["delta_prev"], x_t.grad.numpy()[0], atol=1e-12)
    np.testing.assert_allclose(result["grad_weight"], w_t.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(result["grad_bias"], b_t.grad.numpy(), atol=1e-12)
    padded = ["delta_prev_padded"] if padding else []
    assert result.checks == padded + ["delta_prev", "grad_weight", "grad_bias"]


def test_conv_module_with_groups():
    tg.manual_seed(0)
    layer = nn.Conv2d(4, 2, 3, groups=2, padding=1)
    x = np.arange(64.0).reshape(4, 4, 4) / 10
    result = explain_backward(layer, x, file=False)
    x_t = tg.tensor(x[None], dtype=tg.float32, requires_grad=True)
    layer(x_t).sum().backward()
    np.testing.assert_allclose(result["delta_prev"], x_t.grad.numpy()[0], rtol=1e-4, atol=1e-5)
    assert "groups 2" in result.header
    with pytest.raises(tg.ShapeError, match="groups = 2"):
        explain_backward("conv2d", x, np.ones((2, 3, 3, 3)), groups=2, file=False)


# =========================================================== pooling and S2
X_POOL = np.array([[9.0, 1.0, 2.0, 3.0], [1.0, 1.0, 3.0, 9.0],
                   [1.0, 9.0, 1.0, 1.0], [1.0, 1.0, 9.0, 1.0]])
DELTA_POOL = np.array([[2.0, 8.0], [4.0, 6.0]])


def test_max_pool_equations_and_ties():
    result = explain_backward("max_pool2d", X_POOL, kernel_size=2, delta=DELTA_POOL, file=False)
    lines = [text for text, _ in result[-1].equations]
    assert lines == ["∂L/∂a_11 = δ_11 = 2", "∂L/∂a_24 = δ_12 = 8", "∂L/∂a_32 = δ_21 = 4",
                     "∂L/∂a_43 = δ_22 = 6"]
    ties = np.array([[5.0, 5.0], [5.0, 1.0]])
    tied = explain_backward("max_pool2d", ties, kernel_size=2, delta=[[3.0]], file=False)
    np.testing.assert_array_equal(tied["delta_prev"], [[3, 0], [0, 0]])    # the first maximum
    np.testing.assert_array_equal(tied["delta_prev"], tied.autograd["delta_prev"])


def test_avg_pool_with_activation_and_equations():
    result = explain_backward("avg_pool2d", X_POOL - 2, kernel_size=2, delta=DELTA_POOL,
                              activation="relu", file=False)
    np.testing.assert_array_equal(result["grad_input"], np.kron(DELTA_POOL, np.ones((2, 2))) / 4)
    np.testing.assert_array_equal(result["delta_prev"],
                                  result["grad_input"] * (X_POOL - 2 > 0))
    assert result[1].equations[0][0] == "∂L/∂a_11 = δ_11/4 = 0.5"
    assert result.checks == ["grad_input", "activation_slope", "delta_prev"]


@pytest.mark.parametrize("kind", ["max_pool2d", "avg_pool2d"])
def test_pool_multichannel_stride_padding_match_torch(kind):
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    rng = np.random.default_rng(9)
    x = rng.permutation(3 * 6 * 5).reshape(3, 6, 5).astype(float)
    x_t = torch.tensor(x[None], requires_grad=True)
    z = getattr(torch.nn.functional, kind)(x_t, 3, stride=2, padding=1)
    delta = rng.normal(size=z.shape[1:])
    z.backward(torch.tensor(delta[None]))
    result = explain_backward(kind, x, kernel_size=3, stride=2, padding=1, delta=delta,
                              equations=True, file=False)
    np.testing.assert_allclose(result["delta_prev"], x_t.grad.numpy()[0], atol=1e-12)
    assert "c=2:" in str(result)


def test_subsample_reproduces_the_lenet_example():
    a = np.arange(16.0).reshape(4, 4)
    result = explain_backward("subsample", a, beta=[2.0], bias=[0.5],
                              delta=[[1.0, 3.0], [2.0, 4.0]], file=False)
    np.testing.assert_array_equal(result["z"], [[20.5, 36.5], [84.5, 100.5]])
    np.testing.assert_array_equal(result["down_a"], [[10, 18], [42, 50]])
    np.testing.assert_array_equal(result["delta_prev"], [[2, 2, 6, 6], [2, 2, 6, 6],
                                                         [4, 4, 8, 8], [4, 4, 8, 8]])
    assert result["grad_beta"].tolist() == [348.0]           # Σ δ ⊙ down(a) = 10+54+84+200
    assert result["grad_bias"].tolist() == [10.0]
    assert result.checks == ["down_a", "up_delta", "delta_prev", "grad_beta", "grad_bias"]
    assert result.step("down_a").mark == "✓ matches the engine's forward, 4·avg_pool2d(a)"
    assert result[-2].equations[0][0] == "∂L/∂β_1 = 1·10 + 3·18 + 2·42 + 4·50 = 348"
    with pytest.raises(TypeError, match="β and bias b are required"):
        explain_backward("subsample", a, file=False)


def test_subsample_module_and_activation():
    class Subsampling(nn.Module):                     # the S2 of examples/lenet5.py, in short
        def __init__(self, channels):
            super().__init__()
            self.beta = nn.Parameter(tg.tensor([0.5, -1.0]))
            self.bias = nn.Parameter(tg.zeros(channels))

    rng = np.random.default_rng(2)
    z_prev = rng.normal(size=(2, 4, 6))
    result = explain_backward(Subsampling(2), z_prev, activation="tanh",
                              delta=rng.normal(size=(2, 2, 3)), file=False)
    assert result.kind == "subsample"
    np.testing.assert_allclose(result["delta_prev"], result.autograd["delta_prev"])
    np.testing.assert_allclose(result["delta_prev"],
                               (1 - np.tanh(z_prev) ** 2) * result["grad_input"])


# =========================================================== fully connected, softmax + CE
def test_linear_matches_torch_and_writes_the_rule():
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    rng = np.random.default_rng(4)
    z_prev, weight, bias, delta = (rng.normal(size=3), rng.normal(size=(2, 3)),
                                   rng.normal(size=2), rng.normal(size=2))
    result = explain_backward("linear", z_prev, weight, bias, delta=delta, activation="relu",
                              file=False)
    z_t = torch.tensor(z_prev[None], requires_grad=True)
    w_t = torch.tensor(weight, requires_grad=True)
    b_t = torch.tensor(bias, requires_grad=True)
    torch.nn.functional.linear(torch.relu(z_t), w_t, b_t).backward(torch.tensor(delta[None]))
    np.testing.assert_allclose(result["delta_prev"], z_t.grad.numpy()[0], atol=1e-12)
    np.testing.assert_allclose(result["grad_weight"], w_t.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(result["grad_bias"], b_t.grad.numpy(), atol=1e-12)
    assert result.checks == ["grad_input", "activation_slope", "delta_prev", "grad_weight",
                             "grad_bias"]
    assert result[0].equations[0][0].startswith("∂L/∂a_1 = w_11·δ_1 + w_21·δ_2 = ")
    assert result["grad_weight"].shape == (2, 3)                     # δ aᵀ: (out, in)


def test_linear_module():
    tg.manual_seed(1)
    layer = nn.Linear(4, 3)
    result = explain_backward(layer, np.arange(4.0), file=False)
    np.testing.assert_allclose(result["grad_weight"], np.tile(np.arange(4.0), (3, 1)))
    with pytest.raises(tg.ShapeError, match="in = 4"):
        explain_backward("linear", np.ones(3), np.ones((2, 4)), file=False)


def test_cross_entropy_delta_is_softmax_minus_onehot():
    result = explain_backward("cross_entropy", np.array([1.0, 2.0, 3.0]), target=0, file=False)
    softmax = np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum()
    np.testing.assert_allclose(result["softmax"], softmax)
    np.testing.assert_allclose(result["delta"], softmax - [1, 0, 0])
    assert result.checks == ["softmax", "delta"]
    assert result[-1].equations[0][0] == f"δ_1 = {softmax[0]:.4g} − 1 = {softmax[0] - 1:.4g}"
    batch = explain_backward("softmax_cross_entropy", np.array([[1e4, -1e4, 0.0], [0.0, 1.0, 2.0]]),
                             target=[1, 2], file=False)
    assert np.all(np.isfinite(batch["delta"])) and "divided by N = 2" in batch[-1].title
    with pytest.raises(TypeError, match="target class is required"):
        explain_backward("cross_entropy", np.ones(3), file=False)
    with pytest.raises(tg.ShapeError, match="class indices"):
        explain_backward("cross_entropy", np.ones(3), target=3, file=False)


def test_the_examples_lenet5_s2_module_is_explained():
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).resolve().parent.parent / "examples" / "lenet5.py"
    spec = importlib.util.spec_from_file_location("example_lenet5_for_explain", path)
    lenet5 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lenet5)
    s2 = lenet5.TrainableSubsampling(2)
    s2.beta.numpy()[:] = [2.0, -1.0]
    rng = np.random.default_rng(5)
    a, delta = rng.normal(size=(2, 4, 4)), rng.normal(size=(2, 2, 2))
    result = explain_backward(s2, a, delta=delta, file=False)
    # the example's own op, Subsample, is a second engine to agree with
    a_t = tg.tensor(a[None], dtype=tg.float64, requires_grad=True)
    beta_t = tg.tensor([2.0, -1.0], dtype=tg.float64, requires_grad=True)
    bias_t = tg.zeros(2, dtype=tg.float64, requires_grad=True)
    lenet5.Subsample.apply(a_t, beta_t, bias_t).backward(tg.tensor(delta[None]))
    np.testing.assert_allclose(result["delta_prev"], a_t.grad.numpy()[0])
    np.testing.assert_allclose(result["grad_beta"], beta_t.grad.numpy())
    np.testing.assert_allclose(result["grad_bias"], bias_t.grad.numpy())
