"""Teaching tools: the exercises of the CNN chapter, runnable and checked.

* `summary`: per-layer output shapes, parameters, MACs, LeCun's connections and activations
  (exercise 5-4: the cost of a convolution layer and of a 1×1 bottleneck);
* `conv_as_matrix` / `conv_transpose_as_matrix`: a convolution as the sparse
  matrix M of ``z = M · vec(X)``, and back-propagation as Mᵀ (exercises 5-5, 5-7);
* `conv_full`, `cross_correlate`, `cross_correlate_full`, `rot180`: the wide
  convolution and why it commutes (exercise 5-2);
* `same_padding`, `conv_output_size`: the size arithmetic (exercise 5-8);
* `explain_backward`: the textbook's backward steps for every layer of the
  chapter (conv, max/avg pooling, trainable subsampling, fully connected,
  softmax + cross-entropy), with real numbers, checked against autograd, as a
  `BackwardSteps` sequence that renders as text, Markdown and HTML;
* `conv1d`, `conv2d`: narrow, wide and same convolution (exercise 5-2);
* `exercises`: problems to solve in code, and `check` to mark an answer.

docs/exercises.md works the exercises with these tools.
"""
from .conv_matrix import (
    conv_as_matrix, conv_full, conv_output_size, conv_transpose_as_matrix, cross_correlate,
    cross_correlate_full, rot180, same_padding,
)
from . import exercises
from .conv_variants import conv1d, conv2d
from .exercises import check
from .explain import explain_backward
from .steps import BackwardSteps, Step
from .summary import LayerRow, ModelSummary, summary

__all__ = [
    "BackwardSteps", "LayerRow", "ModelSummary", "Step", "check", "conv1d", "conv2d",
    "conv_as_matrix", "conv_full", "conv_output_size", "conv_transpose_as_matrix",
    "cross_correlate", "cross_correlate_full", "exercises", "explain_backward", "rot180",
    "same_padding", "summary",
]
