"""Checkpoints: `save` and `load` (PyTorch's ``torch.save`` / ``torch.load``), as ``.npz``.

A checkpoint is a NumPy ``.npz`` archive (a zip of ``.npy`` files), so it can
be read with NumPy alone, and reading it never runs code: no pickle is ever
unpickled.

What can be saved: a mapping (dict/OrderedDict) whose values are Tensors,
NumPy arrays and scalars of a plain numeric type (bool, integer, floating,
complex), numbers, bools, strings, None, or — nested up to 100 levels —
dicts, lists and tuples of those. Dict keys are str or int. That covers a
model's ``state_dict()``, an optimizer's ``state_dict()`` (int keys, lists of
indices, tuples of betas) and a training checkpoint ``{'model': …, 'epoch': 3}``.
`save` refuses, before writing anything, what would not read back exactly:
a key holding a control character (NUL cuts a zip entry name short), a lone
surrogate or a backslash (zip turns it into '/' on Windows), two keys that
would share one entry (``'a/b'`` beside ``{'a': {'b': …}}``).

Layout: every array is one entry named by its path, nested keys joined by
'/' (``conv1.weight``, ``model/conv1.weight``, ``optimizer/state/0/exp_avg``);
one extra entry, ``__structure__``, holds the tree as JSON text (a uint8
array): the keys, their order and types, the small Python values, and which
entries were Tensors. A plain ``.npz`` without it (e.g. from ``np.savez``)
loads as a flat OrderedDict of Tensors.

Writing is atomic: the archive goes to a temporary file
``.NAME.RANDOM.tmp`` beside the target, is flushed and fsync'ed, then renamed
over the target with ``os.replace``; a crash mid-save leaves the previous
checkpoint intact, and the next successful save of that path removes the
temporary files that crashed saves left (POSIX: those no live save holds a
lock on; elsewhere: those over an hour old). The new file gets the mode
``open()`` would give it: the old file's mode, or 0666 less the umask. A
symlink is written through: its target is replaced and the link kept.

Reading checks everything before it returns anything (_npz_reader.py):
each entry must be a ``.npy`` array of a plain numeric dtype whose header
agrees with its size, the zip's checksums must match, and the structure must
name every entry exactly once. Any problem with the content raises
`CheckpointError` (a ValueError) naming the file and the problem; a PyTorch
file's message says how to convert it.

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
import errno
import json
import os
import unicodedata
from collections import OrderedDict

import numpy as np

from ._errors import CheckpointError
from ._npz_reader import ARRAY_KINDS, read_npz
from .tensor import Tensor

try:
    import fcntl as _fcntl             # POSIX: a live save holds a lock on its temporary
except ImportError:                    # Windows: fall back to the file's age
    _fcntl = None

STRUCTURE_KEY = "__structure__"
_FORMAT = "tinygrad_cnn.checkpoint/1"
MAX_DEPTH = 100                         # nesting of dicts/lists/tuples in a checkpoint
_MAX_ENTRY_NAME = 0xFFFF                # bytes: the zip format's limit


# ----------------------------------------------------------------------------- encoding
def _check_key(name, path):
    """Refuse a dict key that would not come back from the archive unchanged."""
    where = f"at '{path}'" if path else "at the top level"
    if isinstance(name, bool) or not isinstance(name, (str, int)):
        raise TypeError(f"save: dict keys must be str or int, got {name!r} {where}")
    if isinstance(name, int):
        return
    for char in name:
        if unicodedata.category(char) in ("Cc", "Cs") or char == "\\":
            reason = ("zip turns it into '/' on Windows" if char == "\\" else
                      "a lone surrogate cannot be written as UTF-8"
                      if unicodedata.category(char) == "Cs" else
                      "control characters do not survive as zip entry names")
            raise ValueError(f"save: key {name!r} {where} contains {char!r} ({reason}); "
                             "rename it")


def _encode(value, path, arrays, depth=0):
    """JSON description of ``value``; its arrays go into ``arrays`` under ``path``."""
    if depth > MAX_DEPTH:
        raise ValueError(f"save: '{path}' is nested more than {MAX_DEPTH} levels deep "
                         "(does a list or dict contain itself?)")
    if isinstance(value, (Tensor, np.ndarray, np.generic)):
        kind = ("tensor" if isinstance(value, Tensor)
                else "ndarray" if isinstance(value, np.ndarray) else "scalar")
        array = np.asarray(value._data if isinstance(value, Tensor) else value)
        if array.dtype.hasobject:
            raise TypeError(f"save: '{path}' is an array of Python objects; only numeric "
                            "arrays can be saved")
        if array.dtype.kind not in ARRAY_KINDS or array.dtype.fields is not None:
            raise TypeError(f"save: '{path}' has dtype {array.dtype}; only bool, integer, "
                            "floating and complex arrays can be saved")
        key = path                             # the key '' is stored as '.npy'
        if key == STRUCTURE_KEY or key in arrays:
            raise ValueError(f"save: two entries would both be stored as '{key}' "
                             "(a key containing '/' collides with a nested one, or an int "
                             "key with the same str key); rename one")
        if len(key.encode("utf-8")) + len(".npy") > _MAX_ENTRY_NAME:
            raise ValueError(f"save: the entry name for '{key[:40]}…' is longer than the "
                             f"{_MAX_ENTRY_NAME} bytes a zip allows")
        arrays[key] = array
        return {"type": kind, "key": key}
    if value is None or isinstance(value, (bool, int, float, str)):
        return {"type": "value", "value": value}
    if isinstance(value, dict):
        items = []
        for name, item in value.items():
            _check_key(name, path)
            child = f"{path}/{name}" if path else str(name)
            items.append([name, _encode(item, child, arrays, depth + 1)])
        return {"type": "dict", "items": items}
    if isinstance(value, (list, tuple)):
        items = [_encode(item, f"{path}/{index}" if path else str(index), arrays, depth + 1)
                 for index, item in enumerate(value)]
        return {"type": "tuple" if isinstance(value, tuple) else "list", "items": items}
    raise TypeError(f"save: cannot store a {type(value).__name__} at '{path or 'top level'}'; "
                    "use Tensors, arrays, numbers, strings, None, dicts, lists and tuples")


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

    Raises TypeError / ValueError, before touching the disk, for a value or
    key that could not be read back exactly (see the module docstring).

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

    target = os.path.realpath(os.fspath(path))     # through a symlink, as open() goes
    if os.path.islink(target):
        raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), os.fspath(path))
    directory, name = os.path.split(target)
    handle, temporary = _create_temporary(directory, name)
    try:
        with os.fdopen(handle, "wb") as file:
            _write_npz(file, arrays)
            file.flush()
            os.fsync(file.fileno())
            if os.path.exists(target):             # open() would keep the old mode
                os.chmod(temporary, os.stat(target).st_mode & 0o777)
            if _fcntl is not None:                 # rename while still holding the lock
                os.replace(temporary, target)
        if _fcntl is None:                         # (Windows cannot rename an open file)
            os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    _fsync_directory(directory)
    _remove_abandoned_temporaries(directory, name)


def _create_temporary(directory, name):
    """Create ``.NAME.RANDOM.tmp`` with the mode ``open()`` gives (0666 less the umask).

    On POSIX the file is locked (flock) for as long as the save runs, so that
    `_remove_abandoned_temporaries` in another process leaves it alone.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temporary = os.path.join(directory, f".{name}.{os.urandom(6).hex()}.tmp")
        try:
            handle = os.open(temporary, flags, 0o666)
        except FileExistsError:
            continue
        if _fcntl is None:
            return handle, temporary
        _fcntl.flock(handle, _fcntl.LOCK_EX)
        try:                        # a cleaner may have removed it before we got the lock
            if os.stat(temporary).st_ino == os.fstat(handle).st_ino:
                return handle, temporary
        except FileNotFoundError:
            pass
        os.close(handle)


