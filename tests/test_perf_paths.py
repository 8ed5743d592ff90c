"""The fast paths against the readable ones, and results that do not depend on
the thread count.

* conv2d computes with one GEMM per image for thin layers
  (`nn.conv_per_image`), by kernel rows for stride-1 layers (`nn.conv_rows`)
  and one im2col GEMM for the batch otherwise (`nn.conv_ops`); each is
  checked against the loop-by-loop `nn.reference`, whichever the size rule
  would pick, and against the others;
* the input gradient's routes (the correlation, the scatter by tap adds, by
  long rows, by the 0/1 matrix of small maps) and the window gathers of small
  maps against the textbook rule and the plain strided copies;
* max pooling's recorded positions against the reference scan (ties, padding,
  -inf windows, NaN);
* `set_num_threads`: every output and gradient of a LeNet-like step (with a
  layer on each conv route), and of each op, bit for bit the same with 1, 2
  and 3 threads.
"""
import os
import subprocess
import sys

import numpy as np
import pytest

import tinygrad_cnn as tg
from tinygrad_cnn import _threads
from tinygrad_cnn.nn import conv_per_image
from tinygrad_cnn.nn import functional as F
from tinygrad_cnn.nn import reference as R

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

GEOMETRIES = [   # input shape, weight shape, options
    ((3, 2, 7, 6), (4, 2, 3, 3), dict(stride=1, padding=1, dilation=1, groups=1)),
    ((2, 3, 9, 8), (6, 1, 3, 2), dict(stride=1, padding=(2, 1), dilation=2, groups=3)),
    ((2, 2, 8, 9), (3, 2, 3, 3), dict(stride=2, padding=1, dilation=1, groups=1)),
    ((2, 4, 6, 6), (4, 2, 2, 3), dict(stride=(1, 2), padding=0, dilation=(1, 2), groups=2)),
    ((4, 1, 10, 10), (6, 1, 5, 5), dict(stride=1, padding=2, dilation=1, groups=1)),   # LeNet c1
    ((3, 6, 7, 7), (16, 6, 5, 5), dict(stride=1, padding=0, dilation=1, groups=1)),    # LeNet c2
]


@pytest.fixture(params=["per_image", "batch_wide"])
def conv_path(request, monkeypatch):
    """Force one GEMM layout whatever the layer's size."""
    monkeypatch.setattr(conv_per_image, "MAX_WEIGHT_ENTRIES",
                        10**9 if request.param == "per_image" else -1)
    return request.param


def conv_step(a, w, b, delta, options):
    x, weight, bias = (tg.tensor(t, requires_grad=True) for t in (a, w, b))
    z = F.conv2d(x, weight, bias, **options)
    z.backward(tg.tensor(delta))
    return z.numpy(), x.grad.numpy(), weight.grad.numpy(), bias.grad.numpy()


