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

Reading checks everything before it returns anything: each entry must be a
``.npy`` array of a plain numeric dtype whose header agrees with its size,
the zip's checksums must match, and the structure must name every entry
exactly once. Any problem with the content raises `CheckpointError` (a
ValueError) naming the file and the problem; a PyTorch file's message says
how to convert it.

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
import math
import os
import unicodedata
from collections import OrderedDict

import numpy as np

from ._errors import CheckpointError
from .tensor import Tensor

try:
    import fcntl as _fcntl             # POSIX: a live save holds a lock on its temporary
except ImportError:                    # Windows: fall back to the file's age
    _fcntl = None

STRUCTURE_KEY = "__structure__"
_FORMAT = "tinygrad_cnn.checkpoint/1"
MAX_DEPTH = 100                         # nesting of dicts/lists/tuples in a checkpoint
_ARRAY_KINDS = "biufc"                  # bool, signed, unsigned, floating, complex
_MAX_ENTRY_NAME = 0xFFFF                # bytes: the zip format's limit
_DEFLATE_MAX_RATIO = 1032               # deflate cannot expand more than this


def _how_to_convert(path):
    return ("to convert it, run where PyTorch is installed: "
            f"state = torch.load({path!r}, map_location='cpu'); "
            "tg.save({k: v.detach().cpu().numpy() for k, v in state.items()}, 'model.npz')")


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
        if array.dtype.kind not in _ARRAY_KINDS or array.dtype.fields is not None:
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
    import zipfile
    import zlib

    path = os.fspath(path)
    with open(path, "rb") as file:           # a missing file stays a FileNotFoundError
        start = file.read(16)
        if not start.startswith(b"PK\x03\x04"):
            raise CheckpointError(f"load: {path} is not a checkpoint: "
                                  f"{_identify(start, path)}")
        file.seek(0, os.SEEK_END)
        file_size = file.tell()
        file.seek(0)
        try:
            with zipfile.ZipFile(file) as archive:
                members = _check_members(archive.infolist(), file_size, path)
                _check_layout(file, members.values(), archive.start_dir, path)
                arrays = OrderedDict((key, _read_entry(archive, info, key, path))
                                     for key, info in members.items())
        except CheckpointError:
            raise
        except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError,
                ValueError, KeyError, IndexError, OverflowError, NotImplementedError,
                RuntimeError) as error:
            raise CheckpointError(f"load: {path} is damaged: {error}") from error
    if STRUCTURE_KEY not in arrays:          # a plain npz: flat name -> Tensor
        return OrderedDict((key, Tensor._make(array, None)) for key, array in arrays.items())
    return _decode_checkpoint(arrays, path)


