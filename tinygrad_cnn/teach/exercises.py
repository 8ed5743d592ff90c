"""Exercises a student solves in code, and `check`, which marks an answer with a hint.

The chapter's exercises (5-2, 5-4, 5-5, 5-8) and the course notes'
"implement it" tasks (the backward of a convolution, of max and average
pooling, of LeNet-5's S2, of a fully connected layer, softmax with
cross-entropy) as problems: each `Exercise` says what to write, and
``check(exercise, answer)`` runs the answer on random and edge cases (stride,
padding, ties, several channels), compares it with the autograd engine, and
answers with a specific hint ("did you rotate the kernel?", "did you insert
zeros for stride 2?", which entry is wrong) instead of only pass/fail.

No solution is in the package: the checker's expected values come from the
engine (``F.conv2d`` … and ``backward``), and the tests hold the reference
solutions. ``tinygrad-cnn exercises`` lists the problems.

>>> from tinygrad_cnn.teach import exercises
>>> [exercise.id for exercise in exercises.EXERCISES][:2]
['conv_backward_input', 'conv_backward_weight']
>>> def output_size(size, kernel_size, stride=1, padding=0, dilation=1):
...     return (size + 2 * padding - kernel_size) // stride + 1        # dilation forgotten
>>> print(exercises.check("conv_output_size", output_size))
not yet: case 'dilation 2' ... gives 8, expected 6. Hint: did you use the dilated kernel's span D·(K-1)+1 instead of K?
"""
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Exercise:
    """One problem. ``answer`` says what to hand to `check`: a function
    (``signature`` is how it is called) or a value. ``cases`` are
    ``(label, args, kwargs, expected)`` tuples, built by ``make_cases`` from the
    engine; ``diagnose(case, got, expected)`` names the likely mistake."""

    id: str
    source: str
    title: str
    statement: str
    answer: str = "function"             # "function" or "value"
    signature: str = ""
    make_cases: object = None
    diagnose: object = None
    compare: object = None               # compare(got, expected) -> bool; default allclose
    praise: object = None                # praise(got, expected) -> a remark on a pass
    cases_cache: list = field(default_factory=list, repr=False)

    def cases(self):
        if not self.cases_cache:
            self.cases_cache.extend(self.make_cases())
        return self.cases_cache

    def __str__(self):
        head = f"{self.id}  ({self.source}) {self.title}"
        call = f"\n\n    {self.signature}" if self.signature else ""
        return f"{head}{call}\n\n{self.statement}"


@dataclass
class CheckResult:
    """What `check` found. True in a boolean context when the answer passed."""

    passed: bool
    message: str
    case: str = ""
    hint: str = ""

    def __bool__(self):
        return self.passed

    def __str__(self):
        return self.message


def _as_array(value):
    if isinstance(value, tuple):
        return tuple(_as_array(v) for v in value)
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return value


def allclose(got, expected):
    """Equal shapes and values (float64, rtol 1e-6); tuples compared item by item.

    >>> allclose([1.0, 2.0], np.array([1.0, 2.0])), allclose((1.0,), (1.0, 2.0))
    (True, False)
    """
    if isinstance(expected, tuple):
        return isinstance(got, tuple) and len(got) == len(expected) and all(
            allclose(g, e) for g, e in zip(got, expected))
    got = _as_array(got)
    return isinstance(got, np.ndarray) and got.shape == np.shape(expected) and bool(
        np.allclose(got, expected, rtol=1e-6, atol=1e-8))


def first_wrong_entry(got, expected):
    """Which entries differ, naming the first, or a shape message.

    >>> first_wrong_entry(np.array([1.0, 5.0]), np.array([1.0, 3.0]))
    '1 of 2 entries differ; the first is (1,) (0-based): yours 5, expected 3'
    """
    got = _as_array(got)
    if not isinstance(got, np.ndarray):
        return f"your answer is a {type(got).__name__}, expected an array of shape {expected.shape}"
    if got.shape != expected.shape:
        return f"your result has shape {got.shape}, expected {expected.shape}"
    wrong = np.argwhere(~np.isclose(got, expected, rtol=1e-6, atol=1e-8))
    index = tuple(int(i) for i in wrong[0])
    return (f"{len(wrong)} of {expected.size} entries differ; the first is {index} (0-based): "
            f"yours {got[index]:g}, expected {expected[index]:g}")


