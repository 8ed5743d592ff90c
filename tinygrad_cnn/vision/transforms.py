"""Image transforms with torchvision's names: ``Compose``, ``ToTensor``, ``Normalize``,
``Lambda``, ``Pad``, ``RandomHorizontalFlip``, ``RandomVerticalFlip``, ``RandomCrop``.

Two image layouts, as in torchvision:

* an *array image* (what ``vision.datasets`` return, and what a PIL image
  converts to): a NumPy array (H, W) or (H, W, C), usually uint8 0..255;
* a *tensor image*: a Tensor (..., C, H, W), usually float32 in [0, 1].

``ToTensor`` turns the first into the second. The geometric transforms accept
both, working on the H and W axes of each. The random ones draw from the
global generator, so ``tinygrad_cnn.manual_seed`` makes them reproducible.

    >>> import numpy as np
    >>> mnist_transform = Compose([ToTensor(), Normalize((0.1307,), (0.3081,))])
    >>> image = mnist_transform(np.full((28, 28), 255, np.uint8))
    >>> image.shape, image.dtype, round(image.numpy()[0, 0, 0].item(), 4)
    ((1, 28, 28), tinygrad_cnn.float32, 2.8215)
"""
import numbers

import numpy as np

from tinygrad_cnn import _random
from tinygrad_cnn.creation import from_numpy
from tinygrad_cnn.tensor import Tensor
from tinygrad_cnn.ops.movement import pad as tensor_pad

PADDING_MODES = ("constant", "edge", "reflect", "symmetric")


class Compose:
    """Apply ``transforms`` one after the other.

    Example:
        >>> Compose([Lambda(lambda x: x + 1), Lambda(lambda x: x * 10)])(2)
        30
    """

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, image):
        for transform in self.transforms:
            image = transform(image)
        return image

    def __repr__(self):
        body = "".join(f"\n    {transform!r}" for transform in self.transforms)
        return f"{type(self).__name__}({body}\n)"


class ToTensor:
    """Array image (H, W) or (H, W, C) -> tensor image (C, H, W).

    uint8 values are scaled to float32 in [0, 1] (divided by 255); arrays of
    other dtypes keep their dtype and values, as in torchvision. PIL images
    are accepted too (converted with ``np.asarray``).

    Shape:
        (H, W) -> (1, H, W); (H, W, C) -> (C, H, W).

    Example:
        >>> import numpy as np
        >>> image = ToTensor()(np.array([[0, 51], [255, 102]], np.uint8))
        >>> image.shape, image.dtype
        ((1, 2, 2), tinygrad_cnn.float32)
        >>> print(image.numpy())
        [[[0.  0.2]
          [1.  0.4]]]
    """

    def __call__(self, picture):
        if isinstance(picture, Tensor) or not (isinstance(picture, np.ndarray) or _is_pil_image(picture)):
            raise TypeError(f"pic should be PIL Image or ndarray. Got {type(picture)}")
        if _is_pil_image(picture):
            array = np.asarray(picture)
            if picture.mode == "1":
                array = array.astype(np.uint8) * np.uint8(255)  # 1-bit images become 0 / 255
        else:
            array = picture
        if array.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {array.ndim} dimensions.")
        if array.ndim == 2:
            array = array[:, :, None]                                  # (H, W, 1)
        channels_first = array.transpose(2, 0, 1)                      # (C, H, W), a view
        if channels_first.dtype == np.uint8:
            return from_numpy(channels_first.astype(np.float32) / np.float32(255))
        return from_numpy(channels_first.copy())  # a C-contiguous copy, values unchanged

    def __repr__(self):
        return f"{type(self).__name__}()"


def _is_pil_image(value):
    return type(value).__module__.startswith("PIL.") and hasattr(value, "mode")


