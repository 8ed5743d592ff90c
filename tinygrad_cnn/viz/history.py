"""`GradientHistory`: ‖δ‖ per layer recorded during training, for the explorer's second tab.

The lesson it makes visible is the vanishing (or exploding) gradient: with
sigmoids, ‖δ‖ of the first layers is orders of magnitude below the last
layers' and stays there; with ReLU it is not. Record every few steps::

    history = viz.GradientHistory()
    for step, (x, y) in enumerate(loader):
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        keep = history.wants(step)              # every `every`-th step
        loss.backward(retain_graph=keep)        # keep δ on the graph only then
        if keep:
            history.record(step, loss, model)
        optimizer.step()

``retain_graph=True`` changes no gradient; it only keeps them on the graph
long enough to be read.
"""
from .analysis import delta_norms


class GradientHistory:
    """‖δ‖ per layer at chosen training steps.

    ``steps`` lists the steps recorded; ``norms`` maps each layer (module path,
    or op name outside any module) to one ‖δ‖ per recorded step (None where
    the layer got no δ). A layer with several ops (a conv and its ReLU in one
    module) keeps the δ at its first op from the loss side, i.e. at the
    layer's output.

    >>> import tinygrad_cnn as tg
    >>> from tinygrad_cnn import nn
    >>> _ = tg.manual_seed(0)
    >>> model = nn.Sequential(nn.Linear(3, 4), nn.Sigmoid(), nn.Linear(4, 2))
    >>> history = GradientHistory(every=2)
    >>> for step in range(4):
    ...     loss = model(tg.randn(5, 3)).pow(2).mean()
    ...     keep = history.wants(step)
    ...     loss.backward(retain_graph=keep)
    ...     if keep:
    ...         history.record(step, loss, model)
    >>> history.steps, sorted(history.norms)
    ([0, 2], ['0', '1', '2', 'pow'])
    >>> all(v > 0 for v in history.norms["0"])
    True
    """

    def __init__(self, every=10):
        if every < 1:
            raise ValueError(f"GradientHistory: every must be at least 1, got {every}")
        self.every = every
        self.steps = []
        self.norms = {}

    def wants(self, step):
        """True on the steps to record (every ``every``-th, starting at 0)."""
        return step % self.every == 0

    def record(self, step, loss, model=None):
        """Read ‖δ‖ per layer from ``loss``'s graph (after ``backward(retain_graph=True)``)."""
        per_layer = {}
        for row in delta_norms(loss, model):
            if row["delta_norm"] is not None and row["layer"] not in per_layer:
                per_layer[row["layer"]] = row["delta_norm"]
        for layer in per_layer:
            if layer not in self.norms:
                self.norms[layer] = [None] * len(self.steps)
        self.steps.append(int(step))
        for layer, values in self.norms.items():
            values.append(per_layer.get(layer))

    def as_dict(self):
        """``{"steps": [...], "norms": {layer: [...]}}``, the JSON the explorer embeds."""
        return {"steps": list(self.steps), "norms": {k: list(v) for k, v in self.norms.items()}}
