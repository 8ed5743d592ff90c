"""`Step` and `BackwardSteps`: what `explain_backward` returns, and how it is shown.

A `BackwardSteps` is a sequence of `Step`s, in the order the textbook takes
them. Each step names the rule it applies (as text and as LaTeX), holds its
array, optionally the per-entry equations behind it, and says whether it was
checked against the autograd engine. The sequence is iterated and indexed
like a list (``steps[0]``, ``for step in steps``), and a step's array is also
reached by its name (``steps["delta_prev"]``). It renders as text
(``str(steps)``), Markdown with ``$…$`` math (``steps.to_markdown()``) and
HTML (``_repr_html_``, which Jupyter shows).
"""
import html
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


def format_array(array, indent="    "):
    """An array as indented lines of text, 4 decimals.

    >>> format_array(np.array([[1.0, 0.5], [2.0, 1 / 3]]))
    ['    [[1.     0.5   ]', '     [2.     0.3333]]']
    """
    body = np.array2string(np.asarray(array), precision=4, suppress_small=True,
                           floatmode="maxprec", separator=" ")
    return [indent + line for line in body.splitlines()]


def _latex_number(value):
    text = np.format_float_positional(float(value), precision=4, trim="-")
    return "0" if text == "-0" else text


def latex_array(array):
    r"""A scalar, vector or matrix as LaTeX (bmatrix); None for larger arrays.

    >>> print(latex_array(np.array([[1.0, -0.5], [0.0, 2.0]])))
    \begin{bmatrix}1 & -0.5 \\ 0 & 2\end{bmatrix}
    """
    array = np.asarray(array)
    if array.ndim == 0:
        return _latex_number(array)
    if array.ndim == 1:
        array = array[None]
    if array.ndim != 2 or array.shape[0] > 12 or array.shape[1] > 12:
        return None
    rows = [" & ".join(_latex_number(v) for v in row) for row in array]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


@dataclass
class Step:
    """One step of a backward pass.

    ``title`` is the rule in plain text, ``math`` the same rule in LaTeX;
    ``value`` its array (None for a step that only states equations);
    ``labels`` names the leading axes of ``value`` when it holds several maps
    (``("p",)`` for filters, ``("d",)`` for input channels, ``("p", "d")`` for
    a kernel stack); ``equations`` are per-entry equations as (text, LaTeX)
    pairs; ``checked`` is True when the value matched the engine (``mark``
    says how: its backward, or its forward for a value the forward keeps),
    None when the step is an intermediate the engine never forms.
    """

    name: str
    title: str
    math: str = ""
    value: object = None
    labels: tuple = ()
    equations: list = field(default_factory=list)
    checked: object = None
    note: str = ""
    mark: str = "✓ matches autograd"

    def _blocks(self):
        """(label, map) pairs: the last two axes are a map, the axes before them
        are named by ``labels`` (a map per filter / channel); size-1 axes drop."""
        value = np.asarray(self.value)
        count = min(len(self.labels), max(value.ndim - 2, 0))
        names = self.labels[:count]
        lead = value.shape[:count]
        if count == 0 or all(n == 1 for n in lead):
            return [("", value.reshape(value.shape[count:]))]
        return [(", ".join(f"{name}={i}" for name, i in zip(names, index)), value[index])
                for index in np.ndindex(*lead)]

    def to_text(self, number=None):
        head = f"step {number}  {self.title}" if number is not None else self.title
        lines = [head]
        if self.value is not None:
            for label, block in self._blocks():
                if label:
                    lines.append(f"  {label}:")
                lines += format_array(block)
        lines += ["    " + text for text, _ in self.equations]
        if self.checked:
            lines.append(f"    {self.mark}")
        if self.note:
            lines.append(f"    ({self.note})")
        return "\n".join(lines)

    def to_markdown(self, number=None):
        math = f"${self.math}$" if self.math else self.title
        head = f"**Step {number}.** {math}" if number is not None else math
        lines = [head, ""]
        if self.value is not None:
            for label, block in self._blocks():
                latex = latex_array(block)
                prefix = f"{label}: " if label else ""
                if latex is None:
                    lines += [prefix, "```text", *format_array(block, ""), "```", ""]
                else:
                    lines += [f"{prefix}$${latex}$$", ""]
        for text, latex in self.equations:
            lines.append(f"- ${latex}$" if latex else f"- {text}")
        if self.equations:
            lines.append("")
        if self.checked:
            lines += [self.mark, ""]
        if self.note:
            lines += [f"*{self.note}*", ""]
        return "\n".join(lines)

    def to_html(self, number=None):
        parts = [f"<b>{'' if number is None else f'step {number}'}</b> "
                 f"{html.escape(self.title)}"]
        if self.value is not None:
            for label, block in self._blocks():
                text = "\n".join(format_array(block, ""))
                parts.append(f"<div>{html.escape(label)}</div>" if label else "")
                parts.append(f"<pre>{html.escape(text)}</pre>")
        if self.equations:
            parts.append("<ul>" + "".join(f"<li><code>{html.escape(text)}</code></li>"
                                          for text, _ in self.equations) + "</ul>")
        if self.checked:
            parts.append(f'<span style="color:green">{html.escape(self.mark)}</span>')
        if self.note:
            parts.append(f"<div><i>{html.escape(self.note)}</i></div>")
        return "".join(parts)