def _identify(start, path):
    """What a file that is not a zip seems to be, from its first bytes."""
    if not start:
        return "the file is empty"
    if start.startswith(b"\x93NUMPY"):
        return "it is a single .npy array (np.save); read it with np.load"
    if start[:1] == b"\x80" and start[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return ("it is a Python pickle (an old-style torch.save file?), which tinygrad_cnn "
                "refuses to load since unpickling can run arbitrary code; " + _how_to_convert(path))
    if start.startswith(b"PK\x05\x06"):
        return "it is an empty zip archive (no arrays)"
    if start.startswith(b"PK"):
        return f"it is a zip archive that does not start with a file entry ({start[:4]!r})"
    if start.startswith(b"\x1f\x8b"):
        return "it is gzip-compressed; decompress it first"
    if start.startswith(b"\x89HDF"):
        return "it is an HDF5 file (Keras?), not an .npz archive"
    return f"an .npz checkpoint is a zip archive, but this file starts with {start[:8]!r}"


def _check_members(infos, file_size, path):
    """Map entry key -> ZipInfo, after refusing every entry `save` could not have written."""
    names = [info.filename for info in infos]
    if any(name == "data.pkl" or name.endswith("/data.pkl") for name in names):
        raise CheckpointError(f"load: {path} is a PyTorch file (torch.save), not a "
                              f"tinygrad_cnn checkpoint; {_how_to_convert(path)}")
    if not infos:
        raise CheckpointError(f"load: {path} is an empty zip archive (no arrays)")
    members = OrderedDict()
    for info in infos:
        name, problem = info.filename, None
        file_type = (info.external_attr >> 16) & 0o170000
        if info.is_dir() or file_type == 0o040000:
            problem = "is a directory"
        elif file_type == 0o120000:
            problem = "is a symbolic link"
        elif not name.endswith(".npy"):
            raise CheckpointError(f"load: {path} is a zip archive but not a checkpoint: its "
                                  f"entry '{name}' is not a .npy array")
        elif name[:-4] in members:
            problem = "appears twice"
        elif info.flag_bits & 0x1:
            problem = "is encrypted"
        elif info.flag_bits & 0x8:
            problem = "has a data descriptor (written to a stream, not by tg.save or np.savez)"
        elif info.compress_type not in (0, 8):          # stored, deflated
            problem = f"uses compression method {info.compress_type}, not stored or deflated"
        elif info.header_offset + info.compress_size > file_size:
            problem = (f"claims {info.compress_size} bytes at offset {info.header_offset}, "
                       f"past the end of the {file_size}-byte file")
        elif info.compress_type == 0 and info.file_size != info.compress_size:
            problem = (f"is stored uncompressed, yet its sizes differ ({info.compress_size} "
                       f"stored, {info.file_size} declared)")
        elif info.file_size > _DEFLATE_MAX_RATIO * info.compress_size + 1024:
            problem = (f"declares {info.file_size} bytes from {info.compress_size} "
                       "compressed, more than deflate can produce")
        if problem:
            raise CheckpointError(f"load: {path} is not a valid checkpoint: entry '{name}' "
                                  f"{problem}")
        members[name[:-4]] = info
    return members


def _check_layout(file, infos, directory_start, path):
    """The entries must tile the file from byte 0 up to the central directory.

    That is how zipfile lays them out; a gap or overlap means a damaged central
    directory (which could otherwise hide an entry, e.g. ``__structure__``).
    """
    import struct
    position = 0
    for info in sorted(infos, key=lambda info: info.header_offset):
        file.seek(position)
        header = file.read(30)                  # a zip local file header
        if (info.header_offset != position or len(header) < 30
                or header[:4] != b"PK\x03\x04"):
            raise CheckpointError(f"load: {path} is damaged: its zip directory does not "
                                  f"match its entries (entry '{info.filename}' at byte "
                                  f"{info.header_offset}, expected at {position})")
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        position += 30 + name_length + extra_length + info.compress_size
    if position != directory_start:
        raise CheckpointError(f"load: {path} is damaged: its entries end at byte {position} "
                              f"but its zip directory starts at {directory_start}")


def _read_entry(archive, info, key, path):
    """One entry as an ndarray, after checking its .npy header against its size."""
    import warnings
    with archive.open(info) as stream:
        try:
            with warnings.catch_warnings():      # "created on Python 2": damaged anyway
                warnings.simplefilter("ignore")
                version = np.lib.format.read_magic(stream)
                if version == (1, 0):
                    shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(stream)
                elif version == (2, 0):
                    shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(stream)
                else:
                    raise ValueError(f"unsupported .npy format version {version}")
        except Exception as error:      # noqa: BLE001 - NumPy's header parser raises
            # ValueError, SyntaxError, tokenize.TokenError, ... on damaged text
            raise CheckpointError(f"load: {path} is damaged: entry '{key}' has an unreadable "
                                  f".npy header ({error})") from error
        if dtype.hasobject:
            raise CheckpointError(f"load: {path}: entry '{key}' holds Python objects (a "
                                  "pickle); tinygrad_cnn refuses to load it, since "
                                  "unpickling can run arbitrary code")
        if dtype.kind not in _ARRAY_KINDS or dtype.fields is not None:
            raise CheckpointError(f"load: {path}: entry '{key}' has dtype {dtype}, not a "
                                  "plain numeric type")
        if any(size < 0 for size in shape):
            raise CheckpointError(f"load: {path} is damaged: entry '{key}' has shape {shape}")
        header_size = stream.tell()
        data_size = math.prod(shape) * dtype.itemsize          # Python ints: no overflow
        if header_size + data_size != info.file_size:
            raise CheckpointError(
                f"load: {path} is damaged: entry '{key}' should hold {data_size} bytes for "
                f"shape {shape} {dtype}, but holds {info.file_size - header_size}")
        buffer = np.empty(data_size, dtype=np.uint8)
        view, filled = memoryview(buffer), 0
        while filled < data_size:                 # the zip checks the CRC at the end
            count = stream.readinto(view[filled:filled + (1 << 24)])
            if not count:
                raise CheckpointError(f"load: {path} is damaged: entry '{key}' ends early")
            filled += count
    return buffer.view(dtype).reshape(shape, order="F" if fortran_order else "C")


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
