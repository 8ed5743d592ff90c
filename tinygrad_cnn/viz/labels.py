"""The words of every drawing: safe text, short layer titles, and which derivative a label shows.

* `safe_text` — any name, however hostile, as plain printable text: control
  characters (``\\x01``, ``\\x0b``, an ANSI escape ``\\x1b[31m``, a name made of
  ``\\t`` and ``\\r`` only) become the visible "control pictures" ␁ ␋ ␛ ␉ ␍,
  and lone surrogates become U+FFFD, so Graphviz (and an HTML page) can always
  show it;
* `html_label_text` / `attribute_text` — that text escaped for a Graphviz
  HTML-like label or for a quoted attribute such as a tooltip: nothing in a
  name can add a node, an edge or an attribute;
* `short_title` — ``MaxPool2d(2)`` instead of PyTorch's full repr, for
  cluster titles (the full repr goes into the tooltip);
* `derivative_symbol` — the one δ convention of the drawings, the explorer,
  the legend and the docs:

  ================================  ==========  ==============================
  what the edge's producer is       label       meaning
  ================================  ==========  ==============================
  a parameter (``conv1.weight``)    ``∂L/∂W``   the gradient of that parameter
                                                (``∂L/∂b`` for a bias)
  an activation op (relu, sigmoid)  ``∂L/∂a``   at the output a = f(z)
  an input of the network           ``∂L/∂x``   at the input
  any other op (conv, linear, pool) ``∂L/∂z``   δ = ∂L/∂z at its output z
  ================================  ==========  ==============================
"""
import html
import unicodedata

#: ops whose output is an activation a = f(z) rather than a net input z
ACTIVATION_OPS = frozenset({
    "relu", "sigmoid", "tanh", "leaky_relu", "elu", "gelu", "silu", "softplus", "relu6",
    "hardtanh", "selu", "mish", "softsign", "prelu", "celu", "hardswish", "hardsigmoid"})
#: modules that only apply an activation: drawn inside the preceding layer's box
ACTIVATION_MODULES = frozenset({
    "ReLU", "Sigmoid", "Tanh", "LeakyReLU", "ELU", "GELU", "SiLU", "Softplus", "ReLU6",
    "Hardtanh", "SELU", "Mish", "Softsign", "PReLU", "CELU", "Hardswish", "Hardsigmoid"})


def safe_text(value):
    r"""``str(value)`` with every control character shown as a visible symbol.

    C0 controls U+0000–U+001F become U+2400–U+241F (␀ … ␟), DEL becomes ␡,
    C1 controls and other unprintable format characters become ``\x85``-style
    text, lone surrogates become �. Printable text is unchanged.

    >>> safe_text("a\x01b\x0bc\x1b[31md")
    'a␁b␋c␛[31md'
    >>> safe_text("\t\r"), safe_text("ok <b>")
    ('␉␍', 'ok <b>')
    >>> safe_text("\x85 \ud800")
    '\\x85 �'
    """
    out = []
    for char in str(value):
        code = ord(char)
        if code < 0x20:
            out.append(chr(0x2400 + code))
        elif code == 0x7F:
            out.append("\u2421")
        elif 0xD800 <= code <= 0xDFFF:
            out.append("\ufffd")
        elif unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def html_label_text(value):
    r"""Escape any text for a Graphviz HTML-like label.

    `safe_text` first, then `html.escape` for ``& < > " '``; Graphviz still
    expands escapes such as ``\N`` (the node's name) inside HTML text, so a
    backslash is doubled.

    >>> print(html_label_text('conv "a" <b> {c} | \\N\x01'))
    conv &quot;a&quot; &lt;b&gt; {c} | \\N␁
    """
    return html.escape(safe_text(value), quote=True).replace("\\", "\\\\")


def attribute_text(value):
    r"""Text for a quoted Graphviz attribute (a tooltip): printable, backslashes
    doubled (so ``\N`` is not expanded), never taken for an HTML label.

    >>> print(attribute_text("<MaxPool2d \\N\x1b>"))
    <MaxPool2d \\N␛>
    """
    import graphviz

    return graphviz.nohtml(safe_text(value).replace("\\", "\\\\"))


def _single(value):
    """(5, 5) -> 5; (1, 2) -> (1, 2); 5 -> 5."""
    if isinstance(value, (tuple, list)) and len(set(value)) == 1:
        return value[0]
    return tuple(value) if isinstance(value, list) else value


