"""The explorer page's script, inlined by `viz.explore` into every page (its style: `viz.explorer_assets`).

Kept as Python strings so the page needs no file besides itself and the
package needs no data files. The script reads the JSON contract
(``<script type="application/json" id="backward-trace">``) and nothing else;
it fetches nothing, so the page works offline from ``file://``.

What the script does, in the words of the docs page (docs/visualizing.md):

* ``step`` counts the nodes processed: -1 before the first, then the index
  into ``trace.order`` (the engine's processing order). Next / Back / Play /
  Reset and the ← → keys change it;
* the node at ``order[step]`` gets class ``current``; the ops before it, and
  the leaves whose every gradient has arrived, get class ``done``;
* a δ edge is ``arrived`` once its consumer has been processed (the consumer
  sends it), ``pending`` before; a node read by several consumers shows the
  running sum ``Σ δ`` of what has arrived so far, then the total;
* ``#node-detail`` shows the current node (or the one clicked).
"""

SCRIPT = r"""
(function () {
  "use strict";
  const trace = JSON.parse(document.getElementById("backward-trace").textContent);
  const historyNode = document.getElementById("training-history");
  const history = historyNode ? JSON.parse(historyNode.textContent) : null;
  const order = trace.order;
  const nodes = new Map(trace.nodes.map(function (n) { return [n.id, n]; }));
  const stepOf = new Map(order.map(function (id, i) { return [id, i]; }));
  const sentBy = new Map();      // consumer id -> edges it sends δ along
  const receivedBy = new Map();  // producer id -> edges its δ arrives along
  trace.edges.forEach(function (e) {
    if (!sentBy.has(e.to)) sentBy.set(e.to, []);
    sentBy.get(e.to).push(e);
    if (!receivedBy.has(e.from)) receivedBy.set(e.from, []);
    receivedBy.get(e.from).push(e);
  });

  const nodeEls = new Map();
  document.querySelectorAll("#graph [data-node]").forEach(function (el) { nodeEls.set(el.dataset.node, el); });
  const edgeEls = [];
  document.querySelectorAll("#graph [data-delta-edge]").forEach(function (el) {
    const parts = el.dataset.deltaEdge.split(">");
    edgeEls.push({ el: el, from: parts[0], to: parts[1] });
  });
  const groupEls = new Map();
  document.querySelectorAll("#graph [data-group]").forEach(function (el) { groupEls.set(el.dataset.group, el); });
  const groupOps = new Map();
  trace.nodes.forEach(function (n) {
    if (n.kind !== "op") return;
    if (!groupOps.has(n.group)) groupOps.set(n.group, []);
    groupOps.get(n.group).push(n.id);
  });

  let step = -1;
  let selected = null;
  let timer = null;
  const panel = document.getElementById("node-detail");
  const status = document.getElementById("status");
  const playButton = document.getElementById("play");

  // ---- small helpers -------------------------------------------------------
  function el(tag, attrs) {
    const node = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    for (let i = 2; i < arguments.length; i++) {
      const child = arguments[i];
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }
  function num(x) { return (x === null || x === undefined) ? "—" : Number(x).toExponential(3); }
  function shape(s) { return s ? "(" + s.join(", ") + (s.length === 1 ? ",)" : ")") : "—"; }
  function label(n) { return n.kind === "leaf" ? n.name : n.op + " (" + n.id + ")"; }
  function arrived(edge) { return stepOf.has(edge.to) && stepOf.get(edge.to) <= step && edge.norm !== null; }
  function normName(symbol) { return symbol === "∂L/∂z" ? "‖δ‖" : "‖" + symbol + "‖"; }

  function routing(info) {
    const box = el("div", null, el("div", { className: "hint", text: "sample 0, one picture per channel: " +
      "black = the position that held the window's maximum (it gets the window's whole δ); " +
      "grey and white squares = the windows (every other position gets 0). Where a whole window is equal " +
      "(often 0 after a ReLU) the tie goes to its first position, top-left" }));
    const grid = el("div", { className: "maps" });
    info.maps.forEach(function (src, i) {
      grid.appendChild(el("img", { src: src, className: "routing", alt: "arg-max of channel " + i,
                                   title: "channel " + i }));
    });
    box.appendChild(grid);
    return box;
  }

  function maps(info, title) {
    if (!info) return null;
    const box = el("div", null, el("div", { className: "hint", text: title }));
    const grid = el("div", { className: "maps" });
    info.maps.forEach(function (src, i) {
      grid.appendChild(el("img", { src: src, className: info.label, alt: info.label + " " + i,
                                   title: info.label + " " + i }));
    });
    box.appendChild(grid);
    const more = info.total > info.maps.length ? " (first " + info.maps.length + " of " + info.total + " shown)" : "";
    box.appendChild(el("div", { className: "scale" },
      el("span", { text: "−" + Number(info.scale).toPrecision(2) }), el("span", { className: "bar" }),
      el("span", { text: "+" + Number(info.scale).toPrecision(2) }),
      el("span", { text: "blue < 0 · white = 0 · red > 0; one scale for all " +
                         (info.label === "channel" ? info.total + " channels" : "values") + more })));
    return box;
  }

  // ---- the side panel ----------------------------------------------------------
  function showNode(id) {
    panel.textContent = "";
    if (id === null) {
      panel.appendChild(el("h2", { text: "Backward, step by step" }));
      panel.appendChild(el("p", { text: "Press Next (or →) to let the engine process the first node: the loss. " +
        "Each step takes the δ that has arrived at one node, applies the node's local rule and " +
        "sends a gradient to each of its inputs. Nodes are processed in the engine's own order (" +
        order.length + " op nodes)." }));
      panel.appendChild(el("p", { className: "hint", text: "Click any box to look at it; the step stays where it is." }));
      return;
    }
    const n = nodes.get(id);
    panel.appendChild(el("h2", null, label(n), " ",
      el("span", { className: "module", text: n.module ? "module " + n.module : (n.kind === "leaf" ? (n.role === "param" ? "parameter" : "input") : "") })));
    const facts = el("dl");
    function fact(name, value, attrs) {
      facts.appendChild(el("dt", { text: name }));
      facts.appendChild(el("dd", Object.assign({ text: value }, attrs || {})));
    }
    if (n.kind === "op") {
      fact("step", (n.step + 1) + " of " + order.length + " in the engine's order" +
           (n.step === step ? " (now)" : n.step < step ? " (done)" : " (to come)"));
    }
    fact("output shape", shape(n.shape));
    if (n.delta) {
      const what = n.kind === "leaf" ? (n.role === "param" ? "∂L/∂W received" : "∂L/∂x received")
                                     : "δ received = ∂L/∂(output)";
      fact(what, normName(n.kind === "leaf" ? (n.role === "param" ? "∂L/∂W" : "∂L/∂x") : "∂L/∂z") +
           " = " + num(n.delta.norm) + ", " + Math.round(100 * n.delta.zero_fraction) + "% zeros",
           { "data-field": "delta-norm", "data-value": String(n.delta.norm) });
      if (n.delta.seed) facts.appendChild(el("dd", { className: "hint", text: "the seed of backward: ∂L/∂L = 1" }));
    } else {
      fact("δ received", "none (nothing that needs a gradient reads it)");
    }
    panel.appendChild(facts);
    if (n.kind === "leaf") {
      const into = receivedBy.get(id) || [];
      into.forEach(function (e) {
        if (e.norm === null) return;
        const consumer = nodes.get(e.to);
        panel.appendChild(el("p", { className: "hint", text: "sent by " + label(consumer) + " at step " +
          (consumer.step + 1) + (arrived(e) ? " — arrived" : " — not yet") }));
      });
    }
    const partial = trace.partials[id];
    if (partial) {
      panel.appendChild(el("h3", { text: "Fan-out: δ adds up over " + partial[0].of + " consumers" }));
      const list = el("ul");
      partial.forEach(function (p) {
        const done = stepOf.get(p.after) <= step;
        list.appendChild(el("li", { text: "after " + label(nodes.get(p.after)) + ": Σ δ of " + p.count +
          " of " + p.of + ", ‖δ‖ = " + num(p.norm) + (p.count === p.of ? " (the total)" : "") +
          (done ? "" : " — not yet") }));
      });
      panel.appendChild(list);
    }
    const rule = n.kind === "op" ? trace.rules[n.op] : null;
    if (rule) {
      panel.appendChild(el("h3", { text: "The local rule (from the op's docstring)" }));
      panel.appendChild(el("pre", { text: rule }));
    }
    if (n.delta && n.delta.maps) {
      panel.appendChild(el("h3", { text: n.kind === "leaf" ? "The gradient it received" : "δ received" }));
      panel.appendChild(maps(n.delta.maps, n.delta.maps.caption));
    }
    const sent = (sentBy.get(id) || []).filter(function (e) { return e.norm !== null; });
    if (n.kind === "op") {
      panel.appendChild(el("h3", { text: sent.length ? "Sent to its inputs" : "Sent nothing (no input needs a gradient)" }));
      sent.forEach(function (e) {
        const box = el("div", { className: "sent" });
        box.appendChild(el("div", null, el("b", { text: e.label }), " " + shape(e.shape) + " → " +
          label(nodes.get(e.from)) + ", " + normName(e.symbol) + " = " + num(e.norm)));
        if (e.maps) box.appendChild(maps(e.maps, e.maps.caption));
        panel.appendChild(box);
      });
    }
    if (n.routing) {
      panel.appendChild(el("h3", { text: "Max pooling: where δ went (the recorded arg-max)" }));
      panel.appendChild(el("p", { className: "hint", text: "Each " + n.routing.windows +
        " window sends its whole δ to the one input position that held its maximum in the forward pass; " +
        "every other position gets 0. " + n.routing.example + "." }));
      panel.appendChild(routing(n.routing));
    }
    if (n.steps) {
      panel.appendChild(el("h3", { text: "The textbook's steps, with these numbers" }));
      if (n.steps.text) {
        panel.appendChild(el("p", { className: "hint", text: n.steps.what +
          ", computed by teach.explain_backward and checked against the engine" }));
        panel.appendChild(el("pre", { text: n.steps.text }));
      } else {
        panel.appendChild(el("p", { className: "hint", text: n.steps.skipped }));
      }
    }
  }

  // ---- the picture -------------------------------------------------------------
  const fanoutText = new Map();
  function fanoutLabel(id) {
    if (fanoutText.has(id)) return fanoutText.get(id);
    const g = nodeEls.get(id);
    if (!g || !g.getBBox) return null;
    const box = g.getBBox();
    const text = document.createElementNS("http://www.w3.org/2000/svg", "text");
    text.setAttribute("x", box.x + box.width + 4);
    text.setAttribute("y", box.y + 11);
    text.setAttribute("class", "fanout");
    g.appendChild(text);
    fanoutText.set(id, text);
    return text;
  }

  function render() {
    const current = step >= 0 ? order[step] : null;
    nodeEls.forEach(function (g, id) {
      const n = nodes.get(id);
      let done;
      if (n.kind === "op") done = stepOf.has(id) && stepOf.get(id) < step;
      else {
        const into = (receivedBy.get(id) || []).filter(function (e) { return e.norm !== null; });
        done = into.length > 0 && into.every(arrived);
      }
      g.classList.toggle("current", id === current);
      g.classList.toggle("done", !!done && id !== current);
      g.classList.toggle("selected", id === selected);
    });
    edgeEls.forEach(function (e) {
      const edge = { to: e.to, norm: 0 };
      const isArrived = arrived(edge);
      e.el.classList.toggle("arrived", isArrived);
      e.el.classList.toggle("pending", !isArrived);
      e.el.classList.toggle("just-sent", e.to === current);
    });
    Object.keys(trace.partials).forEach(function (id) {
      const text = fanoutLabel(id);
      if (!text) return;
      const got = trace.partials[id].filter(function (p) { return stepOf.get(p.after) <= step; });
      if (!got.length) { text.textContent = ""; return; }
      const last = got[got.length - 1];
      text.textContent = (last.count === last.of ? "Σδ total (" : "Σδ so far (") + last.count + " of " +
        last.of + "): ‖δ‖=" + num(last.norm);
    });
    groupEls.forEach(function (g, key) {
      const ops = groupOps.get(key) || [];
      g.classList.toggle("current", current !== null && nodes.get(current).group === key);
      g.classList.toggle("done", ops.length > 0 && ops.every(function (id) { return stepOf.get(id) < step; }));
    });
    status.textContent = "";
    if (current === null) status.appendChild(document.createTextNode("step 0 of " + order.length + ": nothing processed yet"));
    else {
      const n = nodes.get(current);
      status.appendChild(document.createTextNode("step " + (step + 1) + " of " + order.length + ": "));
      status.appendChild(el("b", { text: label(n) + (n.module ? " in " + n.module : "") }));
      status.appendChild(document.createTextNode(" applies its rule to ‖δ‖ = " + num(n.delta ? n.delta.norm : null)));
    }
    document.getElementById("step-back").disabled = step < 0;
    document.getElementById("step-next").disabled = step >= order.length - 1;
    showNode(selected !== null ? selected : current);
    const focus = current !== null ? current : order[0];   // before step 1: where backward starts
    if (focus !== undefined && selected === null) {
      const target = nodeEls.get(focus) || groupEls.get(nodes.get(focus).group);
      if (target && target.scrollIntoView) target.scrollIntoView({ block: "center", inline: "center" });
    }
  }

  function go(to) {
    step = Math.max(-1, Math.min(order.length - 1, to));
    selected = null;
    render();
  }
  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    playButton.textContent = "▶ Play";
  }
  document.getElementById("step-next").addEventListener("click", function () { stop(); go(step + 1); });
  document.getElementById("step-back").addEventListener("click", function () { stop(); go(step - 1); });
  document.getElementById("reset").addEventListener("click", function () { stop(); go(-1); });
  playButton.addEventListener("click", function () {
    if (timer !== null) { stop(); return; }
    if (step >= order.length - 1) go(-1);
    playButton.textContent = "⏸ Pause";
    timer = setInterval(function () {
      if (step >= order.length - 1) { stop(); return; }
      go(step + 1);
    }, 900);
  });
  document.addEventListener("keydown", function (event) {
    if (event.target && /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName)) return;
    if (event.key === "ArrowRight") { stop(); go(step + 1); event.preventDefault(); }
    else if (event.key === "ArrowLeft") { stop(); go(step - 1); event.preventDefault(); }
  });
  nodeEls.forEach(function (g, id) {
    g.addEventListener("click", function () { selected = (selected === id ? null : id); render(); });
  });

  // ---- the second tab: ‖δ‖ per layer -------------------------------------------------
  const palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
                   "#17becf", "#7f7f7f", "#bcbd22", "#393b79", "#637939"];
  function svgEl(tag, attrs, text) {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function logAxis(svg, values, top, bottom, left, right) {
    const positive = values.filter(function (v) { return v > 0 && isFinite(v); });
    let lo = Math.floor(Math.log10(Math.min.apply(null, positive)));
    let hi = Math.ceil(Math.log10(Math.max.apply(null, positive)));
    if (lo === hi) { lo -= 1; hi += 1; }
    for (let p = lo; p <= hi; p++) {
      const y = bottom - (p - lo) / (hi - lo) * (bottom - top);
      svg.appendChild(svgEl("line", { x1: left, x2: right, y1: y, y2: y, stroke: "#e4e4e4" }));
      svg.appendChild(svgEl("text", { x: left - 6, y: y + 4, "text-anchor": "end", "font-size": 11 }, "1e" + p));
    }
    return function (v) { return bottom - (Math.log10(v) - lo) / (hi - lo) * (bottom - top); };
  }
  function normChart() {
    const rows = trace.layers.filter(function (r) { return r.norm !== null && r.norm > 0; }).reverse();
    const box = document.getElementById("norm-chart");
    box.textContent = "";
    box.appendChild(el("h3", { text: "‖∂L/∂(output)‖ of every op, input on the left, loss on the right (log scale)" }));
    box.appendChild(el("p", { className: "hint", text: "δ = ∂L/∂z at the output of a conv, linear or pool; " +
      "∂L/∂a at the output of an activation" }));
    if (!rows.length) { box.appendChild(el("p", { text: "no δ recorded" })); return; }
    const width = Math.max(520, 46 * rows.length + 90), height = 330, left = 60, right = width - 20, top = 16, bottom = 220;
    const svg = svgEl("svg", { width: width, height: height, id: "norm-svg" });
    const y = logAxis(svg, rows.map(function (r) { return r.norm; }), top, bottom, left, right);
    const step = (right - left) / Math.max(1, rows.length);
    let path = "";
    rows.forEach(function (r, i) {
      const x = left + step * (i + 0.5);
      path += (i ? " L " : "M ") + x + " " + y(r.norm);
      svg.appendChild(svgEl("circle", { cx: x, cy: y(r.norm), r: 4, fill: "#1f77b4" }));
      svg.appendChild(svgEl("text", { x: x, y: y(r.norm) - 8, "text-anchor": "middle", "font-size": 9 }, Number(r.norm).toExponential(1)));
      svg.appendChild(svgEl("text", { x: x, y: bottom + 12, "font-size": 11, "text-anchor": "end",
                                       transform: "rotate(-45 " + x + " " + (bottom + 12) + ")" }, r.layer === r.op ? r.op : r.layer + " " + r.op));
    });
    svg.insertBefore(svgEl("path", { d: path, stroke: "#1f77b4", fill: "none", "stroke-width": 2 }), svg.firstChild.nextSibling);
    box.appendChild(svg);
    box.appendChild(el("p", { className: "hint", text: "A line that falls steeply from right to left is a vanishing gradient: " +
      "the first layers get almost no δ and learn little (sigmoid's σ'(z) ≤ 1/4 per layer is the classic cause). " +
      "A line that rises to the left is an exploding one." }));
  }
  function historyChart() {
    const box = document.getElementById("history-chart");
    box.textContent = "";
    if (!history) {
      box.appendChild(el("p", { className: "hint", text: "No training history was given. " +
        "explore(loss, model, history=recorder) with a viz.GradientHistory recorded during training " +
        "(the demo does this) plots here how ‖δ‖ per layer changes as the network learns." }));
      return;
    }
    const names = Object.keys(history.norms);
    box.appendChild(el("h3", { text: "‖∂L/∂(output)‖ per layer during training (log scale), " + history.steps.length + " records" }));
    const width = 760, height = 340, left = 60, right = width - 20, top = 16, bottom = 290;
    const svg = svgEl("svg", { width: width, height: height, id: "history-svg" });
    const all = [];
    names.forEach(function (k) { history.norms[k].forEach(function (v) { if (v > 0) all.push(v); }); });
    if (!all.length) { box.appendChild(el("p", { text: "the history holds no positive norm" })); return; }
    const y = logAxis(svg, all, top, bottom, left, right);
    const first = history.steps[0], last = history.steps[history.steps.length - 1];
    const x = function (s) { return last === first ? (left + right) / 2 : left + (s - first) / (last - first) * (right - left); };
    svg.appendChild(svgEl("text", { x: (left + right) / 2, y: height - 6, "text-anchor": "middle", "font-size": 12 }, "training step"));
    [first, last].forEach(function (s) { svg.appendChild(svgEl("text", { x: x(s), y: bottom + 16, "text-anchor": "middle", "font-size": 11 }, String(s))); });
    const legend = el("div");
    names.forEach(function (k, i) {
      const colour = palette[i % palette.length];
      let d = "";
      history.norms[k].forEach(function (v, j) {
        if (!(v > 0)) return;
        d += (d ? " L " : "M ") + x(history.steps[j]) + " " + y(v);
        svg.appendChild(svgEl("circle", { cx: x(history.steps[j]), cy: y(v), r: 2.5, fill: colour }));
      });
      svg.appendChild(svgEl("path", { d: d, stroke: colour, fill: "none", "stroke-width": 1.8 }));
      legend.appendChild(el("span", { className: "legend-item" }, el("i", { style: "background:" + colour }), k));
    });
    box.appendChild(svg);
    box.appendChild(legend);
  }
  document.querySelectorAll(".tab").forEach(function (tab) {
    tab.addEventListener("click", function () {
      stop();
      document.querySelectorAll(".tab").forEach(function (t) { t.classList.toggle("active", t === tab); });
      document.getElementById("view-graph").hidden = tab.id !== "tab-graph";
      document.getElementById("view-norms").hidden = tab.id !== "tab-norms";
    });
  });
  normChart();
  historyChart();
  render();
})();
"""
