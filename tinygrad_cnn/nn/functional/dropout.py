"""Dropout: `dropout` (single entries) and `dropout2d` (whole channels); the backward
rules are in `nn.activation_ops`."""
import warnings

from ..._errors import ShapeError, describe
from ..activation_ops import Dropout, Dropout2d


def _check_probability(op, p):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: probability p must be in [0, 1], got {p}")


def dropout(input, p=0.5, training=True):
    """Inverted dropout: each entry is zeroed with probability p and the rest
    scaled by 1/(1-p), with masks from the global generator (`manual_seed`).
    The identity when not training or p = 0.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> F.dropout(tg.ones(4), p=0.5, training=False)
    tensor([1., 1., 1., 1.])
    """
    _check_probability("dropout", p)
    if not training or p == 0:
        return input
    return Dropout.apply(input, p=float(p))


def dropout2d(input, p=0.5, training=True):
    """Channel dropout: each whole (H, W) map of each sample is zeroed with
    probability p, and the kept maps are scaled by 1/(1-p). Neighbouring pixels
    of a feature map are strongly correlated, so dropping single pixels barely
    regularises a conv layer; dropping the map does.

    Like PyTorch, a 3-D input is read as (N, C, L) (with PyTorch's warning that
    this will change), and other ranks drop per (N, C) with a warning.

    Shape:
        input: (N, C, H, W) (or (N, C, L));  output: like input.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn.nn import functional as F
    >>> _ = tg.manual_seed(0)
    >>> y = F.dropout2d(tg.ones(2, 3, 4, 4), p=0.5)
    >>> sorted(set(y.numpy().ravel().tolist()))       # each map is all 0 or all 2
    [0.0, 2.0]
    >>> bool((y.numpy() == y.numpy()[:, :, :1, :1]).all())
    True
    """
    _check_probability("dropout2d", p)
    if input.ndim < 2:
        raise ShapeError(f"dropout2d: expected input (N, C, H, W), got {describe(input)}")
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise "
                      "1D dropout behavior is desired - input is interpreted as shape (N, C, L), "
                      "where C is the channel dim. This behavior will change in a future release "
                      "to interpret the input as one without a batch dimension, i.e. shape "
                      "(C, H, W). To maintain the 1D channel-wise dropout behavior, please switch "
                      "to using dropout1d instead.", UserWarning, stacklevel=2)
    elif input.ndim != 4:
        warnings.warn(f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is "
                      "deprecated and will result in an error in a future release. To retain the "
                      "behavior and silence this warning, please use dropout instead.",
                      UserWarning, stacklevel=2)
    if not training or p == 0:
        return input
    return Dropout2d.apply(input, p=float(p))