class Normalize:
    """Per-channel ``(x - mean[c]) / std[c]`` of a float tensor image (..., C, H, W).

    ``mean`` and ``std`` are converted to the tensor's dtype first, as in
    torchvision. Out of place (and differentiable) unless ``inplace=True``.

    Raises:
        TypeError: the input is not a float Tensor.
        ValueError: fewer than 3 dims, or a ``std`` of zero.

    Example:
        >>> import tinygrad_cnn as tg
        >>> Normalize((0.5,), (0.25,))(tg.tensor([[[0.0, 0.5, 1.0]]]))
        tensor([[[-2.,  0.,  2.]]])
    """

    def __init__(self, mean, std, inplace=False):
        self.mean, self.std, self.inplace = mean, std, inplace

    def __call__(self, tensor):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
        if tensor.dtype.kind != "f":
            raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
        if tensor.ndim < 3:
            raise ValueError("Expected tensor to be a tensor image of size (..., C, H, W). "
                             f"Got tensor.size() = {tuple(tensor.shape)}")
        mean = np.asarray(self.mean, dtype=tensor.dtype).reshape(-1, 1, 1)  # (C, 1, 1)
        std = np.asarray(self.std, dtype=tensor.dtype).reshape(-1, 1, 1)    # (C, 1, 1)
        if (std == 0).any():
            raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, "
                             "leading to division by zero.")
        if not self.inplace:
            return (tensor - from_numpy(mean)) / from_numpy(std)
        if tensor.requires_grad:
            raise RuntimeError("Normalize(inplace=True): cannot change a tensor that requires grad "
                               "in place; use inplace=False")
        np.subtract(tensor._data, mean, out=tensor._data)
        np.divide(tensor._data, std, out=tensor._data)
        return tensor

    def __repr__(self):
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


class Lambda:
    """Apply a user function as a transform.

    Example:
        >>> Lambda(lambda label: label % 2)(7)
        1
    """

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, image):
        return self.lambd(image)

    def __repr__(self):
        return f"{type(self).__name__}()"


# ----- geometry: (H, W) are axes (0, 1) of an array image, the last two of a tensor image

def _height_width(image):
    if isinstance(image, Tensor):
        return tuple(image.shape[-2:])
    return tuple(np.asarray(image).shape[:2])


def _crop(image, top, left, height, width):
    if isinstance(image, Tensor):
        return image[..., top:top + height, left:left + width]
    return np.asarray(image)[top:top + height, left:left + width]


def _flip(image, axis_name):
    if isinstance(image, Tensor):
        return image.flip(-1 if axis_name == "width" else -2)
    array = np.asarray(image)
    return (array[:, ::-1] if axis_name == "width" else array[::-1]).copy()


def _parse_padding(padding):
    """int or 1/2/4 numbers -> (left, top, right, bottom), torchvision's order."""
    if isinstance(padding, numbers.Integral):
        return (int(padding),) * 4
    if not isinstance(padding, (tuple, list)) or not all(isinstance(p, numbers.Integral) for p in padding):
        raise TypeError(f"Got inappropriate padding arg: {padding!r}")
    if len(padding) == 1:
        return (int(padding[0]),) * 4
    if len(padding) == 2:
        horizontal, vertical = padding
        return int(horizontal), int(vertical), int(horizontal), int(vertical)
    if len(padding) == 4:
        return tuple(int(p) for p in padding)
    raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple")


def _pad(image, padding, fill, padding_mode):
    left, top, right, bottom = _parse_padding(padding)
    if isinstance(image, Tensor):
        if padding_mode == "constant":
            return tensor_pad(image, (left, right, top, bottom), value=fill)  # differentiable
        if image.requires_grad:
            raise RuntimeError(f"Pad(padding_mode={padding_mode!r}) on a tensor that requires grad "
                               "is not differentiable here; use padding_mode='constant'")
        widths = [(0, 0)] * (image.ndim - 2) + [(top, bottom), (left, right)]
        return from_numpy(np.pad(image._data, widths, mode=padding_mode))
    array = np.asarray(image)
    widths = [(top, bottom), (left, right)] + [(0, 0)] * (array.ndim - 2)
    if padding_mode == "constant":
        return np.pad(array, widths, mode="constant", constant_values=fill)
    return np.pad(array, widths, mode=padding_mode)