class BackwardSteps(Sequence):
    """The steps `explain_backward` took, in order, with the engine's answers.

    ``steps[i]`` is the i-th `Step` (a slice gives a list); ``steps["name"]``
    is the array called ``name`` (every step's, plus the given ones such as
    ``"z"`` and ``"delta"``); ``steps.autograd`` holds the engine's gradients
    the steps were checked against; ``steps.kind`` says which layer.

    >>> steps = BackwardSteps("demo", header="a demo")
    >>> steps.add(Step("twice", "2·x", r"2x", np.array([2.0, 4.0]), checked=True))
    >>> len(steps), steps[0].name, steps["twice"], [s.name for s in steps]
    (1, 'twice', array([2., 4.]), ['twice'])
    >>> print(steps)
    a demo
    step 1  2·x
        [2. 4.]
        ✓ matches autograd
    """

    def __init__(self, kind, header="", given=None):
        self.kind = kind
        self.header = header
        self.given = []                  # Steps shown before the numbered ones (z, δ)
        self._steps = []
        self.values = {}                 # every named array, given or computed
        self.autograd = {}
        for step in given or []:
            self.add_given(step)

    def add_given(self, step):
        self.given.append(step)
        self.values[step.name] = step.value

    def add(self, step):
        self._steps.append(step)
        if step.value is not None:
            self.values[step.name] = step.value

    def __len__(self):
        return len(self._steps)

    def __getitem__(self, key):
        if isinstance(key, str):
            if key not in self.values:
                raise KeyError(f"{key!r}: this {self.kind} explanation has the arrays "
                               f"{sorted(self.values)}; index by number for the steps")
            return self.values[key]
        return self._steps[key]

    def __contains__(self, item):
        return item in self.values if isinstance(item, str) else item in self._steps

    def step(self, name):
        """The `Step` called ``name`` (the last one, if several)."""
        for step in reversed(self._steps):
            if step.name == name:
                return step
        raise KeyError(f"{name!r}: the steps are {[s.name for s in self._steps]}")

    @property
    def checks(self):
        """Names of the steps that matched the engine."""
        return [step.name for step in self._steps if step.checked]

    def to_text(self):
        lines = [self.header] if self.header else []
        lines += [step.to_text() for step in self.given]
        lines += [step.to_text(number) for number, step in enumerate(self._steps, 1)]
        return "\n".join(lines)

    def to_markdown(self):
        parts = [f"**{self.header}**", ""] if self.header else []
        parts += [step.to_markdown() for step in self.given]
        parts += [step.to_markdown(number) for number, step in enumerate(self._steps, 1)]
        return "\n".join(parts)

    def __str__(self):
        return self.to_text()

    def __repr__(self):
        return f"<BackwardSteps {self.kind}: {len(self)} steps, {len(self.checks)} checked>"

    def _repr_markdown_(self):
        return self.to_markdown()

    def _repr_html_(self):
        items = "".join(f"<li>{step.to_html(number)}</li>"
                        for number, step in enumerate(self._steps, 1))
        given = "".join(f"<div>{step.to_html()}</div>" for step in self.given)
        return (f"<div><p><b>{html.escape(self.header)}</b></p>{given}"
                f"<ol style='list-style:none;padding-left:0'>{items}</ol></div>")


def check_step(step, engine, rtol=1e-7, atol=1e-9, mark=None):
    """Mark ``step`` checked if its value equals the engine's; raise if not.

    >>> check_step(Step("x", "x", value=1.0), 1.0).checked
    True
    """
    if not np.allclose(step.value, engine, rtol=rtol, atol=atol):
        raise AssertionError(f"explain_backward: step '{step.name}' disagrees with autograd:\n"
                             f"formula:\n{step.value}\nautograd:\n{engine}")
    step.checked = True
    if mark:
        step.mark = mark
    return step
