"""Checkpoints: `save` and `load` (PyTorch's ``torch.save`` / ``torch.load``), as ``.npz``.

A checkpoint is a NumPy ``.npz`` archive (a zip of ``.npy`` files), so it can
be read with NumPy alone, and reading it never runs code: `load` opens it
with ``allow_pickle=False`` and refuses any file that holds Python objects.

What can be saved: a mapping (dict/OrderedDict) whose values are Tensors,
NumPy arrays, numbers, bools, strings, None, or — nested to any depth —
dicts, lists and tuples of those. That covers a model's ``state_dict()``, an
optimizer's ``state_dict()`` (int keys, lists of indices, tuples of betas) and
a training checkpoint ``{'model': …, 'optimizer': …, 'epoch': 3}``.

Layout: every array is one entry named by its path, nested keys joined by
'/' (``conv1.weight``, ``model/conv1.weight``, ``optimizer/state/0/exp_avg``);
one extra entry, ``__structure__``, holds the tree as JSON text (a uint8
array): the keys, their order and types, the small Python values, and which
entries were Tensors. A plain ``.npz`` without it (e.g. from ``np.savez``)
loads as a flat OrderedDict of Tensors.

Writing is atomic: the archive goes to a temporary file in the target's
directory, is flushed and fsync'ed, then renamed over the target with
``os.replace``. A crash mid-save leaves the previous checkpoint intact.

>>> import os, tempfile
>>> import tinygrad_cnn as tg
>>> from tinygrad_cnn import nn
>>> model = nn.Linear(3, 2)
>>> path = os.path.join(tempfile.mkdtemp(), "model.npz")
>>> save(model.state_dict(), path)
>>> restored = load(path)
>>> list(restored), bool((restored["weight"] == model.weight).all())
(['weight', 'bias'], True)
"""
import json
import os
from collections import OrderedDict

import numpy as np

from .tensor import Tensor

STRUCTURE_KEY = "__structure__"
_FORMAT = "tinygrad_cnn.checkpoint/1"


# ----------------------------------------------------------------------------- encoding
def _encode(value, path, arrays):
    """JSON description of ``value``; its arrays go into ``arrays`` under ``path``."""
    if isinstance(value, (Tensor, np.ndarray, np.generic)):
        kind = ("tensor" if isinstance(value, Tensor)
                else "ndarray" if isinstance(value, np.ndarray) else "scalar")
        array = np.asarray(value._data if isinstance(value, Tensor) else value)
        if array.dtype.hasobject:
            raise TypeError(f"save: '{path}' is an array of Python objects; only numeric "
                            "arrays can be saved")
        key = path or "value"
        if key == STRUCTURE_KEY or key in arrays:
            raise ValueError(f"save: two entries would both be stored as '{key}' "
                             "(a key containing '/' collides with a nested one); rename one")
        arrays[key] = array
        return {"type": kind, "key": key}
    if value is None or isinstance(value, (bool, int, float, str)):
        return {"type": "value", "value": value}
    if isinstance(value, dict):
        items = []
        for name, item in value.items():
            if isinstance(name, bool) or not isinstance(name, (str, int)):
                raise TypeError(f"save: dict keys must be str or int, got {name!r} at '{path}'")
            items.append([name, _encode(item, f"{path}/{name}" if path else str(name), arrays)])
        return {"type": "dict", "items": items}
    if isinstance(value, (list, tuple)):
        items = [_encode(item, f"{path}/{index}" if path else str(index), arrays)
                 for index, item in enumerate(value)]
        return {"type": "tuple" if isinstance(value, tuple) else "list", "items": items}
    raise TypeError(f"save: cannot store a {type(value).__name__} at '{path or 'top level'}'; "
                    "use Tensors, arrays, numbers, strings, None, dicts, lists and tuples")