class Pad:
    """Pad the borders of an image.

    Args:
        padding: int (all sides), (left/right, top/bottom) or (left, top, right, bottom).
        fill: the value for ``padding_mode='constant'``.
        padding_mode: ``'constant'``, ``'edge'``, ``'reflect'`` or ``'symmetric'``.

    Example:
        >>> import numpy as np
        >>> Pad((1, 0))(np.array([[5, 6]], np.uint8))
        array([[0, 5, 6, 0]], dtype=uint8)
    """

    def __init__(self, padding, fill=0, padding_mode="constant"):
        _parse_padding(padding)
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"Padding mode should be either constant, edge, reflect or symmetric, "
                             f"got {padding_mode!r}")
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def __call__(self, image):
        return _pad(image, self.padding, self.fill, self.padding_mode)

    def __repr__(self):
        return f"{type(self).__name__}(padding={self.padding}, fill={self.fill}, padding_mode={self.padding_mode})"


class RandomHorizontalFlip:
    """Mirror the image left-right with probability ``p`` (one draw from the global generator).

    Example:
        >>> import numpy as np
        >>> RandomHorizontalFlip(p=1.0)(np.array([[1, 2, 3]]))
        array([[3, 2, 1]])
    """

    axis_name = "width"

    def __init__(self, p=0.5):
        self.p = p

    def __call__(self, image):
        if _random.numpy_generator().random() < self.p:
            return _flip(image, self.axis_name)
        return image

    def __repr__(self):
        return f"{type(self).__name__}(p={self.p})"


class RandomVerticalFlip(RandomHorizontalFlip):
    """Mirror the image top-bottom with probability ``p``.

    Example:
        >>> import numpy as np
        >>> RandomVerticalFlip(p=1.0)(np.array([[1], [2]])).tolist()
        [[2], [1]]
    """

    axis_name = "height"


class RandomCrop:
    """Cut a ``size`` window at a random position (after optional padding).

    Args:
        size: int (square) or (height, width) of the window.
        padding: padding applied first, as in ``Pad``; None for none.
        pad_if_needed: pad an image smaller than ``size`` up to it.
        fill, padding_mode: as in ``Pad``.

    The top row, then the left column, are drawn uniformly from the global generator.

    Example:
        >>> import numpy as np, tinygrad_cnn as tg
        >>> _ = tg.manual_seed(0)
        >>> RandomCrop(28, padding=4)(np.ones((28, 28), np.uint8)).shape
        (28, 28)
    """

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant"):
        if isinstance(size, numbers.Integral):
            size = (int(size), int(size))
        elif len(size) == 1:
            size = (int(size[0]), int(size[0]))
        elif len(size) != 2:
            raise ValueError("Please provide only two dimensions (h, w) for size.")
        if padding is not None:
            _parse_padding(padding)
        self.size = tuple(int(s) for s in size)
        self.padding, self.pad_if_needed = padding, pad_if_needed
        self.fill, self.padding_mode = fill, padding_mode

    def __call__(self, image):
        if self.padding is not None:
            image = _pad(image, self.padding, self.fill, self.padding_mode)
        crop_height, crop_width = self.size
        height, width = _height_width(image)
        if self.pad_if_needed and width < crop_width:
            image = _pad(image, (crop_width - width, 0), self.fill, self.padding_mode)
        if self.pad_if_needed and height < crop_height:
            image = _pad(image, (0, crop_height - height), self.fill, self.padding_mode)
        height, width = _height_width(image)
        if height < crop_height or width < crop_width:
            raise ValueError(f"Required crop size {(crop_height, crop_width)} is larger than "
                             f"input image size {(height, width)}")
        rng = _random.numpy_generator()
        top = int(rng.integers(0, height - crop_height + 1))
        left = int(rng.integers(0, width - crop_width + 1))
        return _crop(image, top, left, crop_height, crop_width)

    def __repr__(self):
        return f"{type(self).__name__}(size={self.size}, padding={self.padding})"
