"""Normalisation: `batch_norm`, `layer_norm`, `group_norm` and
`local_response_norm` (their backward rules are in `nn.norm_ops`), and
`normalize`, which is composed of tensor ops."""
from ..._errors import ShapeError, describe
from ..norm_ops import BatchNorm, GroupNorm, LayerNorm, LocalResponseNorm


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalisation over N (and L, or H and W) per channel, as PyTorch: with
    ``training`` it normalises by the batch statistics and updates
    ``running_mean`` / ``running_var`` in place (unbiased variance); otherwise
    it uses them.

    Shape:
        input: (N, C), (N, C, L) or (N, C, H, W) (any (N, C, *));
        running stats, weight, bias: (C,).

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> mean, var = tg.zeros(1), tg.ones(1)
    >>> F.batch_norm(tg.tensor([[1.0], [3.0]]), mean, var, training=True)
    tensor([[-1.0000],
            [ 1.0000]])
    >>> mean
    tensor([0.2000])
    """
    if input.ndim < 2:
        raise ShapeError(f"batch_norm: expected input (N, C) or (N, C, H, W) (any (N, C, *), "
                         f"such as (N, C, L)), got {describe(input)}")
    channels = input.shape[1]
    for name, value in (("running_mean", running_mean), ("running_var", running_var),
                        ("weight", weight), ("bias", bias)):
        if value is not None and tuple(value.shape) != (channels,):
            raise ShapeError(f"batch_norm: {name} must have shape ({channels},) for input "
                             f"{describe(input)}, got {describe(value)}")
    if (running_mean is None) != (running_var is None):
        raise ValueError("batch_norm: give both running_mean and running_var, or neither")
    if not training and running_mean is None:
        raise ValueError("batch_norm: running_mean and running_var are needed when not training")
    if training and input.numel() // channels <= 1:
        raise ValueError(f"batch_norm: expected more than 1 value per channel when training, "
                         f"got input {describe(input)}")
    return BatchNorm.apply(input, weight, bias,
                           running_mean=None if running_mean is None else running_mean._data,
                           running_var=None if running_var is None else running_var._data,
                           training=bool(training), momentum=momentum, eps=eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise each sample over its last ``len(normalized_shape)`` dims, then
    scale and shift entry by entry: ``z = γ ⊙ (a − μ)/√(σ² + ε) + β``.

    Shape:
        input: (*, *normalized_shape);  weight, bias: normalized_shape;  output: like input.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.layer_norm(tg.tensor([[1.0, 3.0], [10.0, 30.0]]), (2,), eps=0.0)   # each row
    tensor([[-1.,  1.],
            [-1.,  1.]])
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    dims = len(shape)
    if not shape or tuple(input.shape[input.ndim - dims:]) != shape or input.ndim < dims:
        raise ShapeError(f"layer_norm: expected input (*, {', '.join(map(str, shape))}) ending "
                         f"in normalized_shape {shape}, got {describe(input)}")
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None and (tuple(value.shape) != shape or value.dtype != input.dtype):
            raise ShapeError(f"layer_norm: {name} must be {shape} {input.dtype} like the "
                             f"normalized shape, got {describe(value)}")
    return LayerNorm.apply(input, weight, bias, dims=dims, eps=eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise each sample's channels in ``num_groups`` groups (over the
    group's channels and positions), then ``z_c = γ_c â_c + β_c``.

    Shape:
        input: (N, C, *) with C divisible by num_groups;  weight, bias: (C,).

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.group_norm(tg.tensor([[[1.0], [3.0], [10.0], [30.0]]]), 2, eps=0.0)[0, :, 0]
    tensor([-1.,  1., -1.,  1.])
    """
    if input.ndim < 2:
        raise ShapeError(f"group_norm: expected input (N, C, *), got {describe(input)}")
    channels = input.shape[1]
    if int(num_groups) != num_groups or num_groups < 1 or channels % num_groups:
        raise ShapeError(f"group_norm: {channels} channels cannot be split into {num_groups} "
                         f"groups of equal size; input {describe(input)}")
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None and (tuple(value.shape) != (channels,) or value.dtype != input.dtype):
            raise ShapeError(f"group_norm: {name} must be ({channels},) {input.dtype}, got "
                             f"{describe(value)}")
    return GroupNorm.apply(input, weight, bias, groups=int(num_groups), eps=eps)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Local response normalisation across channels (AlexNet's), PyTorch's formula:
    ``b_c = a_c / (k + (α/n) Σ_{j ∈ W(c)} a_j²)^β`` over the n = ``size``
    channels ``W(c) = c − ⌊n/2⌋ … c + ⌊(n−1)/2⌋`` (zeros beyond the edges).

    Shape:
        input: (N, C, *) with at least 3 dimensions;  output: like input.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> x = tg.tensor([[[3.0], [4.0]]])          # (N=1, C=2, L=1)
    >>> F.local_response_norm(x, size=2, alpha=2.0, beta=0.5, k=0.0)   # 3/√9, 4/√(9+16)
    tensor([[[1.0000],
             [0.8000]]])
    """
    if input.ndim < 3:
        raise ShapeError(f"local_response_norm: expected input (N, C, *) with 3 or more "
                         f"dimensions, got {describe(input)}")
    if int(size) != size or size < 1:
        raise ValueError(f"local_response_norm: size must be a positive int, got {size!r}")
    if input.dtype.kind != "f":
        raise TypeError(f"local_response_norm: expected a floating-point input, "
                        f"got {describe(input)}")
    return LocalResponseNorm.apply(input, size=int(size), alpha=float(alpha), beta=float(beta),
                                   k=float(k))


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """``v / max(‖v‖_p, ε)`` for the vectors v along ``dim`` (PyTorch's rule);
    composed of tensor ops, so its gradient is theirs chained.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.normalize(tg.tensor([[3.0, 4.0], [0.0, 0.0]]))
    tensor([[0.6000, 0.8000],
            [0.0000, 0.0000]])
    """
    if out is not None:
        raise TypeError("normalize: out= is not supported (see the README's differences)")
    norm = input.norm(p, dim, keepdim=True).clamp_min(eps)
    return input / norm.expand_as(input)