def _describe(got):
    if isinstance(got, (int, float, np.integer, np.floating)):
        return f"{got:g}" if isinstance(got, (float, np.floating)) else f"{got}"
    return repr(got)


def check(exercise, answer):
    """Run ``answer`` on every case of ``exercise`` (an id or an `Exercise`) and
    compare with the engine. Returns a `CheckResult`: passed, or the first
    failing case with a hint.

    >>> print(check("softmax_cross_entropy_delta", lambda logits, target: logits))
    not yet: case 'one sample' ... Hint: δ = softmax(z) − onehot(y): did you apply the softmax?
    """
    exercise = get(exercise)
    compare = exercise.compare or allclose
    for label, args, kwargs, expected in exercise.cases():
        if exercise.answer == "function":
            try:
                got = answer(*args, **kwargs)
            except Exception as error:                      # a student's bug, reported as such
                return CheckResult(False, f"not yet: case {label!r}: your function raised "
                                   f"{type(error).__name__}: {error}", label,
                                   "read the error; the case's arguments are "
                                   f"{_shapes(args, kwargs)}")
        else:
            got = answer
        if compare(got, expected):
            continue
        hint = exercise.diagnose(label, args, kwargs, got, expected) if exercise.diagnose else ""
        if isinstance(expected, np.ndarray) and not hint:
            hint = first_wrong_entry(got, expected)
        shown = "" if isinstance(expected, (np.ndarray, tuple, dict)) else \
            f" gives {_describe(got)}, expected {_describe(expected)}."
        arguments = f" ({_shapes(args, kwargs)})" if args or kwargs else ""
        return CheckResult(False, f"not yet: case {label!r}{arguments}{shown} Hint: {hint}",
                           label, hint)
    count = len(exercise.cases())
    remark = f" ({exercise.praise(got, expected)})" if exercise.praise else ""
    return CheckResult(True, f"correct: {exercise.id} passes all {count} cases{remark}", "", "")


def _shapes(args, kwargs):
    def show(value):
        return f"array{tuple(np.shape(value))}" if isinstance(value, np.ndarray) else repr(value)
    parts = [show(v) for v in args] + [f"{k}={show(v)}" for k, v in kwargs.items()]
    return ", ".join(parts)


def _registry():
    from .exercises_conv import CONV_EXERCISES
    from .exercises_layers import LAYER_EXERCISES
    return CONV_EXERCISES + LAYER_EXERCISES


EXERCISES = _registry()


def get(exercise):
    """The `Exercise` with this id (an `Exercise` is returned as it is).

    >>> get("same_padding_5_8").signature
    'same_padding(kernel_size, dilation)'
    """
    if isinstance(exercise, Exercise):
        return exercise
    for candidate in EXERCISES:
        if candidate.id == exercise:
            return candidate
    raise KeyError(f"no exercise {exercise!r}; the exercises are "
                   f"{', '.join(e.id for e in EXERCISES)}")


def answer_name(exercise):
    """The name a solution file defines: the function's name, or ``answer`` for a value.

    >>> answer_name("max_pool_backward"), answer_name("conv_matrix_5_5")
    ('max_pool_backward', 'answer')
    """
    exercise = get(exercise)
    return exercise.signature.split("(")[0] if exercise.answer == "function" else "answer"


def listing():
    """One line per exercise: id, source, title.

    >>> listing().splitlines()[2]
    'conv_matrix_5_5              exercise 5-5      a convolution as a 4×9 matrix'
    """
    width = max(len(e.id) for e in EXERCISES)
    return "\n".join(f"{e.id.ljust(width)}  {e.source:<16}  {e.title}" for e in EXERCISES)
