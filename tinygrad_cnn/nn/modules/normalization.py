"""Normalisation layers: `BatchNorm2d`."""
import numpy as np

from ..._errors import ShapeError, describe
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from ._utils import _float_dtype
from .module import Module


class BatchNorm2d(Module):
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

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, dtype=None, *, bias=True):
        super().__init__()
        dtype = _float_dtype(dtype)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype=dtype))
        else:
            self.register_parameter("weight", None)
        if affine and bias:
            self.bias = Parameter(np.zeros(num_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
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

    def forward(self, input):
        if input.ndim != 4 or input.shape[1] != self.num_features:
            raise ShapeError(f"BatchNorm2d: expected input (N, {self.num_features}, H, W), "
                             f"got {describe(input)}")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked._data += 1
            if self.momentum is None:                  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked._data)
        use_batch_stats = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        return F.batch_norm(input,
                            self.running_mean if track else None,
                            self.running_var if track else None,
                            self.weight, self.bias, use_batch_stats, factor, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")
