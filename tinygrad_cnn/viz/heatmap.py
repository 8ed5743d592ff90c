"""δ maps as small PNG pictures, written with NumPy and zlib only.

A convolution layer's error term δ^l has shape (N, C, H, W): one H×W map per
channel. `delta_grid` lays the C maps of one sample side by side, blue for
negative, white for zero and red for positive values, on a scale shared by
all channels (±max|δ|), so a channel whose δ has vanished shows as white.
Colour strength follows √(|δ| / max|δ|): δ is often concentrated in a few
pixels (max pooling routes it to one position per window), and a square root
keeps the many small values visible next to them.
`write_png` is a minimal PNG encoder (8-bit RGB, no filtering) — enough for
these pictures without pulling in matplotlib or Pillow.
"""
import struct
import zlib

import numpy as np


def _chunk(kind, payload):
    body = kind + payload
    return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def png_bytes(rgb):
    """Encode an (H, W, 3) uint8 array as PNG bytes.

    >>> import numpy as np
    >>> data = png_bytes(np.zeros((2, 3, 3), dtype=np.uint8))
    >>> data[:8] == b"\\x89PNG\\r\\n\\x1a\\n", len(data) > 40
    (True, True)
    """
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"png_bytes: expected an (H, W, 3) uint8 array, got shape {rgb.shape}")
    height, width, _ = rgb.shape
    # every scanline starts with filter type 0 ("none")
    rows = np.concatenate([np.zeros((height, 1), dtype=np.uint8), rgb.reshape(height, width * 3)], axis=1)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)   # 8 bits, truecolour
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 9)) + _chunk(b"IEND", b""))


def write_png(path, rgb):
    """Write an (H, W, 3) uint8 array to ``path`` as a PNG file; returns ``path``."""
    with open(path, "wb") as f:
        f.write(png_bytes(rgb))
    return path


def diverging_rgb(values, scale, gamma=0.5):
    """Map values in [-scale, scale] to blue (−) · white (0) · red (+) RGB uint8,
    with colour strength (|value| / scale) ** gamma.

    >>> import numpy as np
    >>> diverging_rgb(np.array([-1.0, 0.0, 0.25, 1.0]), 1.0).tolist()
    [[33, 102, 172], [255, 255, 255], [216, 140, 149], [178, 24, 43]]
    """
    values = np.asarray(values, dtype=np.float64)
    t = np.clip(values / scale, -1.0, 1.0) if scale > 0 else np.zeros_like(values)
    white = np.array([255.0, 255.0, 255.0])
    blue = np.array([33.0, 102.0, 172.0])
    red = np.array([178.0, 24.0, 43.0])
    weight = (np.abs(t) ** gamma)[..., None]
    target = np.where((t < 0)[..., None], blue, red)
    return np.rint(white + (target - white) * weight).astype(np.uint8)


def delta_grid(delta, sample=0, tile=48, min_cell=3, max_width=340, gap=2):
    """The per-channel maps of a 4-D δ (N, C, H, W) for one sample, as an RGB grid.

    Each H×W map is enlarged (nearest neighbour) to about ``tile`` pixels, and
    every cell of a map to at least ``min_cell`` pixels, so a 28×28 map is
    84 px across and each value stays visible. The C maps wrap into as many
    columns as fit in ``max_width`` pixels, separated by ``gap`` grey pixels,
    so the grid never gets wider than a node should be. Returns ``(rgb,
    scale)`` where ``scale = max|δ|`` of the sample is the value shown as full
    red / full blue.

    >>> import numpy as np
    >>> delta = np.zeros((2, 3, 4, 4)); delta[0, 1, 0, 0] = -0.5
    >>> rgb, scale = delta_grid(delta, tile=8)           # cells of 3 px: 12×12 maps
    >>> rgb.shape, scale, rgb[2, 2 + 12 + 2].tolist()    # channel 1, pixel (0, 0)
    ((16, 44, 3), 0.5, [33, 102, 172])
    >>> delta_grid(np.ones((1, 16, 28, 28)))[0].shape    # 3 columns of 84 px, 6 rows
    (518, 260, 3)
    """
    delta = np.asarray(delta, dtype=np.float64)
    if delta.ndim != 4:
        raise ValueError(f"delta_grid: expected δ of shape (N, C, H, W), got shape {delta.shape}")
    maps = delta[sample]                                   # (C, H, W)
    channels, height, width = maps.shape
    zoom = max(min_cell, -(-tile // max(height, width, 1)))   # ceil: at least `tile` pixels
    scale = float(np.abs(maps).max()) if maps.size else 0.0
    cell_h, cell_w = height * zoom, width * zoom
    columns = max(1, min(channels, (max_width - gap) // (cell_w + gap)))
    rows = -(-channels // columns)
    grid = np.full((gap + rows * (cell_h + gap), gap + columns * (cell_w + gap), 3), 160, dtype=np.uint8)
    for c in range(channels):
        row, column = divmod(c, columns)
        top, left = gap + row * (cell_h + gap), gap + column * (cell_w + gap)
        enlarged = np.repeat(np.repeat(maps[c], zoom, axis=0), zoom, axis=1)   # (H·zoom, W·zoom)
        grid[top:top + cell_h, left:left + cell_w] = diverging_rgb(enlarged, scale)
    return grid, scale
