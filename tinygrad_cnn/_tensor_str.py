"""How a tensor prints: PyTorch's layout, so output reads the same in both.

One number format serves the whole tensor, chosen from its nonzero finite
values: whole numbers print as ``2.``; others with four decimals
(``0.5000``); scientific notation (``1.0000e+05``) when the values span more
than three orders of magnitude, exceed 1e8 or (not whole) fall below 1e-4.
Every entry is right-aligned to the width of the widest nonzero finite one
(``nan``, ``inf`` and zeros do not widen the columns). Entries fill lines of
80 characters; past 1,000 entries only the first and last three of each dim
are shown, with ``...`` between. ``dtype=`` is printed unless it is the
default float dtype, int64 or bool.

>>> import tinygrad_cnn as tg
>>> tg.tensor([1.0, 2.5]), tg.tensor([1e-5, 1.0]), tg.tensor(3)
(tensor([1.0000, 2.5000]), tensor([1.0000e-05, 1.0000e+00]), tensor(3))
"""
import numpy as np

from . import _state

LINE_WIDTH = 80
THRESHOLD = 1000       # more entries than this: summarise
EDGE_ITEMS = 3         # entries kept at each end of a summarised dim
PRECISION = 4


class _Formatter:
    """Formats one entry of a given tensor at the width its widest entry needs."""

    def __init__(self, array):
        self.kind = array.dtype.kind
        self.int_mode, self.sci_mode = True, False
        if self.kind != "f":
            self.width = max((len(self._plain(v)) for v in array.reshape(-1)), default=1)
            return
        values = array.reshape(-1).astype(np.float64)
        nonzero = values[np.isfinite(values) & (values != 0)]
        self.width = 1
        if nonzero.size == 0:
            return
        magnitudes = np.abs(nonzero)
        biggest, smallest = magnitudes.max(), magnitudes.min()
        self.int_mode = bool(np.all(np.ceil(nonzero) == nonzero))
        spread = biggest / smallest > 1000.0 or biggest > 1e8
        self.sci_mode = spread or (not self.int_mode and smallest < 1e-4)
        self.width = max(len(self._float(v)) for v in nonzero)

    def _plain(self, value):
        return str(value.item()) if isinstance(value, np.generic) else str(value)

    def _float(self, value):
        value = float(value)
        if self.sci_mode:
            return f"{value:.{PRECISION}e}"
        if self.int_mode:
            return f"{value:.0f}" + ("" if np.isinf(value) or np.isnan(value) else ".")
        return f"{value:.{PRECISION}f}"

    def __call__(self, value):
        text = self._float(value) if self.kind == "f" else self._plain(value)
        return text.rjust(self.width)


def _edges(array):
    """The entries a summarised print shows: EDGE_ITEMS from each end of every dim."""
    if array.ndim == 0:
        return array
    if array.shape[0] > 2 * EDGE_ITEMS:
        parts = [array[:EDGE_ITEMS], array[-EDGE_ITEMS:]]
    else:
        parts = [array]
    return np.concatenate([np.stack([_edges(row) for row in part]) if array.ndim > 1 else part
                           for part in parts])


def _vector(array, indent, summarize, format_one):
    """A 1-D array as ``[a, b, …]``, wrapped to fill LINE_WIDTH."""
    per_line = max(1, (LINE_WIDTH - indent) // (format_one.width + 2))
    if summarize and array.shape[0] > 2 * EDGE_ITEMS:
        entries = ([format_one(v) for v in array[:EDGE_ITEMS]] + [" ..."] +
                   [format_one(v) for v in array[-EDGE_ITEMS:]])
    else:
        entries = [format_one(v) for v in array]
    lines = [", ".join(entries[i:i + per_line]) for i in range(0, len(entries), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(array, indent, summarize, format_one):
    """An n-D array as nested brackets; dims beyond the last are separated by
    one blank line per extra dim, as PyTorch prints them."""
    if array.ndim == 0:
        return format_one(array.item())
    if array.ndim == 1:
        return _vector(array, indent, summarize, format_one)
    rows = range(array.shape[0])
    if summarize and array.shape[0] > 2 * EDGE_ITEMS:
        rows = list(range(EDGE_ITEMS)) + [None] + list(range(array.shape[0] - EDGE_ITEMS,
                                                               array.shape[0]))
    parts = ["..." if i is None else _nested(array[i], indent + 1, summarize, format_one)
             for i in rows]
    return "[" + ("," + "\n" * (array.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def tensor_repr(tensor, prefix="tensor("):
    array = tensor._data
    extras = []
    dtype = tensor.dtype
    if array.size == 0:
        body = "[]"
        if array.ndim != 1:
            extras.append(f"size={tuple(array.shape)}")
        if dtype is not _state.default_dtype:
            extras.append(f"dtype={dtype!r}")
    else:
        summarize = array.size > THRESHOLD
        format_one = _Formatter(_edges(array) if summarize else array)
        body = _nested(array, len(prefix), summarize, format_one)
        if dtype is not _state.default_dtype and dtype.name not in ("int64", "bool"):
            extras.append(f"dtype={dtype!r}")
    if tensor.grad_fn is not None:
        extras.append(f"grad_fn=<{tensor.grad_fn.name}>")
    elif tensor.requires_grad:
        extras.append("requires_grad=True")
    text = prefix + body
    last_line = len(text) - text.rfind("\n") - 1 if "\n" in text else len(text)
    for extra in extras:                    # a suffix that would overflow gets its own line
        if last_line + len(extra) + 2 > LINE_WIDTH:
            text += ",\n" + " " * len(prefix) + extra
            last_line = len(prefix) + len(extra)
        else:
            text += ", " + extra
            last_line += len(extra) + 2
    return text + ")"
