"""Argument and parameter helpers shared by the layer files."""
import math

import numpy as np

from .. import init
from ..parameter import Parameter


def _pair(value, name="kernel_size"):
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
        return tuple(int(v) for v in value)
    return (int(value), int(value))


def _float_dtype(dtype):
    dtype = np.dtype(np.float32 if dtype is None else dtype)
    if dtype.kind != "f":
        raise TypeError(f"layers hold floating-point parameters; got dtype={dtype}")
    return dtype


def _empty_parameter(shape, dtype):
    return Parameter(np.empty(shape, dtype=dtype))


def _reset_weight_and_bias(weight, bias):
    """PyTorch's default: W ~ U(-1/√fan_in, 1/√fan_in) via kaiming_uniform_(a=√5)
    (gain √(2/(1+5)) · √(3/fan_in) = 1/√fan_in), and b ~ U(-1/√fan_in, 1/√fan_in)."""
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = init._calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound)
