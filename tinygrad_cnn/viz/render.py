"""Writing drawings to files: `save` (DOT text), `render` (SVG, PNG, PDF) and `Drawing`.

`viz.draw` returns a `Drawing`: a `graphviz.Digraph` that also holds its δ-map
images in memory (PNG bytes). `render` writes those images into a temporary
folder only while Graphviz's ``dot`` runs, then removes it; an SVG gets them
embedded as ``data:`` URIs, a PNG or PDF has them drawn in. So every file it
writes stands alone, and nothing is left behind. In a notebook a `Drawing`
shows itself as that SVG (`Drawing._repr_svg_`).
"""
import base64
import html
import os
import re
import shutil
import subprocess
import tempfile

INSTALL_HINT = (
    "Graphviz's 'dot' program was not found on PATH; it is needed to render SVG, PNG or PDF. "
    "Install it with your system's package manager: 'sudo apt-get install graphviz' "
    "(Debian/Ubuntu), 'sudo dnf install graphviz' (Fedora), 'brew install graphviz' (macOS), "
    "'conda install -c conda-forge graphviz' or 'choco install graphviz' (Windows); "
    "see https://graphviz.org/download/. Without it, save the DOT text with viz.save(dot, 'graph.dot').")


def make_drawing(**attributes):
    """A new `Drawing`: a `graphviz.Digraph` with in-memory images."""
    return _drawing_class()(**attributes)


_CLASSES = {}       # the Drawing class, made once graphviz is imported (it is optional)


def _drawing_class():
    if "Drawing" not in _CLASSES:
        import graphviz

        class Drawing(graphviz.Digraph):
            """A `graphviz.Digraph` from `viz.draw`, with its δ-map images in memory.

            ``images`` maps each file name used in an ``<IMG SRC=…>`` of the
            DOT text to its PNG bytes. ``_repr_svg_`` renders it (images
            embedded) so a Jupyter notebook shows it inline.
            """

            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.images = {}

            def svg(self):
                """The drawing as SVG text, images embedded (needs Graphviz's ``dot``)."""
                with tempfile.TemporaryDirectory(prefix="tinygrad_cnn_svg_") as folder:
                    path = render(self, os.path.join(folder, "drawing.svg"))
                    with open(path, encoding="utf-8") as f:
                        return f.read()

            def _repr_svg_(self):
                try:
                    return self.svg()
                except RuntimeError:          # no Graphviz: the notebook shows the text repr
                    return None

            def _repr_mimebundle_(self, include=None, exclude=None, **_):
                try:
                    return {"image/svg+xml": self.svg()}
                except RuntimeError as error:  # no Graphviz: say so, and how to install it
                    return {"text/plain": str(error)}

        _CLASSES["Drawing"] = Drawing
    return _CLASSES["Drawing"]


def save(dot, path):
    """Write the DOT text of ``dot`` (a `graphviz.Digraph` or a string) to ``path``.

    Needs no Graphviz installation; open the file with any DOT viewer, or
    run ``dot -Tsvg path -o graph.svg`` later. A drawing with δ maps also
    writes its PNG images next to ``path`` (the names its DOT text uses).
    Returns ``path``.

    >>> import os, pathlib, tempfile, tinygrad_cnn as tg
    >>> from tinygrad_cnn import viz
    >>> x = tg.tensor([1.0, 2.0], requires_grad=True)
    >>> path = os.path.join(tempfile.mkdtemp(), "graph.dot")
    >>> _ = viz.save(viz.draw((x * x).sum()), path)
    >>> pathlib.Path(path).read_text(encoding="utf-8").startswith("digraph tinygrad_cnn {")
    True
    """
    path = os.fspath(path)
    source = dot.source if hasattr(dot, "source") else str(dot)
    with open(path, "w", encoding="utf-8") as f:
        f.write(source)
    _write_images(getattr(dot, "images", {}), os.path.dirname(os.path.abspath(path)))
    return path


def _write_images(images, folder):
    for name, data in images.items():
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)


def render(dot, path, dpi=None):
    """Render ``dot`` to ``path``; the format comes from the extension:
    ``.svg``, ``.png``, ``.pdf`` (these need Graphviz's ``dot`` program) or
    ``.dot`` / ``.gv`` (DOT text, written by `save`). Returns ``path``.

    Without ``dot`` on PATH it raises a `RuntimeError` that says how to install
    Graphviz. In an SVG, the δ-map images are embedded (as data: URIs), so the
    file stands alone; no temporary file is left. ``dpi`` sets the resolution
    of a PNG.

    >>> import os, pathlib, tempfile, tinygrad_cnn as tg
    >>> from tinygrad_cnn import viz
    >>> x = tg.tensor([1.0, 2.0], requires_grad=True)
    >>> loss = (x * x).sum(); loss.backward(retain_graph=True)
    >>> path = os.path.join(tempfile.mkdtemp(), "g.svg")
    >>> try:
    ...     _ = viz.render(viz.draw(loss), path)
    ... except RuntimeError as error:          # Graphviz is not installed
    ...     print("apt-get install graphviz" in str(error))
    ... else:
    ...     print("δ" in pathlib.Path(path).read_text(encoding="utf-8"))
    True
    """
    path = os.path.abspath(os.fspath(path))
    fmt = os.path.splitext(path)[1].lower().lstrip(".")
    if fmt in ("dot", "gv"):
        return save(dot, path)
    if fmt not in ("svg", "png", "pdf"):
        raise ValueError(f"render: cannot tell the format from {path!r}; "
                         "use a name ending in .svg, .png, .pdf or .dot")
    program = shutil.which("dot")
    if program is None:
        raise RuntimeError(INSTALL_HINT)
    source = dot.source if hasattr(dot, "source") else str(dot)
    command = [program, f"-T{fmt}", "-o", path]
    if dpi is not None:
        command.insert(1, f"-Gdpi={int(dpi)}")
    with tempfile.TemporaryDirectory(prefix="tinygrad_cnn_maps_") as folder:
        # the DOT text names its images by file name alone: dot reads them from its cwd
        _write_images(getattr(dot, "images", {}), folder)
        result = subprocess.run(command, input=source.encode("utf-8"), capture_output=True,
                                cwd=folder)
        if result.returncode != 0:
            raise RuntimeError(f"render: Graphviz 'dot' failed (exit {result.returncode}): "
                               + result.stderr.decode("utf-8", "replace").strip())
        if fmt == "svg":
            _embed_images(path, folder)
    return path


def _embed_images(svg_path, folder):
    """Replace file references to PNG images in an SVG by data: URIs."""
    with open(svg_path, encoding="utf-8") as f:
        text = f.read()

    def inline(match):
        file = os.path.join(folder, html.unescape(match.group(2)))
        if not os.path.isfile(file):
            return match.group(0)
        with open(file, "rb") as image:
            encoded = base64.b64encode(image.read()).decode("ascii")
        return f'{match.group(1)}="data:image/png;base64,{encoded}"'

    embedded = re.sub(r'(xlink:href|href)="([^"]+\.png)"', inline, text)
    if embedded != text:
        with open(svg_path, "w", encoding="utf-8") as f:
            f.write(embedded)
