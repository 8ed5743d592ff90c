"""Normalisation layers: `BatchNorm1d`, `BatchNorm2d` (one shared `_BatchNorm` base),
`LayerNorm`, `GroupNorm` and `LocalResponseNorm`."""
import numpy as np

from ..._errors import ShapeError, describe
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from ._utils import _float_dtype
from .module import Module


def _affine_parameters(module, shape, affine, bias, dtype):
    """γ = 1 and β = 0 of ``shape`` as ``module.weight`` / ``module.bias``, or
    None in their place (no affine; ``bias=False`` leaves β out)."""
    module.register_parameter("weight", Parameter(np.ones(shape, dtype=dtype)) if affine else None)
    module.register_parameter("bias", Parameter(np.zeros(shape, dtype=dtype))
                              if affine and bias else None)


class _BatchNorm(Module):
    """What BatchNorm1d and BatchNorm2d share: parameters, buffers, the momentum
    rule and the call to `F.batch_norm`. Subclasses only say which input ranks
    they accept (``_check_input_dim``)."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, dtype=None, *, bias=True):
        super().__init__()
        dtype = _float_dtype(dtype)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        _affine_parameters(self, num_features, affine, bias, dtype)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor._make(np.zeros(num_features, dtype), None))
            self.register_buffer("running_var", Tensor._make(np.ones(num_features, dtype), None))
            self.register_buffer("num_batches_tracked",
                                 Tensor._make(np.array(0, dtype=np.int64), None))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean._data[...] = 0
            self.running_var._data[...] = 1
            self.num_batches_tracked._data[...] = 0

    def reset_parameters(self):
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input_dim(self, input):
        raise NotImplementedError

    def forward(self, input):
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        counting = self.training and self.track_running_stats
        if counting and self.momentum is None:         # cumulative moving average
            factor = 1.0 / (float(self.num_batches_tracked._data) + 1)
        use_batch_stats = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        output = F.batch_norm(input,
                              self.running_mean if track else None,
                              self.running_var if track else None,
                              self.weight, self.bias, use_batch_stats, factor, self.eps)
        if counting:                                   # only once the batch was accepted
            self.num_batches_tracked._data += 1
        return output

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of features, per channel c:
    ẑ = (z - μ_B) / √(σ²_B + eps), a = γ ẑ + β, with μ_B and σ²_B over N
    (input (N, C)) or over N and L (input (N, C, L)). Running statistics,
    ``momentum`` (``None``: cumulative average), ``affine``,
    ``track_running_stats`` and eval mode work as in `BatchNorm2d`.

    Shape: (N, C) → (N, C), or (N, C, L) → (N, C, L); weight γ and bias β (C,);
    buffers running_mean, running_var (C,) and num_batches_tracked () int64.

    >>> import tinygrad_cnn as tg
    >>> bn = BatchNorm1d(2, eps=0.0)
    >>> bn(tg.tensor([[1.0, 10.0], [3.0, 30.0]])).detach()   # each column → mean 0, variance 1
    tensor([[-1., -1.],
            [ 1.,  1.]])
    >>> bn.running_mean                                 # 0.9·0 + 0.1·μ_B
    tensor([0.2000, 2.0000])
    """

    def _check_input_dim(self, input):
        if input.ndim not in (2, 3) or input.shape[1] != self.num_features:
            raise ShapeError(f"BatchNorm1d: expected input (N, {self.num_features}) or "
                             f"(N, {self.num_features}, L), got {describe(input)}")


class BatchNorm2d(_BatchNorm):
    """Batch normalisation per channel: ẑ = (z - μ_B) / √(σ²_B + eps), a = γ ẑ + β.

    Training mode normalises with the batch's statistics over (N, H, W) and
    updates the running estimates ``running_mean ← (1-m)·running_mean + m·μ_B``
    (and likewise ``running_var`` with the unbiased batch variance); eval mode
    normalises with the running estimates. ``momentum=None`` uses a cumulative
    average (m = 1 / num_batches_tracked).

    ``bias=False`` (keyword-only, as in PyTorch 2.13) keeps γ but drops β.

    Shape: (N, C, H, W) → (N, C, H, W); weight γ and bias β (C,);
    buffers running_mean, running_var (C,) and num_batches_tracked () int64.

    >>> import tinygrad_cnn as tg
    >>> bn = BatchNorm2d(6)
    >>> bn
    BatchNorm2d(6, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    >>> list(bn.state_dict())
    ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
    """

    def _check_input_dim(self, input):
        if input.ndim != 4 or input.shape[1] != self.num_features:
            raise ShapeError(f"BatchNorm2d: expected input (N, {self.num_features}, H, W), "
                             f"got {describe(input)}")


class LocalResponseNorm(Module):
    """Local response normalisation across channels (AlexNet, 2012):
    ``b_c = a_c / (k + (α/n) Σ_{j ∈ W(c)} a_j²)^β`` over the n = ``size``
    neighbouring channels ``W(c) = c − ⌊n/2⌋ … c + ⌊(n−1)/2⌋`` (PyTorch's
    formula, which divides α by n; AlexNet's paper used n = 5, α = 10⁻⁴·5
    in this form, β = 0.75, k = 2). No parameters.

    Shape: (N, C, *) → the same, at least 3 dimensions.

    >>> import tinygrad_cnn as tg
    >>> lrn = LocalResponseNorm(2, alpha=2.0, beta=0.5, k=0.0)
    >>> lrn
    LocalResponseNorm(2, alpha=2.0, beta=0.5, k=0.0)
    >>> lrn(tg.tensor([[[3.0], [4.0]]]))                 # 3/√9, 4/√(9+16)
    tensor([[[1.0000],
             [0.8000]]])
    """

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input):
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class LayerNorm(Module):
    """Layer normalisation (Ba, Kiros & Hinton, 2016): each sample normalised
    over its last dims, ``normalized_shape``, with no running statistics (the
    same in training and eval), then ``z = γ ⊙ â + β`` with γ, β of that shape
    (``elementwise_affine``; ``bias=False`` leaves β out).

    Shape: (*, *normalized_shape) → the same.

    >>> import tinygrad_cnn as tg
    >>> ln = LayerNorm(3)
    >>> ln
    LayerNorm((3,), eps=1e-05, elementwise_affine=True, bias=True)
    >>> ln(tg.tensor([[1.0, 2.0, 3.0]])).detach()          # mean 0, variance 1 per row
    tensor([[-1.2247,  0.0000,  1.2247]])
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 dtype=None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
        self.normalized_shape = tuple(int(s) for s in shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _affine_parameters(self, self.normalized_shape, elementwise_affine, bias,
                           _float_dtype(dtype))

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(Module):
    """Group normalisation: each sample's channels normalised in ``num_groups``
    groups, no running statistics (the same in training and eval), then a
    per-channel ``γ_c â_c + β_c`` (``affine``). Independent of the batch size,
    so it works where BatchNorm's batch statistics are too noisy.

    Shape: (N, C, *) → the same; weight γ and bias β (C,).

    >>> import tinygrad_cnn as tg
    >>> GroupNorm(2, 4)
    GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)
    """

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, bias=True, dtype=None):
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        self.num_groups, self.num_channels = num_groups, num_channels
        self.eps, self.affine = eps, affine
        _affine_parameters(self, num_channels, affine, bias, _float_dtype(dtype))

    def forward(self, input):
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")