def _decode(node, archive):
    kind = node["type"]
    if kind in ("tensor", "ndarray", "scalar"):
        array = _read_array(archive, node["key"])
        if kind == "tensor":
            return Tensor._make(array, None)
        return array if kind == "ndarray" else array[()]
    if kind == "value":
        return node["value"]
    if kind == "dict":
        return OrderedDict((name, _decode(item, archive)) for name, item in node["items"])
    if kind in ("list", "tuple"):
        items = [_decode(item, archive) for item in node["items"]]
        return tuple(items) if kind == "tuple" else items
    raise ValueError(f"load: unknown entry type {kind!r} in the checkpoint's structure")


def _read_array(archive, key):
    try:
        return archive[key]
    except KeyError:
        raise ValueError(f"load: the checkpoint's structure names an entry '{key}' that the "
                         "file does not contain (the file is damaged)") from None
    except ValueError as error:                # NumPy: "Object arrays cannot be loaded …"
        raise ValueError(f"load: entry '{key}' holds Python objects (a pickle); tinygrad_cnn "
                         "refuses to load it, since unpickling can run arbitrary code. "
                         f"({error})") from None


# ----------------------------------------------------------------------------- writing
def _write_npz(file, arrays):
    """Write ``arrays`` (name → ndarray, in order) as an uncompressed .npz into ``file``."""
    import zipfile                     # imported here: keeps `import tinygrad_cnn` fast
    with zipfile.ZipFile(file, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, array in arrays.items():
            with zf.open(name + ".npy", mode="w", force_zip64=True) as entry:
                np.lib.format.write_array(entry, np.asanyarray(array), allow_pickle=False)


def save(obj, path):
    """Save a state_dict or a checkpoint dict to ``path`` (an ``.npz`` file), atomically.

    >>> import os, tempfile
    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn import nn, optim
    >>> model = nn.Linear(2, 1)
    >>> opt = optim.Adam(model.parameters())
    >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.npz")
    >>> save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3}, path)
    >>> checkpoint = load(path)
    >>> checkpoint["epoch"], checkpoint["optimizer"]["param_groups"][0]["betas"]
    (3, (0.9, 0.999))
    """
    if not isinstance(obj, dict):
        raise TypeError(f"save: expected a dict (a state_dict or a checkpoint), got "
                        f"{type(obj).__name__}")
    arrays = OrderedDict()
    structure = {"format": _FORMAT, "root": _encode(obj, "", arrays)}
    text = json.dumps(structure, allow_nan=True)
    arrays[STRUCTURE_KEY] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)

    import tempfile                    # imported here: keeps `import tinygrad_cnn` fast

    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".",
                                         suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "wb") as file:
            _write_npz(file, arrays)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)             # mkstemp makes it 0600; a checkpoint is data
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory):
    """Make the rename itself durable (best effort; not possible on every OS)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ----------------------------------------------------------------------------- reading
def load(path):
    """Load what `save` wrote: an OrderedDict (Tensors where Tensors were saved,
    nested dicts, lists, tuples and numbers as they were), in the saved order.

    Files holding pickled Python objects are refused (ValueError): loading a
    checkpoint never executes code.
    """
    try:
        archive = np.load(os.fspath(path), allow_pickle=False)
    except ValueError as error:                 # NumPy: "Cannot load file containing pickled data"
        raise ValueError(f"load: {path} is not an .npz checkpoint (it may be a pickle, which "
                         f"tinygrad_cnn refuses to load: unpickling can run code). ({error})") \
            from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"load: {path} is a single .npy array, not an .npz checkpoint")
    with archive:
        if STRUCTURE_KEY not in archive.files:      # a plain npz: flat name -> Tensor
            return OrderedDict((name, Tensor._make(_read_array(archive, name), None))
                               for name in archive.files)
        raw = _read_array(archive, STRUCTURE_KEY)
        try:
            structure = json.loads(raw.tobytes().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValueError(f"load: {path} has an unreadable structure entry ({error})") from None
        if not isinstance(structure, dict) or structure.get("format") != _FORMAT:
            raise ValueError(f"load: {path} is not a {_FORMAT} checkpoint")
        return _decode(structure["root"], archive)
