/* kg graph view: vis-network drawing, legend filters, search and details, all offline.
 *
 * Data (JSON in #kg-data, written by kg/export/html.py):
 *   types/predicates: [{name, zh, color, n}]      docs: {doc: {title?, date?, source?}}
 *   sentences: [[doc, text]]                      (shared by node and edge evidence)
 *   nodes: [{id, l: label, t: type index, m: mentions, s: size, en?, al?: [aliases], d: [docs],
 *            ev: [sentence index], x?, y?}]
 *   edges: [{f, t: node indices, p: predicate index, w: weight, ev: [sentence index]}]
 *   physics: bool (false: x/y were computed in Python), edgeLabels: bool (default of the toggle)
 *
 * Every string from the text reaches the page through textContent or vis-network's tooltip
 * (innerText) and is never parsed as HTML.
 */
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("kg-data").textContent);
  var FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';
  var TYPES = DATA.types, PREDS = DATA.predicates, NODES = DATA.nodes, EDGES = DATA.edges;
  var SENT = DATA.sentences, DOCS = DATA.docs;
  var big = !DATA.physics, small = DATA.nodes.length < 100;
  var root = document.documentElement;
  root.dataset.kgState = "loading";

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function swatch(cls, color) { var s = el("span", cls); s.style.background = color; return s; }
  function docLabel(doc) {
    var m = DOCS[doc] || {};
    return doc + (m.title ? "《" + m.title + "》" : "") + (m.date ? " " + m.date : "");
  }
  function wrap(label) {  // CJK has no spaces to break at: split long labels into even lines
    if (label.length <= 10) return label;
    var lines = Math.ceil(label.length / 9), per = Math.ceil(label.length / lines), out = [];
    for (var i = 0; i < label.length; i += per) out.push(label.slice(i, i + per));
    return out.join("\n");
  }

  // ---- degree and neighbours (for tooltips, details and search ranking)
  var degree = new Array(NODES.length).fill(0), incident = NODES.map(function () { return []; });
  EDGES.forEach(function (e, k) { degree[e.f]++; degree[e.t]++; incident[e.f].push(k); if (e.t !== e.f) incident[e.t].push(k); });

  // ---- tooltips: plain text, vis-network shows them with innerText
  function nodeTip(i) {
    var n = NODES[i], T = TYPES[n.t], lines = [n.l, "类型：" + T.zh + "（" + T.name + "）"];
    if (n.en) lines.push("英文：" + n.en);
    if (n.al && n.al.length) lines.push("别名：" + n.al.join("；"));
    lines.push("提及 " + n.m + " 次 · 关系 " + degree[i] + " 条");
    var docs = n.d.slice(0, 6).map(docLabel);
    if (n.d.length > 6) docs.push("……共 " + n.d.length + " 篇");
    lines.push("文档：" + docs.join("；"));
    return lines.join("\n");
  }
  function edgeTip(k) {
    var e = EDGES[k], P = PREDS[e.p];
    var lines = [NODES[e.f].l + " —" + P.zh + "（" + P.name + "）→ " + NODES[e.t].l, "依据 " + e.w + " 句："];
    e.ev.slice(0, 3).forEach(function (s) { lines.push("· [" + docLabel(SENT[s][0]) + "] " + SENT[s][1]); });
    if (e.w > 3) lines.push("……另有 " + (e.w - 3) + " 句，点击查看");
    return lines.join("\n");
  }

  // ---- vis data: ids are indices into NODES / EDGES
  var nodes = new vis.DataSet(NODES.map(function (n, i) {
    var c = TYPES[n.t].color;
    var v = {
      id: i, label: wrap(n.l), title: nodeTip(i), size: n.s,
      font: { size: Math.max(14, Math.round(n.s * 0.8)) },  // hubs' labels stay legible further out
      color: { background: c, border: "rgba(0,0,0,0.25)", highlight: { background: c, border: "#111" },
               hover: { background: c, border: "#111" } },
    };
    if (big) { v.x = n.x; v.y = n.y; }
    return v;
  }));
  var pairs = {};
  var edges = new vis.DataSet(EDGES.map(function (e, k) {
    var P = PREDS[e.p], pair = e.f < e.t ? e.f + "," + e.t : e.t + "," + e.f;
    var nth = pairs[pair] = (pairs[pair] || 0) + 1;
    var v = {
      id: k, from: e.f, to: e.t, title: edgeTip(k), width: 1 + Math.log2(Math.max(1, e.w)),
      color: { color: P.color, highlight: P.color, hover: P.color, opacity: 0.85 },
      arrows: P.name === "collaboratesWith" ? "" : "to",
    };
    if (DATA.edgeLabels) v.label = P.zh;
    if (nth > 1) v.smooth = { enabled: true, type: "curvedCW", roundness: 0.18 * (nth - 1) };
    return v;
  }));

  // ---- filters: a DataView per DataSet, refreshed when a legend box changes
  var shownTypes = new Set(TYPES.map(function (_, i) { return i; }));
  var shownPreds = new Set(PREDS.map(function (_, i) { return i; }));
  function nodeShown(i) { return shownTypes.has(NODES[i].t); }
  var nodesView = new vis.DataView(nodes, { filter: function (v) { return nodeShown(v.id); } });
  var edgesView = new vis.DataView(edges, { filter: function (v) {
    var e = EDGES[v.id];
    return shownPreds.has(e.p) && nodeShown(e.f) && nodeShown(e.t);
  } });

  var options = {
    autoResize: true,
    nodes: {
      shape: "dot", borderWidth: 1, borderWidthSelected: 3,
      font: { face: FONT, size: 14, color: "#1f2328", strokeWidth: 3, strokeColor: "rgba(255,255,255,0.9)" },
      scaling: { label: { drawThreshold: 7 } },
    },
    edges: {
      smooth: false, selectionWidth: 1.5, hoverWidth: 0.5,
      arrows: { to: { enabled: true, scaleFactor: 0.55 } },
      font: { face: FONT, size: 11, color: "#57606a", strokeWidth: 3, strokeColor: "#fff", align: "horizontal" },
    },
    interaction: { hover: true, tooltipDelay: 120, hideEdgesOnDrag: big, hideEdgesOnZoom: big, keyboard: false },
    layout: { randomSeed: 7, improvedLayout: !big && NODES.length <= 200 },
    physics: big ? false : {
      solver: "forceAtlas2Based",
      // small graphs get room for their labels; bigger ones are pulled in so loose entities stay close
      forceAtlas2Based: { gravitationalConstant: -80, centralGravity: small ? 0.005 : 0.03, springLength: small ? 170 : 110,
                          springConstant: 0.08, damping: 0.6, avoidOverlap: 0.6 },
      maxVelocity: 60, minVelocity: 1, timestep: 0.5,
      stabilization: { enabled: true, iterations: Math.round(Math.min(500, Math.max(200, 150000 / NODES.length))), updateInterval: 25, fit: true },
    },
  };

  var status = $("status");
  var network = new vis.Network($("graph"), { nodes: nodesView, edges: edgesView }, options);

  function ready() {  // drawn and still: physics is off from here on
    network.once("afterDrawing", function () {
      root.dataset.kgState = "ready";
      window.kgView.readyMs = Math.round(performance.now());
      status.textContent = "";
    });
    network.redraw();
  }
  if (big) {
    status.textContent = "布局已预先计算（" + NODES.length + " 个节点），正在绘制……";
    network.once("afterDrawing", ready);
  } else {
    network.on("stabilizationProgress", function (p) {
      status.textContent = "布局计算中 " + Math.round((100 * p.iterations) / p.total) + "%";
    });
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({ physics: false });
      ready();
    });
  }

  // ---- header, stats, legend
  $("heading").textContent = DATA.title;
  document.title = DATA.title;
  $("stats").textContent = NODES.length + " 个实体 · " + EDGES.length + " 条关系 · " +
    Object.keys(DOCS).length + " 篇文档";
  function legend(box, items, shown, mark) {
    items.forEach(function (it, i) {
      if (!it.n) return;  // only what the graph has
      var label = el("label"), cb = el("input");
      cb.type = "checkbox"; cb.checked = true; cb.dataset.index = i; cb.dataset.type = it.name;
      cb.addEventListener("change", function () {
        if (cb.checked) shown.add(i); else shown.delete(i);
        refresh();
      });
      label.append(cb, swatch(mark, it.color), el("span", null, it.zh), el("span", "en", it.name), el("span", "n", it.n));
      box.append(label);
    });
  }
  legend($("types"), TYPES, shownTypes, "dot");
  legend($("preds"), PREDS, shownPreds, "bar");
  function refresh() { nodesView.refresh(); edgesView.refresh(); }
  function setAll(group, on) {
    var box = $(group), shown = group === "types" ? shownTypes : shownPreds;
    box.querySelectorAll("input").forEach(function (cb) {
      cb.checked = on;
      if (on) shown.add(+cb.dataset.index); else shown.delete(+cb.dataset.index);
    });
    refresh();
  }
  document.querySelectorAll("[data-all]").forEach(function (b) { b.onclick = function () { setAll(b.dataset.all, true); }; });
  document.querySelectorAll("[data-none]").forEach(function (b) { b.onclick = function () { setAll(b.dataset.none, false); }; });

  var labelBox = $("edge-labels");
  labelBox.checked = !!DATA.edgeLabels;
  labelBox.addEventListener("change", function () {
    edges.update(EDGES.map(function (e, k) { return { id: k, label: labelBox.checked ? PREDS[e.p].zh : "" }; }));
  });
  $("fit").onclick = function () { network.fit({ animation: { duration: 400 } }); };
  $("collapse").onclick = function () {
    var collapsed = $("side").classList.toggle("collapsed");
    document.body.classList.toggle("side-collapsed", collapsed);
    this.textContent = collapsed ? "展开" : "收起";
  };

  // ---- search: label, aliases, English label, id; exact > prefix > substring, then by degree
  function norm(s) { return String(s || "").toLowerCase().replace(/[\s《》“”"'「」]/g, ""); }
  var keys = NODES.map(function (n) { return [n.l, n.en || "", n.id].concat(n.al || []).map(norm); });
  function search(query, limit) {
    var q = norm(query), hits = [];
    if (!q) return hits;
    for (var i = 0; i < NODES.length; i++) {
      var best = 9;
      for (var j = 0; j < keys[i].length; j++) {
        var k = keys[i][j], at = k.indexOf(q);
        if (at < 0) continue;
        best = Math.min(best, k === q ? 0 : at === 0 ? 1 : 2);
      }
      if (best < 9) hits.push([best, -degree[i], NODES[i].l.length, i]);
    }
    hits.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || a[3] - b[3]; });
    return hits.slice(0, limit || 30).map(function (h) { return h[3]; });
  }
  var input = $("search"), results = $("results"), current = [], active = 0;
  function showResults() {
    current = search(input.value, 30); active = 0;
    results.replaceChildren();
    if (!input.value.trim()) return;
    if (!current.length) { results.append(el("li", "none", "没有匹配的实体")); return; }
    current.forEach(function (i, r) {
      var n = NODES[i], li = el("li", r === 0 ? "active" : "");
      li.append(swatch("dot", TYPES[n.t].color), el("span", null, n.l), el("span", "en", n.en || TYPES[n.t].zh));
      li.addEventListener("click", function () { focusNode(i); });
      results.append(li);
    });
  }
  input.addEventListener("input", showResults);
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && current.length) { ev.preventDefault(); focusNode(current[active]); }
    else if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      if (!current.length) return;
      active = (active + (ev.key === "ArrowDown" ? 1 : current.length - 1)) % current.length;
      results.querySelectorAll("li").forEach(function (li, r) { li.classList.toggle("active", r === active); });
    } else if (ev.key === "Escape") { input.value = ""; showResults(); }
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "/" && document.activeElement !== input) { ev.preventDefault(); input.focus(); }
  });

  function focusNode(i) {
    if (!nodeShown(i)) {  // a hit hidden by the type filter: show its type again
      shownTypes.add(NODES[i].t);
      $("types").querySelector('input[data-index="' + NODES[i].t + '"]').checked = true;
      refresh();
    }
    network.selectNodes([i]);
    network.focus(i, { scale: Math.max(network.getScale(), 1.2), animation: { duration: 500 } });
    showNode(i);
  }

  // ---- details panel
  var details = $("details"), body = $("details-body");
  function highlighted(text, names) {  // the sentence with the entity's names in <mark>, as text nodes
    var frag = document.createDocumentFragment(), rest = text;
    names = names.filter(Boolean).sort(function (a, b) { return b.length - a.length; });
    while (rest) {
      var at = -1, hit = "";
      names.forEach(function (nm) { var p = rest.indexOf(nm); if (p >= 0 && (at < 0 || p < at)) { at = p; hit = nm; } });
      if (at < 0) { frag.append(rest); break; }
      frag.append(rest.slice(0, at), el("mark", null, hit));
      rest = rest.slice(at + hit.length);
    }
    return frag;
  }
  function evidenceList(ids, total, names) {
    var ol = el("ol");
    ids.forEach(function (s) {
      var li = el("li");
      li.append(el("span", "doc", docLabel(SENT[s][0])), highlighted(SENT[s][1], names));
      ol.append(li);
    });
    var box = document.createDocumentFragment();
    box.append(ol);
    if (total > ids.length) box.append(el("div", "doc", "另有 " + (total - ids.length) + " 句未列出"));
    return box;
  }
  function row(dl, term, value) { if (value === "" || value === undefined) return; dl.append(el("dt", null, term), el("dd", null, value)); }
  function open(children) { body.replaceChildren.apply(body, children); details.classList.add("open"); details.scrollTop = 0; }
  function showNode(i) {
    var n = NODES[i], T = TYPES[n.t], chip = el("span", "chip", T.zh + " " + T.name), dl = el("dl");
    chip.style.background = T.color;
    row(dl, "英文", n.en); row(dl, "别名", (n.al || []).join("；")); row(dl, "ID", n.id);
    row(dl, "提及", n.m + " 次"); row(dl, "文档", n.d.map(docLabel).join("；"));
    var rels = el("ol");
    incident[i].slice(0, 100).forEach(function (k) {
      var e = EDGES[k], out = e.f === i, other = out ? e.t : e.f, li = el("li", "rel");
      li.append(el("span", null, (out ? "→ " : "← ") + PREDS[e.p].zh + " "), el("b", null, NODES[other].l));
      li.addEventListener("click", function () { focusNode(other); });
      rels.append(li);
    });
    open([el("h3", null, n.l), chip, dl, el("h2", null, "首次提及（每篇文档）"),
          evidenceList(n.ev, n.d.length, [n.l].concat(n.al || [])),
          el("h2", null, "关系 " + degree[i] + " 条" + (degree[i] > 100 ? "（列出前 100 条）" : "")), rels]);
  }
  function showEdge(k) {
    var e = EDGES[k], P = PREDS[e.p], chip = el("span", "chip", P.zh + " " + P.name), dl = el("dl");
    chip.style.background = P.color;
    row(dl, "主体", NODES[e.f].l); row(dl, "客体", NODES[e.t].l); row(dl, "依据", e.w + " 句");
    open([el("h3", null, NODES[e.f].l + " → " + NODES[e.t].l), chip, dl, el("h2", null, "依据句子"),
          evidenceList(e.ev, e.w, [NODES[e.f].l, NODES[e.t].l].concat(NODES[e.f].al || [], NODES[e.t].al || []))]);
  }
  network.on("click", function (p) {
    if (p.nodes.length) showNode(p.nodes[0]);
    else if (p.edges.length) showEdge(p.edges[0]);
    else details.classList.remove("open");
  });
  $("close-details").onclick = function () { details.classList.remove("open"); network.unselectAll(); };

  // For tests and scripts: the network and the search, by node id.
  window.kgView = {
    network: network, readyMs: null,
    search: function (q) { return search(q, 30).map(function (i) { return NODES[i].id; }); },
    indexOf: function (id) { return NODES.findIndex(function (n) { return n.id === id; }); },
    selectedIds: function () { return network.getSelectedNodes().map(function (i) { return NODES[i].id; }); },
    visibleNodes: function () { return nodesView.length; },
  };
})();
