"""The explorer page's style sheet, inlined by `viz.explore` into every page
(its script is `viz.explorer_script.SCRIPT`).

Kept as Python strings so the page needs no file besides itself and the
package needs no data files.
"""


STYLE = r"""
* { box-sizing: border-box; }
html, body { height: 100%; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
       color: #222; background: #fafafa; display: flex; flex-direction: column; overflow: hidden; }
#view-graph { flex: 1 1 auto; display: flex; flex-direction: column; min-height: 0; }
#view-graph[hidden], #view-norms[hidden] { display: none; }
header { display: flex; align-items: center; gap: 16px; padding: 8px 14px; background: #fff;
         border-bottom: 1px solid #ddd; flex-wrap: wrap; }
header h1 { font-size: 17px; margin: 0; }
.tab { border: 1px solid #bbb; background: #f2f2f2; padding: 5px 12px; border-radius: 6px 6px 0 0;
       cursor: pointer; font-size: 14px; }
.tab.active { background: #fff; border-bottom-color: #fff; font-weight: 600; }
.toolbar { display: flex; gap: 6px; align-items: center; padding: 8px 14px; flex-wrap: wrap;
           background: #fff; border-bottom: 1px solid #eee; position: sticky; top: 0; z-index: 2; }
.toolbar button { font-size: 14px; padding: 5px 12px; border-radius: 6px; border: 1px solid #999;
                  background: #fff; cursor: pointer; }
.toolbar button:hover { background: #eef4ff; }
.toolbar button:disabled { opacity: .45; cursor: default; }
#status { margin-left: 10px; color: #333; }
#status b { color: #c05800; }
.notice { margin: 6px 14px; padding: 6px 10px; background: #fff7dd; border: 1px solid #e8cf7a;
          border-radius: 6px; }
.main { display: flex; gap: 0; align-items: stretch; flex: 1 1 auto; min-height: 0; }
#graph { flex: 1 1 60%; overflow: auto; background: #fff; border-right: 1px solid #ddd; padding: 6px; }
#node-detail { flex: 0 0 40%; max-width: 620px; min-width: 280px; overflow: auto; padding: 10px 14px; }
#graph svg { display: block; }
#graph .node { cursor: pointer; }
#graph .node.done polygon, #graph .node.done path { fill: #dcefdc; }
#graph .node.current polygon, #graph .node.current path { fill: #ffe3a8; stroke: #e66c00;
                                                         stroke-width: 4px; }
#graph .node.selected polygon, #graph .node.selected path { stroke: #1a5fb4; stroke-width: 3px; }
#graph .edge.pending { opacity: 0.13; }
#graph .edge.arrived { opacity: 1; }
#graph .edge.just-sent path { stroke-width: 4px; }
#graph text.fanout { font-size: 10px; fill: #8a3b00; font-weight: 600; }
.groups { display: flex; flex-direction: column; gap: 4px; }
.group { border: 1px solid #aaa; border-radius: 6px; padding: 4px 8px; background: #eef3fb; cursor: default; }
.group.done { background: #dcefdc; }
.group.current { background: #ffe3a8; border: 3px solid #e66c00; }
#node-detail h2 { font-size: 18px; margin: 4px 0; }
#node-detail h3 { font-size: 14px; margin: 14px 0 4px; border-bottom: 1px solid #ddd; }
#node-detail .module { color: #1a5fb4; font-weight: normal; font-size: 14px; }
#node-detail dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; margin: 6px 0; }
#node-detail dt { color: #555; }
#node-detail dd { margin: 0; font-variant-numeric: tabular-nums; }
#node-detail pre { background: #f4f4f4; padding: 6px 8px; border-radius: 4px; overflow: auto;
                   font-size: 12px; max-height: 360px; white-space: pre; }
#node-detail .hint { color: #666; font-size: 13px; }
.maps { display: flex; flex-wrap: wrap; gap: 3px; align-items: flex-start; }
.maps img { image-rendering: pixelated; image-rendering: crisp-edges; border: 1px solid #bbb;
            width: clamp(40px, 15.5%, 96px); height: auto; }
.maps img.routing { width: clamp(84px, 31%, 196px); }
.maps img.matrix { width: 100%; max-height: 220px; object-fit: contain; object-position: left; }
.maps img.vector { width: 100%; height: 14px; }
.scale { display: flex; align-items: center; gap: 6px; white-space: nowrap; flex-wrap: wrap; font-size: 12px; color: #444; margin: 3px 0 8px; }
.scale .bar { width: 160px; height: 10px; border: 1px solid #999;
              background: linear-gradient(to right, rgb(33,102,172), #fff, rgb(178,24,43)); }
.sent { border-left: 3px solid #ccc; padding-left: 8px; margin: 8px 0; }
#view-norms { padding: 14px; flex: 1 1 auto; overflow: auto; }
#view-norms svg { background: #fff; border: 1px solid #ddd; }
.legend-item { display: inline-block; margin-right: 12px; font-size: 12px; }
.legend-item i { display: inline-block; width: 14px; height: 3px; vertical-align: middle; margin-right: 4px; }
"""
