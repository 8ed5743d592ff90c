"""Normalisation: `batch_norm`; the backward rule is in `nn.norm_ops`."""
from ..._errors import ShapeError, describe
from ..norm_ops import BatchNorm


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalisation over N (and H, W) per channel, as PyTorch: with
    ``training`` it normalises by the batch statistics and updates
    ``running_mean`` / ``running_var`` in place (unbiased variance); otherwise
    it uses them.

    Shape:
        input: (N, C) or (N, C, H, W);  running stats, weight, bias: (C,).

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> mean, var = tg.zeros(1), tg.ones(1)
    >>> F.batch_norm(tg.tensor([[1.0], [3.0]]), mean, var, training=True)
    tensor([[-1.],
            [ 1.]])
    >>> mean
    tensor([0.2])
    """
    if input.ndim not in (2, 4):
        raise ShapeError(f"batch_norm: expected input (N, C) or (N, C, H, W), "
                         f"got {describe(input)}")
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
