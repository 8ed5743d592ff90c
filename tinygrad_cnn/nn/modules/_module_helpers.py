"""Helpers of `Module` that are not its methods: checking a name before it is
registered, telling a dtype name from a device name in ``Module.to``, naming
the layer an op's error came through, and indenting a child's repr."""
from ...dtypes import to_dtype


def _addindent(text, spaces):
    """Indent every line of ``text`` but the first (PyTorch's repr helper)."""
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


def _check_name(name, module, what):
    if not isinstance(name, str):
        raise TypeError(f"{what} name should be a string, got {type(name).__name__}")
    if "." in name or name == "":
        raise KeyError(f"{what} name can't be empty or contain '.', got '{name}'")
    if name not in module._parameters and name not in module._buffers \
            and name not in module._modules and hasattr(module, name):
        raise KeyError(f"attribute '{name}' already exists")


def _is_dtype_name(text):
    try:
        to_dtype(text)
        return True
    except TypeError:
        return False


def _name_module_in(error, module):
    """Prefix an op's error with the path of modules it came through, outermost
    first, and the innermost module's own repr, so the message says which layer
    of the model got the bad input: ``Sequential[3] (Linear(in_features=784, …)): …``."""
    trail = getattr(error, "_module_trail", None)
    if trail is None:
        error._module_trail = trail = []
        error._op_message = str(error.args[0]) if error.args else ""
    trail.insert(0, module)
    path = type(trail[0]).__name__
    for parent, child in zip(trail, trail[1:]):
        name = next((n for n, m in parent._modules.items() if m is child), "?")
        path += f"[{name}]" if name.isdigit() else f".{name}"
    innermost = trail[-1]
    own = f"{innermost._get_name()}({innermost.extra_repr()})"
    error.args = (f"{path} ({own}): {error._op_message}",) + tuple(error.args[1:])