def short_title(module):
    """A module's short title: its class and the arguments a reader needs.

    >>> from tinygrad_cnn import nn
    >>> short_title(nn.MaxPool2d(2)), short_title(nn.Conv2d(1, 6, 5, padding=2))
    ('MaxPool2d(2)', 'Conv2d(1, 6, 5, padding=2)')
    >>> short_title(nn.Linear(400, 120)), short_title(nn.ReLU()), short_title(nn.Flatten())
    ('Linear(400, 120)', 'ReLU', 'Flatten')
    """
    name = type(module).__name__
    if hasattr(module, "in_channels") and hasattr(module, "kernel_size"):
        parts = [str(module.in_channels), str(module.out_channels), str(_single(module.kernel_size))]
        for attribute, default in (("stride", 1), ("padding", 0), ("dilation", 1), ("groups", 1)):
            value = _single(getattr(module, attribute, default))
            if value != default and value != (default, default):
                parts.append(f"{attribute}={value}")
        return safe_text(f"{name}({', '.join(parts)})")
    if hasattr(module, "in_features") and hasattr(module, "out_features"):
        return safe_text(f"{name}({module.in_features}, {module.out_features})")
    if "Pool" in name and hasattr(module, "kernel_size"):
        kernel = _single(module.kernel_size)
        parts = [str(kernel)]
        stride = _single(getattr(module, "stride", None))
        if stride not in (None, kernel):
            parts.append(f"stride={stride}")
        padding = _single(getattr(module, "padding", 0))
        if padding not in (0, (0, 0)):
            parts.append(f"padding={padding}")
        return safe_text(f"{name}({', '.join(parts)})")
    if hasattr(module, "p") and name.startswith("Dropout"):
        return safe_text(f"{name}({module.p})")
    return safe_text(name)


def full_title(module):
    """The whole repr of a module (all lines), printable: the tooltip of its box."""
    return safe_text(repr(module))


def derivative_symbol(producer_kind, producer_op=None, name=None):
    """The symbol of the derivative sent back along an edge, by what the producer is.

    ``producer_kind`` is ``'param'``, ``'input'`` or ``'op'`` (then
    ``producer_op`` is the op's name); ``name`` is a parameter's name.

    >>> derivative_symbol("param", name="conv1.weight"), derivative_symbol("param", name="fc3.bias")
    ('∂L/∂W', '∂L/∂b')
    >>> derivative_symbol("op", "relu"), derivative_symbol("op", "conv2d"), derivative_symbol("input")
    ('∂L/∂a', '∂L/∂z', '∂L/∂x')
    """
    if producer_kind == "param":
        # a bias is b; every other parameter (weight, a PReLU slope, a bare
        # tensor with requires_grad) is a W of the textbook
        return "∂L/∂b" if (name or "").rpartition(".")[2] == "bias" else "∂L/∂W"
    if producer_kind == "input":
        return "∂L/∂x"
    if producer_op in ACTIVATION_OPS:
        return "∂L/∂a"
    return "∂L/∂z"


def derivative_label(symbol):
    """How an edge label names its derivative: ``δ = ∂L/∂z`` spelled out, the others as they are.

    >>> derivative_label("∂L/∂z"), derivative_label("∂L/∂W")
    ('δ=∂L/∂z', '∂L/∂W')
    """
    return "δ=∂L/∂z" if symbol == "∂L/∂z" else symbol


def norm_label(symbol):
    """``‖δ‖`` for δ = ∂L/∂z, ``‖∂L/∂W‖`` and so on for the others.

    >>> norm_label("∂L/∂z"), norm_label("∂L/∂a")
    ('‖δ‖', '‖∂L/∂a‖')
    """
    return "‖δ‖" if symbol == "∂L/∂z" else f"‖{symbol}‖"


#: how the symbols are explained, in the legend and in the explorer
DERIVATIVE_MEANINGS = (
    ("∂L/∂z", "δ = ∂L/∂z: the error term at the output z of a conv, linear, pool or other op"),
    ("∂L/∂a", "∂L/∂a: at the output a = f(z) of an activation (relu, sigmoid, …)"),
    ("∂L/∂W", "∂L/∂W, ∂L/∂b: the gradient a parameter receives (never called δ)"),
    ("∂L/∂x", "∂L/∂x: the gradient at the network's input"),
)

