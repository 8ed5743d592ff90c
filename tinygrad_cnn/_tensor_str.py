"""How a tensor prints: PyTorch's layout, so output reads the same in both.

One number format serves the whole tensor, chosen from its finite values:
whole numbers print as ``2.``; others with four decimals (``0.5000``);
scientific notation (``1.0000e+05``) when the values span more than three
orders of magnitude, exceed 1e8 or fall below 1e-4. Past 1,000 entries only
the first and last three of each dim are shown. ``dtype=`` is printed unless
it is the default float dtype, int64 or bool.

>>> import tinygrad_cnn as tg
>>> tg.tensor([1.0, 2.5]), tg.tensor([1e-5, 1.0]), tg.tensor(3)
(tensor([1.0000, 2.5000]), tensor([1.0000e-05, 1.0000e+00]), tensor(3))
"""
import numpy as np

from . import _state


def _float_format(values):
    finite = values[np.isfinite(values)]
    nonzero = np.abs(finite[finite != 0]).astype(np.float64)
    if nonzero.size == 0:
        return "{:.0f}.", False
    whole = bool(np.all(np.ceil(nonzero) == nonzero))
    biggest, smallest = nonzero.max(), nonzero.min()
    spread = biggest / smallest > 1000.0 or biggest > 1e8
    if whole:
        return ("{:.4e}", True) if spread else ("{:.0f}.", False)
    if spread or smallest < 1e-4:
        return "{:.4e}", True
    return "{:.4f}", False


def _formatter(array):
    kind = array.dtype.kind
    if kind == "b":
        strings = ["True", "False"]
        width = max(len(s) for s in strings if s in
                    (["True"] if array.any() else []) + (["False"] if not array.all() else []))
        return lambda v: str(bool(v)).rjust(width)
    if kind in "iu":
        width = max((len(str(v)) for v in (array.min(), array.max())), default=1)
        return lambda v: str(int(v)).rjust(width)
    pattern, _ = _float_format(array)

    def one(v):
        if np.isnan(v):
            return "nan"
        if np.isinf(v):
            return "inf" if v > 0 else "-inf"
        return pattern.format(float(v))

    sample = array if array.size <= 1000 else np.concatenate(
        [array.reshape(-1)[:500], array.reshape(-1)[-500:]])
    width = max(len(one(v)) for v in sample.reshape(-1))
    return lambda v: one(v).rjust(width)


def tensor_repr(tensor, prefix="tensor("):
    array = tensor._data
    if array.size == 0:
        body = "[]"
    else:
        formatter = _formatter(array)
        body = np.array2string(array, separator=", ", prefix=prefix, max_line_width=80,
                               threshold=1000, edgeitems=3,
                               formatter={"all": formatter})
    extras = []
    if array.size == 0 and array.shape != (0,):
        extras.append(f"size={tuple(array.shape)}")
    dtype = tensor.dtype
    if dtype is not _state.default_dtype and dtype.name not in ("int64", "bool") or \
            (array.size == 0 and dtype.name != _state.default_dtype.name):
        extras.append(f"dtype={dtype!r}")
    if tensor.grad_fn is not None:
        extras.append(f"grad_fn=<{tensor.grad_fn.name}>")
    elif tensor.requires_grad:
        extras.append("requires_grad=True")
    return prefix + body + "".join(", " + e for e in extras) + ")"