def random_case(input_shape, weight_shape, options, dtype, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(input_shape).astype(dtype)
    w = rng.standard_normal(weight_shape).astype(dtype)
    b = rng.standard_normal(weight_shape[0]).astype(dtype)
    with tg.no_grad():
        z_shape = F.conv2d(tg.tensor(a), tg.tensor(w), **options).shape
    return a, w, b, rng.standard_normal(z_shape).astype(dtype)


def assert_step_equals_the_reference(a, w, b, delta, options):
    """The fast path's z and three gradients against `nn.reference`'s loops (float64)."""
    z, grad_a, grad_w, grad_b = conv_step(a, w, b, delta, options)
    close = dict(rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(z, R.conv2d(a, w, b, **options), **close)
    np.testing.assert_allclose(grad_a, R.conv2d_input_grad(delta, w, a.shape, **options), **close)
    np.testing.assert_allclose(grad_w, R.conv2d_weight_grad(a, delta, w.shape, **options), **close)
    np.testing.assert_allclose(grad_b, R.conv2d_bias_grad(delta), rtol=1e-10)


@pytest.mark.parametrize("input_shape, weight_shape, options", GEOMETRIES)
def test_both_gemm_layouts_equal_the_textbook_procedure(conv_path, input_shape, weight_shape,
                                                        options):
    a, w, b, delta = random_case(input_shape, weight_shape, options, np.float64)
    assert_step_equals_the_reference(a, w, b, delta, options)


@pytest.mark.parametrize("input_shape, weight_shape, options", GEOMETRIES)
def test_the_two_gemm_layouts_agree_in_float32(monkeypatch, input_shape, weight_shape, options):
    a, w, b, delta = random_case(input_shape, weight_shape, options, np.float32, seed=1)
    results = {}
    for name, limit in (("per_image", 10**9), ("batch_wide", -1)):
        monkeypatch.setattr(conv_per_image, "MAX_WEIGHT_ENTRIES", limit)
        results[name] = conv_step(a, w, b, delta, options)
    for fast, wide in zip(results["per_image"], results["batch_wide"]):
        assert fast.dtype == np.float32                     # no float64 upcast on the way
        np.testing.assert_allclose(fast, wide, rtol=2e-5, atol=2e-5)


def test_the_size_rule_picks_per_image_gemms_for_lenet_and_one_gemm_for_wide_layers():
    assert conv_per_image.use_per_image((6, 1, 5, 5), 1)        # LeNet conv1: 6 × 25
    assert conv_per_image.use_per_image((16, 6, 5, 5), 1)       # LeNet conv2: 16 × 150
    assert not conv_per_image.use_per_image((64, 64, 3, 3), 1)  # 64 × 576


@pytest.mark.parametrize("dilation", [(1, 1), (2, 1)])
def test_row_wide_col2im_equals_the_strided_one(dilation):
    from tinygrad_cnn.nn import im2col
    rng = np.random.default_rng(2)
    c, kh, kw, n, h_out, w_out = 3, 3, 2, 2, 4, 5
    padded = (h_out + dilation[0] * (kh - 1), w_out + dilation[1] * (kw - 1))
    cols = rng.standard_normal((c, kh, kw, n, h_out, w_out))
    plain = np.zeros((n, c) + padded)
    im2col.col2im_add(cols, plain, (1, 1), dilation)
    wide_cols = np.zeros((c, kh, kw, n, h_out, padded[1]))
    wide_cols[..., :w_out] = cols                          # zero columns out to W_pad
    wide = np.zeros((n, c) + padded)
    im2col.col2im_add_wide(wide_cols, wide, dilation, w_out)
    np.testing.assert_array_equal(wide, plain)
    np.testing.assert_allclose(wide.sum(), cols.sum())     # every entry landed somewhere


@pytest.mark.parametrize("stride, padding, dilation", [
    ((1, 1), (1, 1, 1, 1), (1, 1)), ((2, 1), (0, 1, 2, 0), (1, 1)), ((1, 2), (2, 2, 1, 1), (2, 1))])
def test_col2im_as_a_matrix_product_equals_the_tap_adds_and_the_crop(stride, padding, dilation):
    from tinygrad_cnn.nn import im2col
    rng = np.random.default_rng(3)
    c, kh, kw, n, h, w = 2, 3, 2, 3, 5, 6
    top, bottom, left, right = padding
    padded = (h + top + bottom, w + left + right)
    out = tuple((size - d * (k - 1) - 1) // s + 1
                for size, d, k, s in zip(padded, dilation, (kh, kw), stride))
    cols = rng.standard_normal((c, kh, kw, n) + out)
    by_adds = np.zeros((n, c) + padded)
    im2col.col2im_add(cols, by_adds, stride, dilation)
    by_matrix = im2col.col2im_matrix(cols, (h, w), padding, stride, dilation)
    np.testing.assert_allclose(by_matrix, by_adds[:, :, top:top + h, left:left + w],
                               rtol=1e-12, atol=1e-12)
    # S is 0/1, one 1 per window entry that reads a real (not padding) position,
    # and its column sums count how many window entries read each position
    matrix = im2col.scatter_matrix((kh, kw), out, (h, w), padding, stride, dilation, "<f8")
    assert set(np.unique(matrix)) <= {0.0, 1.0} and matrix.sum(axis=1).max() == 1
    reads = np.zeros((1, 1) + padded)
    im2col.col2im_add(np.ones((1, kh, kw, 1) + out), reads, stride, dilation)
    np.testing.assert_array_equal(matrix.sum(axis=0).reshape(h, w),
                                  reads[0, 0, top:top + h, left:left + w])
    assert not matrix.flags.writeable                      # cached: nobody may change it


@pytest.mark.parametrize("stride, padding, dilation", [
    ((1, 1), (1, 1, 1, 1), (1, 1)), ((2, 1), (0, 1, 2, 0), (1, 1)), ((1, 2), (2, 2, 1, 1), (2, 1))])
def test_gathering_small_maps_by_a_position_table_equals_the_strided_im2col(
        monkeypatch, stride, padding, dilation):
    from tinygrad_cnn.nn import im2col
    a = np.random.default_rng(6).standard_normal((3, 2, 5, 6)).astype(np.float32)
    top, bottom, left, right = padding
    padded = (5 + top + bottom, 6 + left + right)
    out = tuple((size - d * (k - 1) - 1) // s + 1
                for size, d, k, s in zip(padded, dilation, (3, 2), stride))
    strided = im2col.im2col(im2col.pad2d(a, padding), (3, 2), out, stride, dilation)
    monkeypatch.setattr(im2col, "SMALL_MAP_PIXELS", 10**9)
    gathered = im2col.columns_of(a, padding, (3, 2), out, stride, dilation)
    assert gathered.dtype == np.float32
    np.testing.assert_array_equal(gathered, strided)        # the same entries, copied


ROW_GEOMETRIES = [   # stride 1 in height, one group: what `conv_rows` computes
    ((3, 2, 7, 6), (4, 2, 3, 3), dict(stride=1, padding=1, dilation=1, groups=1)),
    ((2, 3, 9, 8), (5, 3, 3, 2), dict(stride=(1, 2), padding=(2, 1), dilation=(2, 1), groups=1)),
    ((2, 2, 6, 9), (3, 2, 2, 3), dict(stride=1, padding=0, dilation=(1, 2), groups=1)),
    ((3, 6, 7, 7), (16, 6, 5, 5), dict(stride=1, padding=0, dilation=1, groups=1)),
]


@pytest.mark.parametrize("chunked", [False, True])
@pytest.mark.parametrize("input_shape, weight_shape, options", ROW_GEOMETRIES)
def test_convolution_by_kernel_rows_equals_the_textbook_procedure(
        monkeypatch, chunked, input_shape, weight_shape, options):
    from tinygrad_cnn.nn import conv_rows, im2col
    monkeypatch.setattr(conv_per_image, "MAX_WEIGHT_ENTRIES", -1)      # the batch-wide GEMM
    monkeypatch.setattr(im2col, "SMALL_MAP_PIXELS", 0)                  # these maps count as big
    if chunked:               # one image per chunk: the weight gradient recomputes X
        monkeypatch.setattr(im2col, "WORKSPACE_BYTES", 1)
    stride = options["stride"] if isinstance(options["stride"], tuple) else (options["stride"],) * 2
    assert conv_rows.use_rows(weight_shape, stride, 1, input_shape[2:])
    a, w, b, delta = random_case(input_shape, weight_shape, options, np.float64, seed=8)
    assert_step_equals_the_reference(a, w, b, delta, options)


def test_kernel_rows_and_im2col_agree_in_float32_and_the_copy_is_k_h_times_smaller(monkeypatch):
    from tinygrad_cnn.nn import conv_rows, im2col
    monkeypatch.setattr(conv_per_image, "MAX_WEIGHT_ENTRIES", -1)
    input_shape, weight_shape, options = (4, 8, 16, 16), (8, 8, 3, 3), dict(padding=1)
    a, w, b, delta = random_case(input_shape, weight_shape, options, np.float32, seed=9)
    by_rows = conv_step(a, w, b, delta, options)
    monkeypatch.setattr(conv_rows, "use_rows", lambda *args: False)
    by_im2col = conv_step(a, w, b, delta, options)
    for rows, cols in zip(by_rows, by_im2col):
        assert rows.dtype == np.float32
        np.testing.assert_allclose(rows, cols, rtol=2e-5, atol=2e-5)
    x = conv_rows.row_columns(a, (1, 1, 1, 1), 3, 16, 1, 1)
    full = im2col.im2col(im2col.pad2d(a, (1, 1, 1, 1)), (3, 3), (16, 16), (1, 1), (1, 1))
    assert x.shape == (8, 3, 18, 4, 16) and full.size == 3 * 16 / 18 * x.size


@pytest.mark.parametrize("route", ["correlation", "scatter_matrix", "scatter_adds"])
@pytest.mark.parametrize("input_shape, weight_shape, options", GEOMETRIES)
def test_every_input_gradient_route_equals_the_textbook_rule(monkeypatch, route, input_shape,
                                                             weight_shape, options):
    from tinygrad_cnn.nn import conv_ops, im2col
    monkeypatch.setattr(conv_per_image, "MAX_WEIGHT_ENTRIES", -1)      # the batch-wide GEMM
    monkeypatch.setattr(im2col, "SMALL_MAP_PIXELS", 10**9 if route == "scatter_matrix" else 0)
    monkeypatch.setattr(conv_ops, "SCATTER_COST", 10**9 if route == "correlation" else 0)
    a, w, b, delta = random_case(input_shape, weight_shape, options, np.float64, seed=4)
    _, grad_a, _, _ = conv_step(a, w, b, delta, options)
    np.testing.assert_allclose(grad_a, R.conv2d_input_grad(delta, w, a.shape, **options),
                               rtol=1e-10, atol=1e-12)


def test_the_route_rule_scatters_on_small_maps_and_gathers_on_big_ones():
    from tinygrad_cnn.nn import conv_ops
    same = dict(stride=(1, 1), padding=(1, 1, 1, 1), dilation=(1, 1))
    def gathers(n, c_in, c_out, size):
        return conv_ops._correlation_applies((n, c_out, size, size), (c_out, c_in, 3, 3),
                                             (n, c_in, size, size), **same)
    assert gathers(32, 64, 64, 32)              # the conv benchmark's layer
    assert not gathers(8, 512, 512, 2)          # ResNet-18's layer4: the kernel outweighs δ
    assert not gathers(8, 3, 64, 32)            # few input channels: the scatter is smaller


@pytest.mark.parametrize("dilation, groups", [((1, 1), 1), ((2, 1), 1), ((1, 2), 2)])
def test_row_shift_input_gradient_equals_the_plain_col2im(dilation, groups):
    rng = np.random.default_rng(5)
    n, c_in, c_out, kh, kw, h_out, w_out = 2, 4, 6, 3, 2, 4, 5
    delta = rng.standard_normal((n, c_out, h_out, w_out))
    weight = rng.standard_normal((c_out, c_in // groups, kh, kw))
    padded = (n, c_in, h_out + dilation[0] * (kh - 1), w_out + dilation[1] * (kw - 1))
    shifts, plain = np.zeros(padded), np.zeros(padded)
    conv_per_image.input_grad_row_shifts(delta, weight, shifts, dilation, groups)
    rows = weight.reshape(groups, c_out // groups, -1).swapaxes(-1, -2)
    cols = np.matmul(rows, delta.reshape(n, groups, c_out // groups, -1))
    conv_per_image.col2im_add_per_image(cols.reshape(n, c_in, kh, kw, h_out, w_out), plain,
                                        (1, 1), dilation)
    np.testing.assert_allclose(shifts, plain, rtol=1e-12, atol=1e-12)


def test_an_infinite_weight_gives_what_pytorch_gives(conv_path):
    # the row-wide layout's zero columns would turn inf·0 into NaN: it must step aside
    torch = pytest.importorskip("torch", reason="the inf/NaN pattern is PyTorch's")
    a, w, b, delta = random_case((2, 2, 6, 6), (3, 2, 3, 3), dict(padding=1), np.float64)
    w[0, 0, 1, 1] = np.inf
    with np.errstate(invalid="ignore"):
        grad_a = conv_step(a, w, b, delta, dict(padding=1))[1]
    expected = torch.nn.grad.conv2d_input(a.shape, torch.tensor(w), torch.tensor(delta),
                                          padding=1).numpy()
    np.testing.assert_array_equal(np.isnan(grad_a), np.isnan(expected))
    np.testing.assert_array_equal(np.isinf(grad_a), np.isinf(expected))
    finite = np.isfinite(expected)
    np.testing.assert_allclose(grad_a[finite], expected[finite], rtol=1e-10)


@pytest.mark.parametrize("kernel, stride, padding, dilation", [
    (2, 2, 0, 1), (3, 2, 1, 1), (3, 1, 1, 2), ((2, 3), (1, 2), (1, 1), 1)])
def test_max_pool_records_the_reference_positions_with_ties_and_nan(kernel, stride, padding,
                                                                    dilation):
    rng = np.random.default_rng(4)
    a = rng.integers(-2, 3, (2, 3, 7, 8)).astype(np.float64)  # many ties, as after a ReLU
    a[0, 0, :3, :3] = -np.inf                                 # windows of -inf only
    a[1, 2, 4, 5] = np.nan
    x = tg.tensor(a, requires_grad=True)
    z = F.max_pool2d(x, kernel, stride, padding, dilation)
    delta = rng.standard_normal(z.shape)
    z.backward(tg.tensor(delta))
    expected, where = R.max_pool2d(a, kernel, stride, padding, dilation)
    np.testing.assert_array_equal(z.numpy(), expected)
    # the same positions get δ (overlapping windows add in another order: allclose)
    np.testing.assert_allclose(x.grad.numpy(), R.max_pool2d_backward(delta, where, a.shape),
                               rtol=1e-12, atol=1e-15)
    picked = np.zeros(a.shape, dtype=bool)
    picked[tuple(np.indices(where.shape[:4]).reshape(4, -1)[:2]) + tuple(
        where.reshape(-1, 2).T)] = True
    np.testing.assert_array_equal(x.grad.numpy() != 0, picked & (x.grad.numpy() != 0))


# ----------------------------------------------------------------------------- thread counts
@pytest.fixture
def restore_threads():
    before = tg.get_num_threads()
    yield
    tg.set_num_threads(before)


def lenet_like_step(seed=0):
    """Every array a small LeNet step produces: loss, logits, parameter gradients."""
    from tinygrad_cnn import nn
    tg.manual_seed(seed)
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True), nn.Flatten(),
        nn.Linear(144, 10))
    wide = nn.Conv2d(16, 32, 3, padding=1, stride=2)         # batch-wide GEMM, a 6×6 map
    by_rows = nn.Conv2d(6, 64, 5, padding=2)                 # batch-wide, by kernel rows
    rng = np.random.default_rng(seed)
    x = tg.tensor(rng.standard_normal((16, 1, 20, 20)).astype(np.float32), requires_grad=True)
    y = tg.tensor(rng.integers(0, 10, 16))
    pooled = model[:3](x)                                    # (16, 6, 10, 10)
    features = model[3:5](pooled)                            # (16, 16, 6, 6)
    logits = (model[5:](features) + wide(features).mean(dim=(1, 2, 3)).unsqueeze(1)
              + by_rows(pooled).mean(dim=(1, 2, 3)).unsqueeze(1))
    loss = F.cross_entropy(logits, y)
    loss.backward()
    params = list(model.parameters()) + list(wide.parameters()) + list(by_rows.parameters())
    return [loss.numpy(), logits.numpy(), x.grad.numpy()] + [p.grad.numpy() for p in params]


def test_a_step_is_bitwise_the_same_with_any_thread_count(restore_threads, monkeypatch):
    monkeypatch.setattr(_threads, "MIN_BYTES_PER_THREAD", 1)  # split even these small arrays
    results = {}
    for threads in (1, 2, 3):
        tg.set_num_threads(threads)
        results[threads] = lenet_like_step()
    for threads in (2, 3):
        for one, many in zip(results[1], results[threads]):
            assert one.dtype == many.dtype == np.float32
            np.testing.assert_array_equal(one, many)


def test_the_batch_is_really_split_when_threads_are_allowed(restore_threads, monkeypatch):
    monkeypatch.setattr(_threads, "MIN_BYTES_PER_THREAD", 1)
    monkeypatch.setattr(_threads, "CHUNKS_PER_THREAD", 1)
    tg.set_num_threads(3)
    seen = []
    _threads.run_in_batch_chunks(10, lambda start, stop: seen.append((start, stop)), nbytes=10**6)
    assert sorted(seen) == [(0, 3), (3, 6), (6, 10)]
    monkeypatch.setattr(_threads, "CHUNKS_PER_THREAD", 2)
    seen.clear()
    _threads.run_in_batch_chunks(12, lambda start, stop: seen.append((start, stop)), nbytes=10**6)
    assert sorted(seen) == [(0, 2), (2, 4), (4, 6), (6, 8), (8, 10), (10, 12)]
    tg.set_num_threads(1)
    seen.clear()
    _threads.run_in_batch_chunks(10, lambda start, stop: seen.append((start, stop)), nbytes=10**6)
    assert seen == [(0, 10)]


def test_a_failing_chunk_raises_in_the_caller(restore_threads, monkeypatch):
    monkeypatch.setattr(_threads, "MIN_BYTES_PER_THREAD", 1)
    tg.set_num_threads(2)

    def work(start, stop):
        if start > 0:
            raise RuntimeError("chunk failed")
    with pytest.raises(RuntimeError, match="chunk failed"):
        _threads.run_in_batch_chunks(4, work, nbytes=10**6)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_set_num_threads_rejects_what_is_not_a_positive_int(bad):
    with pytest.raises(ValueError, match="set_num_threads"):
        tg.set_num_threads(bad)


@pytest.mark.parametrize("env, expected", [("3", 3), ("1", 1)])
def test_omp_num_threads_sets_the_default(env, expected):
    code = "import tinygrad_cnn as tg; print(tg.get_num_threads())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env=dict(os.environ, OMP_NUM_THREADS=env, PYTHONPATH=ROOT))
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == expected


def test_the_default_without_omp_num_threads_is_the_cores_available():
    code = ("import tinygrad_cnn as tg, os; "
            "print(tg.get_num_threads(), len(os.sched_getaffinity(0)))")
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env=dict(env, PYTHONPATH=ROOT))
    assert done.returncode == 0, done.stderr
    ours, cores = map(int, done.stdout.split())
    assert ours == cores


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_gets_its_own_pool(restore_threads, monkeypatch):
    monkeypatch.setattr(_threads, "MIN_BYTES_PER_THREAD", 1)
    tg.set_num_threads(2)
    _threads.run_in_batch_chunks(4, lambda start, stop: None, nbytes=10**6)   # pool started
    code = (
        "import os, sys, numpy as np, tinygrad_cnn as tg\n"
        "from tinygrad_cnn import _threads\n"
        "_threads.MIN_BYTES_PER_THREAD = 1; tg.set_num_threads(2)\n"
        "out = np.zeros(8)\n"
        "def work(start, stop): out[start:stop] = 1\n"
        "_threads.run_in_batch_chunks(8, work, 10**6)\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    out[:] = 0; _threads.run_in_batch_chunks(8, work, 10**6)\n"
        "    os._exit(0 if out.sum() == 8 else 1)\n"
        "_, status = os.waitpid(pid, 0)\n"
        "sys.exit(os.waitstatus_to_exitcode(status))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT), timeout=60)
    assert done.returncode == 0, done.stderr