def _remove_abandoned_temporaries(directory, name):
    """Remove the ``.NAME.*.tmp`` files of saves that were killed before their rename."""
    import time
    prefix = f".{name}."
    for entry in os.scandir(directory):
        if not (entry.name.startswith(prefix) and entry.name.endswith(".tmp")
                and entry.is_file(follow_symlinks=False)):
            continue
        try:
            if _fcntl is None:
                if time.time() - entry.stat().st_mtime > 3600:
                    os.remove(entry.path)
                continue
            handle = os.open(entry.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            try:
                _fcntl.flock(handle, _fcntl.LOCK_EX | _fcntl.LOCK_NB)   # fails if live
                os.remove(entry.path)              # removed while we hold the lock
            finally:
                os.close(handle)
        except OSError:                            # live, already gone, or not ours
            continue


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

    Raises `CheckpointError` (a ValueError) naming the file and the problem
    for anything but an intact archive of plain numeric arrays: a damaged
    file, a pickle (never unpickled: that could run code), a PyTorch file (the
    message says how to convert it), any other zip. Returns nothing partial.

    >>> import os, tempfile
    >>> import tinygrad_cnn as tg
    >>> path = os.path.join(tempfile.mkdtemp(), "notes.txt")
    >>> with open(path, "w") as file:
    ...     _ = file.write("hello")
    >>> load(path)
    Traceback (most recent call last):
    tinygrad_cnn.CheckpointError: load: .../notes.txt is not a checkpoint: ...
    """
    arrays = read_npz(os.fspath(path))
    if STRUCTURE_KEY not in arrays:          # a plain npz: flat name -> Tensor
        return OrderedDict((key, Tensor._make(array, None)) for key, array in arrays.items())
    return _decode_checkpoint(arrays, path)


def _decode_checkpoint(arrays, path):
    """Rebuild the saved tree from ``__structure__``, checking every node."""
    raw = arrays.pop(STRUCTURE_KEY)
    try:
        if raw.dtype != np.uint8 or raw.ndim != 1:
            raise ValueError(f"it is a {raw.dtype} array of shape {raw.shape}, not uint8 text")
        structure = json.loads(raw.tobytes().decode("utf-8"))
    except (ValueError, RecursionError) as error:          # JSON and Unicode errors too
        raise CheckpointError(f"load: {path} has an unreadable structure entry ({error})") \
            from None
    if not isinstance(structure, dict) or structure.get("format") != _FORMAT:
        raise CheckpointError(f"load: {path} is not a {_FORMAT} checkpoint")
    used = set()
    root = _decode(structure.get("root"), arrays, used, 0, path)
    if not isinstance(root, dict):
        raise CheckpointError(f"load: {path} is damaged: its structure's root is not a dict")
    unused = [key for key in arrays if key not in used]
    if unused:
        raise CheckpointError(f"load: {path} is damaged: entries {unused} are not in its "
                              "structure")
    return root


def _decode(node, arrays, used, depth, path):
    """The value that the structure ``node`` describes; the arrays it names go into ``used``."""
    def damaged(problem):
        return CheckpointError(f"load: {path} is damaged: its structure {problem}")

    if depth > MAX_DEPTH:
        raise damaged(f"is nested more than {MAX_DEPTH} levels deep")
    kind = node.get("type") if isinstance(node, dict) else None
    if kind in ("tensor", "ndarray", "scalar"):
        key = node.get("key")
        if not isinstance(key, str) or key not in arrays:
            raise damaged(f"names an entry {key!r} that the file does not contain")
        if key in used:
            raise damaged(f"names the entry {key!r} twice")
        used.add(key)
        array = arrays[key]
        if kind == "tensor":
            return Tensor._make(array, None)
        if kind == "scalar":
            if array.ndim != 0:
                raise damaged(f"calls the entry {key!r} of shape {array.shape} a scalar")
            return array[()]
        return array
    if kind == "value":
        value = node.get("value")
        if value is not None and not isinstance(value, (bool, int, float, str)):
            raise damaged(f"holds a {type(value).__name__} where a number or string belongs")
        return value
    items = node.get("items") if kind in ("dict", "list", "tuple") else None
    if not isinstance(items, list):
        raise damaged(f"has a node it cannot read: {str(node)[:80]}")
    if kind in ("list", "tuple"):
        values = [_decode(item, arrays, used, depth + 1, path) for item in items]
        return tuple(values) if kind == "tuple" else values
    result = OrderedDict()
    for item in items:
        if (not isinstance(item, list) or len(item) != 2 or isinstance(item[0], bool)
                or not isinstance(item[0], (str, int)) or item[0] in result):
            raise damaged(f"has a dict item it cannot read: {str(item)[:80]}")
        result[item[0]] = _decode(item[1], arrays, used, depth + 1, path)
    return result
