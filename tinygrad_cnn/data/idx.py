"""Read IDX files, the format the MNIST and Fashion-MNIST archives ship in.

An IDX file is a tiny header followed by one big-endian array::

    offset  bytes  meaning
    0       2      always 0x00 0x00
    2       1      element type code (table below)
    3       1      number of dimensions D
    4       4*D    the size of each dimension, big-endian uint32
    4+4*D   ...    product(sizes) elements, row-major, big-endian

    type code  element
    0x08       uint8     (MNIST pixels and labels)
    0x09       int8
    0x0B       int16
    0x0C       int32
    0x0D       float32
    0x0E       float64

So ``train-images-idx3-ubyte`` starts ``00 00 08 03 | 00 00 EA 60 | 00 00 00 1C |
00 00 00 1C``: uint8, 3 dimensions, shape (60000, 28, 28). The distributed
files are usually gzipped; ``read_idx`` recognises gzip by its magic bytes
(1f 8b), whatever the file is called.

Every problem with a file's content (corrupt gzip data, a bad header, a data
length that disagrees with the header) raises ``tinygrad_cnn.IDXError``, a
ValueError whose message names the file; a missing file stays a
FileNotFoundError.
"""

import gzip
import math
import os
import zlib

import numpy as np

from tinygrad_cnn._errors import IDXError

# Type code -> big-endian NumPy dtype of the stored elements.
IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

GZIP_MAGIC = b"\x1f\x8b"


def _read_bytes(path, name):
    """Return the (decompressed) bytes of ``path``; gzip is detected by content."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == GZIP_MAGIC:
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as error:   # bad header, truncated, bad data
            raise IDXError(f"{name}: corrupt gzip data ({error})") from error
    return raw


def read_idx(path):
    """Read an IDX file (raw or gzipped) into a native-endian NumPy array.

    Args:
        path: file to read; gzip compression is detected from the first two
            bytes, so the name need not end in ``.gz``.

    Returns:
        ``np.ndarray`` with the shape stored in the header and the dtype given
        by the type code (uint8, int8, int16, int32, float32 or float64), in
        native byte order.

    Raises:
        tinygrad_cnn.IDXError: (a ValueError) corrupt gzip data, a malformed
            header, or a data length that does not match the header; the
            message names the file and the problem.

    Example:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "tiny-idx1-ubyte")
        >>> with open(path, "wb") as f:
        ...     _ = f.write(bytes([0, 0, 0x08, 1, 0, 0, 0, 3, 7, 8, 9]))
        >>> read_idx(path)
        array([7, 8, 9], dtype=uint8)
    """
    name = os.fspath(path)
    content = _read_bytes(path, name)
    if len(content) < 4:
        raise IDXError(
            f"{name}: file too short for an IDX header ({len(content)} bytes, need at least 4)")
    zero_bytes, type_code, num_dims = content[:2], content[2], content[3]
    if zero_bytes != b"\x00\x00":
        raise IDXError(
            f"{name}: bad magic number 0x{content[:4].hex()}; an IDX file starts with two zero bytes")
    if type_code not in IDX_DTYPES:
        known = ", ".join(f"0x{code:02X}" for code in IDX_DTYPES)
        raise IDXError(f"{name}: bad magic number, unknown type code 0x{type_code:02X} (known: {known})")
    if num_dims == 0:
        raise IDXError(f"{name}: bad magic number, dimension count is 0")

    header_size = 4 + 4 * num_dims
    if len(content) < header_size:
        raise IDXError(
            f"{name}: header declares {num_dims} dimensions, needing {header_size} header bytes, "
            f"but the file has only {len(content)} bytes")
    shape = tuple(int(size) for size in np.frombuffer(content, dtype=">u4", count=num_dims, offset=4))

    stored_dtype = IDX_DTYPES[type_code]
    expected_data_bytes = math.prod(shape) * stored_dtype.itemsize   # Python ints: exact
    found_data_bytes = len(content) - header_size
    if found_data_bytes != expected_data_bytes:
        raise IDXError(
            f"{name}: expected {expected_data_bytes} bytes of data for shape {shape} "
            f"{stored_dtype.newbyteorder('=').name}, found {found_data_bytes}"
            + (" (truncated file?)" if found_data_bytes < expected_data_bytes else " (trailing bytes or wrong dimension count?)"))
    # NumPy refuses a shape whose non-zero sizes multiply past its index range,
    # even when another size is 0 and the array is empty.
    if math.prod(size for size in shape if size) * stored_dtype.itemsize > np.iinfo(np.intp).max:
        raise IDXError(f"{name}: shape {shape} is too large for a NumPy array "
                       "(the header is probably damaged)")

    array = np.frombuffer(content, dtype=stored_dtype, offset=header_size).reshape(shape)
    # astype to the native-endian dtype copies, so the result is writable too.
    return array.astype(stored_dtype.newbyteorder("="))


def write_idx(path, array):
    """Write ``array`` as an IDX file (gzipped when ``path`` ends in ``.gz``).

    The inverse of ``read_idx``; used by the tests and handy for making small
    fixtures. The dtype must be one of the six IDX element types.

    Example:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "grid-idx2-int.gz")
        >>> write_idx(path, np.arange(6, dtype=np.int32).reshape(2, 3))
        >>> read_idx(path)
        array([[0, 1, 2],
               [3, 4, 5]], dtype=int32)
    """
    array = np.asarray(array)
    codes = {dtype.newbyteorder("="): code for code, dtype in IDX_DTYPES.items()}
    native_dtype = array.dtype.newbyteorder("=")
    if native_dtype not in codes:
        raise ValueError(f"write_idx: dtype {array.dtype} has no IDX type code; use one of "
                         + ", ".join(d.name for d in codes))
    if array.ndim == 0 or array.ndim > 255:
        raise ValueError(f"write_idx: need 1 to 255 dimensions, got {array.ndim}")
    header = bytes([0, 0, codes[native_dtype], array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    content = header + array.astype(native_dtype.newbyteorder(">")).tobytes()
    if str(path).endswith(".gz"):
        content = gzip.compress(content)
    with open(path, "wb") as f:
        f.write(content)
