"""Read an ``.npz`` archive defensively: `read_npz`, used by `tinygrad_cnn.load`.

Nothing in a file is trusted. Before any array is returned, every entry must
be a regular ``.npy`` file (no directory, link, duplicate, encryption or data
descriptor; stored or deflated), lie inside the file, and the entries must
tile the file from byte 0 up to the zip's central directory (so a damaged
directory cannot hide one). Each ``.npy`` header must parse, name a plain
numeric dtype (never Python objects: no pickle is ever read) and a shape
whose size, computed in Python ints, matches the entry; zipfile then checks
each entry's CRC-32. Every problem with the content becomes one
`CheckpointError` naming the file, and a file that is not a zip is named for
what it is (a PyTorch or pickle file, a single ``.npy``, gzip, HDF5).

>>> import os, tempfile
>>> import numpy as np
>>> path = os.path.join(tempfile.mkdtemp(), "plain.npz")
>>> np.savez(path, weight=np.ones(2))
>>> read_npz(path)
OrderedDict([('weight', array([1., 1.]))])
"""
import math
import os
import struct
import warnings
import zipfile
import zlib
from collections import OrderedDict

import numpy as np

from ._errors import CheckpointError

ARRAY_KINDS = "biufc"                   # bool, signed, unsigned, floating, complex
_DEFLATE_MAX_RATIO = 1032               # deflate cannot expand more than this


def read_npz(path):
    """Every entry of the archive at ``path``: an OrderedDict name -> ndarray, in file order.

    Raises `CheckpointError` for any problem with the content; ``OSError``
    when the file cannot be opened.
    """
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
        except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, struct.error, EOFError,
                OSError, ValueError, KeyError, IndexError, OverflowError, NotImplementedError,
                RuntimeError) as error:             # what zipfile raises on damaged bytes
            raise CheckpointError(f"load: {path} is damaged: {error}") from error
    return arrays


def how_to_convert(path):
    """How to turn the PyTorch file at ``path`` into a checkpoint (for error messages)."""
    return ("to convert it, run where PyTorch is installed: "
            f"state = torch.load({path!r}, map_location='cpu'); "
            "tg.save({k: v.detach().cpu().numpy() for k, v in state.items()}, 'model.npz')")


def _identify(start, path):
    """What a file that is not a zip seems to be, from its first bytes."""
    if not start:
        return "the file is empty"
    if start.startswith(b"\x93NUMPY"):
        return "it is a single .npy array (np.save); read it with np.load"
    if start[:1] == b"\x80" and start[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return ("it is a Python pickle (an old-style torch.save file?), which tinygrad_cnn "
                "refuses to load since unpickling can run arbitrary code; "
                + how_to_convert(path))
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
                              f"tinygrad_cnn checkpoint; {how_to_convert(path)}")
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
        except Exception as error:
            # ValueError, SyntaxError, tokenize.TokenError, ... on damaged text
            raise CheckpointError(f"load: {path} is damaged: entry '{key}' has an unreadable "
                                  f".npy header ({error})") from error
        if dtype.hasobject:
            raise CheckpointError(f"load: {path}: entry '{key}' holds Python objects (a "
                                  "pickle); tinygrad_cnn refuses to load it, since "
                                  "unpickling can run arbitrary code")
        if dtype.kind not in ARRAY_KINDS or dtype.fields is not None:
            raise CheckpointError(f"load: {path}: entry '{key}' has dtype {dtype}, not a "
                                  "plain numeric type")
        impossible = CheckpointError(f"load: {path} is damaged: entry '{key}' has shape "
                                     f"{shape}, which no NumPy array can have")
        if any(size < 0 for size in shape):
            raise impossible
        header_size = stream.tell()
        data_size = math.prod(shape) * dtype.itemsize          # Python ints: no overflow
        if header_size + data_size != info.file_size:
            raise CheckpointError(
                f"load: {path} is damaged: entry '{key}' should hold {data_size} bytes for "
                f"shape {shape} {dtype}, but holds {info.file_size - header_size}")
        # NumPy refuses non-zero sizes that multiply past its index range, even beside a 0
        if math.prod(size for size in shape if size) * dtype.itemsize > np.iinfo(np.intp).max:
            raise impossible
        buffer = np.empty(data_size, dtype=np.uint8)
        view, filled = memoryview(buffer), 0
        while filled < data_size:                 # the zip checks the CRC at the end
            count = stream.readinto(view[filled:filled + (1 << 24)])
            if not count:
                raise CheckpointError(f"load: {path} is damaged: entry '{key}' ends early")
            filled += count
    return buffer.view(dtype).reshape(shape, order="F" if fortran_order else "C")
