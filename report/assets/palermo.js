// palermo report: charts over a true time axis, comparison of
// jurisdictions, ranking and maps, drawn with Observable Plot from the rows
// that the data scripts hand over. Every row carries its line of
// indicators.csv, so a chart's download is the export's own lines.
(function () {
  "use strict";

  const P = (window.palermo = { rows: new Map(), loaded: new Set(), geos: {}, m: null, names: new Map() });

  // Series colours tell jurisdictions apart; none is red or green, so
  // that no colour reads as good or bad. The direction is written beside
  // every chart, and maps shade by it.
  const COLOURS = ["#1f4e79", "#d98c00", "#5aa7d6", "#a6508f", "#5f5f5f", "#8c6d1f", "#2b8f8f", "#1a1a1a"];
  const DAY = 86400000;

  P.meta = function (m) {
    P.m = m;
    for (const j of m.jurisdictions) P.names.set(j.code, j.name);
  };
  P.add = function (rows) {
    for (const r of rows) P.rows.set(r.k, r);
  };
  P.geo = function (name, topo) {
    P.geos[name] = topo;
  };
  P.name = (j) => P.names.get(j) || j;
  P.published = (r) => (r.s === "ok" || r.s === "unstable") && r.v != null;
  P.withheld = (r) => r.s === "suppressed" || r.s === "implausible";

  // load runs a data script once; scripts, not JSON, so that a report
  // opened from disk loads them too.
  P.load = function (path) {
    if (P.loaded.has(path)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const s = document.createElement("script");
      s.src = (document.body.dataset.root || "") + path;
      s.onload = () => {
        P.loaded.add(path);
        resolve();
      };
      s.onerror = () => reject(new Error("cannot load " + path));
      document.head.appendChild(s);
    });
  };

  // rowsOf: the rows of an indicator for these jurisdictions, in the order
  // of indicators.csv.
  P.rowsOf = function (ind, js) {
    const want = new Set(js);
    return [...P.rows.values()].filter((r) => r.i === ind && want.has(r.j)).sort((a, b) => a.k - b.k);
  };

  // csv is the chart's rows as indicators.csv writes them.
  P.csv = (ind, js) => [P.m.header, ...P.rowsOf(ind, js).map((r) => r.line)].join("\n") + "\n";

  // resolve finds a jurisdiction by code in any case or by name.
  P.resolve = function (s) {
    s = (s || "").trim();
    if (!s) return null;
    const up = s.toUpperCase();
    if (P.names.has(up)) return up;
    const low = s.toLowerCase();
    for (const [code, name] of P.names) if (name.toLowerCase() === low) return code;
    return null;
  };
  P.suggest = function (s) {
    const low = s.trim().toLowerCase();
    const hits = [];
    for (const [code, name] of P.names) {
      if (name.toLowerCase().includes(low) || code.toLowerCase().startsWith(low)) hits.push(name + " (" + code + ")");
    }
    return hits.slice(0, 3);
  };

  const day = (s) => new Date(s + "T00:00:00Z");
  const mid = (r) => new Date((day(r.x0).getTime() + day(r.x1).getTime() + DAY) / 2);
  const isShare = (meta) => meta.unit === "ratio" && meta.short === "share";

  P.format = function (meta, v) {
    if (v == null) return "";
    if (meta.unit === "pp") return (v >= 0 ? "+" : "") + v.toFixed(1) + " pp";
    if (isShare(meta)) return (v * 100).toFixed(1) + "%";
    if (meta.unit === "count") return d3.format(",")(Math.round(v));
    return d3.format(".3~g")(v) + (meta.short ? " " + meta.short : "");
  };
  const status = (r) => r.s + (r.why ? ": " + r.why : "");

  // chart draws one indicator for several jurisdictions over time: a dot
  // per published value where its period falls (a bar across it for
  // periods longer than a year), lines only between adjacent periods so
  // that gaps show as gaps, hollow dots for unstable values and crosses on
  // the axis for values withheld.
  P.drawChart = function (fig, ind, js) {
    const meta = P.m.indicators[ind];
    const rows = P.rowsOf(ind, js).filter((r) => r.x0);
    const point = (r) => Object.assign({}, r, { x: mid(r), name: P.name(r.j), value: P.format(meta, r.v), status: status(r) });
    const pub = rows.filter(P.published).map(point);
    const held = rows.filter(P.withheld).map(point);
    const sources = [...new Set(pub.map((r) => r.src))];
    const symbol = sources.length > 1 ? "src" : undefined;

    const line = [];
    for (const [key, g] of d3.group(pub, (r) => r.j + "\u0000" + r.src)) {
      g.sort((a, b) => d3.ascending(a.x0, b.x0) || d3.ascending(a.x1, b.x1));
      let prev = null;
      for (const r of g) {
        if (prev && (day(r.x0) - day(prev.x1) > 2 * DAY || r.x0 <= prev.x1)) line.push({ x: r.x, v: NaN, key, name: r.name });
        line.push({ x: r.x, v: r.v, key, name: r.name });
        prev = r;
      }
    }
    const long = pub.filter((r) => day(r.x1) - day(r.x0) > 370 * DAY);

    const vals = pub.map((r) => r.v);
    const lo = Math.min(0, ...vals);
    const hi = Math.max(0, ...vals);
    let x0 = d3.min(rows, (r) => day(r.x0));
    let x1 = d3.max(rows, (r) => day(r.x1));
    if (!x0) {
      x0 = new Date(Date.UTC(2000, 0, 1));
      x1 = new Date(Date.UTC(2001, 0, 1));
    }
    const pad = Math.max(60 * DAY, (x1 - x0) * 0.03);
    // Over a few years, a tick per year, not per month.
    const years = (x1 - x0) / (365 * DAY) < 4;
    const names = js.map(P.name);
    const channels = { Jurisdiction: "name", Period: "p", Value: "value", Numerator: "n", Denominator: "d", Status: "status", Source: "src", "Source kind": "kind" };
    const tipFormat = { x: false, y: false, stroke: false, fill: false, symbol: false };
    const marks = [
      Plot.ruleY([0], { stroke: "#8a8a8a" }),
      Plot.line(line, { x: "x", y: "v", z: "key", stroke: "name", strokeWidth: 1.6 }),
      Plot.ruleY(long, { x1: (r) => day(r.x0), x2: (r) => day(r.x1), y: "v", stroke: "name", strokeWidth: 3, strokeOpacity: 0.35 }),
      Plot.dot(pub.filter((r) => r.s === "ok"), { x: "x", y: "v", stroke: "name", fill: "name", symbol, r: 4, className: "p-published" }),
      Plot.dot(pub.filter((r) => r.s === "unstable"), { x: "x", y: "v", stroke: "name", fill: "white", strokeWidth: 1.6, symbol, r: 4, className: "p-published p-unstable" }),
      Plot.dot(held, { x: "x", frameAnchor: "bottom", symbol: "times", stroke: "#555", strokeWidth: 1.6, r: 5, className: "p-withheld" }),
      Plot.tip(pub, Plot.pointer({ x: "x", y: "v", channels, format: tipFormat })),
      Plot.tip(held, Plot.pointer({ x: "x", frameAnchor: "bottom", channels, format: tipFormat })),
    ];
    const holder = fig.querySelector(".plot");
    const plot = Plot.plot({
      width: Math.max(320, holder.clientWidth || 720),
      height: 300,
      marginLeft: 60,
      marginRight: 20,
      style: { fontSize: "12px" },
      x: { type: "utc", domain: [new Date(x0 - pad), new Date(+x1 + pad)], label: null, ticks: years ? "year" : undefined, tickFormat: years ? "%Y" : undefined },
      // no arrow on the axis label: the direction is written in the caption
      y: { domain: hi === lo ? [lo, lo + 1] : [lo, hi], nice: true, grid: true, label: meta.short || meta.unit, labelArrow: "none", tickFormat: isShare(meta) ? d3.format(".0%") : undefined },
      color: { domain: names, range: COLOURS, legend: true },
      // Sources get filled shapes; the cross is kept for withheld values.
      symbol: symbol ? { legend: true, range: ["circle", "square", "triangle", "diamond", "star", "wye", "cross"] } : undefined,
      marks,
    });
    holder.replaceChildren(plot);
    fig.dataset.ydomain = plot.scale("y").domain.join(",");
    fig.dataset.marks = String(pub.length);
    fig.dataset.held = String(held.length);
    const a = fig.querySelector("a.csv");
    if (a) {
      if (a.dataset.blob) URL.revokeObjectURL(a.dataset.blob);
      const url = URL.createObjectURL(new Blob([P.csv(ind, js)], { type: "text/csv" }));
      a.dataset.blob = url;
      a.href = url;
      a.download = ind + "-" + js.join("-") + ".csv";
    }
  };

  // picker keeps a list of jurisdictions: an input with suggestions, an
  // add button and a chip per jurisdiction that removes it.
  function picker(el, list, onChange) {
    const input = el.querySelector("input");
    const chips = el.querySelector(".chips");
    const msg = document.createElement("span");
    msg.className = "msg";
    el.appendChild(msg);
    const render = () => {
      chips.replaceChildren(
        ...list.map((j) => {
          const b = document.createElement("button");
          b.type = "button";
          b.className = "chip";
          b.dataset.code = j;
          b.textContent = P.name(j) + " ×";
          b.title = "remove " + P.name(j);
          b.onclick = () => {
            list = list.filter((x) => x !== j);
            render();
            onChange(list);
          };
          return b;
        })
      );
    };
    const add = () => {
      const code = P.resolve(input.value);
      if (!code) {
        const s = P.suggest(input.value);
        msg.textContent = "No jurisdiction “" + input.value + "”." + (s.length ? " Did you mean " + s.join(", ") + "?" : "");
        return;
      }
      msg.textContent = "";
      input.value = "";
      if (!list.includes(code)) {
        list = [...list, code];
        render();
        onChange(list);
      }
    };
    el.querySelector("button").onclick = add;
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") add();
    });
    render();
  }

  function fillDatalist() {
    const dl = document.getElementById("jurisdiction-list");
    if (!dl) return;
    dl.replaceChildren(
      ...P.m.jurisdictions.map((j) => {
        const o = document.createElement("option");
        o.value = j.name;
        o.label = j.code;
        return o;
      })
    );
  }

  // The URL keeps the page's state: ?compare=, ?j=, ?period=, ?source=.
  const params = () => new URLSearchParams(location.search);
  function listParam(v) {
    const out = [];
    for (const s of (v || "").split(",")) {
      const c = P.resolve(decodeURIComponent(s));
      if (c && !out.includes(c)) out.push(c);
    }
    return out;
  }
  function keepState(values) {
    const q = params();
    for (const [k, v] of Object.entries(values)) {
      if (v == null || v === "" || (Array.isArray(v) && v.length === 0)) q.delete(k);
      else q.set(k, Array.isArray(v) ? v.join(",") : v);
    }
    const s = q.toString().replace(/%2C/g, ",");
    try {
      history.replaceState(null, "", s ? "?" + s : location.pathname);
    } catch (e) {
      // a page opened from disk may refuse; the state is then not kept
    }
  }
  function ready() {
    document.body.dataset.ready = "true";
  }
  function fail(err) {
    const p = document.createElement("p");
    p.className = "error";
    p.textContent = "The charts could not be drawn: " + err.message + ". The tables below still hold every value.";
    document.querySelector("main").prepend(p);
    document.body.dataset.ready = "error";
    throw err;
  }
  // staticPage: a page with no chart (the index, the operations) is
  // ready as it is.
  P.staticPage = ready;
  window.addEventListener("beforeprint", () => document.querySelectorAll("details").forEach((d) => (d.open = true)));

  // jurisdictionPage: every chart of the page, with the jurisdictions of
  // ?compare= beside the page's own.
  P.jurisdictionPage = function (code) {
    fillDatalist();
    let compare = listParam(params().get("compare")).filter((j) => j !== code);
    const draw = () =>
      Promise.all(compare.map((j) => P.load("data/j/" + j + ".js"))).then(() => {
        for (const fig of document.querySelectorAll("figure.chart")) P.drawChart(fig, fig.dataset.indicator, [code, ...compare]);
        keepState({ compare });
      });
    picker(document.querySelector(".picker"), compare, (list) => {
      compare = list;
      draw().catch(fail);
    });
    return draw().then(ready, fail);
  };

  // indicatorPage: the comparison chart and its table, then the ranking
  // and the maps for one period and source.
  P.indicatorPage = function (ind, defaults) {
    fillDatalist();
    const meta = P.m.indicators[ind];
    const all = [...P.rows.values()].filter((r) => r.i === ind);
    const q = params();
    let js = listParam(q.get("j"));
    if (!js.length) js = defaults || [];
    const fig = document.getElementById("compare");
    const periodSel = document.getElementById("period");
    const sourceSel = document.getElementById("source");

    // Periods with a published value, in time order; the default is the
    // one with the most jurisdictions (the latest of equals).
    const byPeriod = d3.rollup(all.filter(P.published), (v) => new Set(v.map((r) => r.j)).size, (r) => r.p);
    const spans = new Map(all.map((r) => [r.p, r]));
    const periods = [...byPeriod.keys()].sort((a, b) => {
      const ra = spans.get(a), rb = spans.get(b);
      return d3.ascending(ra.x1 || "", rb.x1 || "") || d3.ascending(ra.x0 || "", rb.x0 || "") || d3.ascending(a, b);
    });
    let period = q.get("period");
    if (!byPeriod.has(period)) period = periods.reduce((best, p) => (best == null || byPeriod.get(p) >= byPeriod.get(best) ? p : best), null);
    let source = q.get("source");
    periodSel.replaceChildren(...periods.map((p) => new Option(p + " (" + byPeriod.get(p) + ")", p, false, p === period)));

    const drawChart = () => {
      P.drawChart(fig, ind, js);
      const rows = P.rowsOf(ind, js);
      const order = new Map(js.map((j, i) => [j, i]));
      rows.sort((a, b) => order.get(a.j) - order.get(b.j) || d3.ascending(a.x1 || "", b.x1 || "") || d3.ascending(a.src, b.src));
      document.querySelector("#compare-table tbody").replaceChildren(
        ...rows.map((r) => tr([P.name(r.j), r.p, P.published(r) ? P.format(meta, r.v) : P.withheld(r) ? "withheld" : "no data", num(r.n), num(r.d), r.s, r.why || "", r.src, r.kind]))
      );
    };
    const drawRanking = () => {
      const here = all.filter((r) => r.p === period && P.published(r));
      const counts = d3.rollup(here, (v) => v.length, (r) => r.src);
      const srcs = [...counts.keys()].sort((a, b) => counts.get(b) - counts.get(a) || d3.ascending(a, b));
      if (!counts.has(source)) source = srcs[0];
      sourceSel.replaceChildren(...srcs.map((s) => new Option(s + " (" + counts.get(s) + ")", s, false, s === source)));
      const ranked = here.filter((r) => r.src === source);
      const sign = meta.dir === "down" ? 1 : -1;
      ranked.sort((a, b) => sign * (a.v - b.v) || d3.ascending(P.name(a.j), P.name(b.j)));
      let rank = 0;
      const body = ranked.map((r, i) => {
        if (i === 0 || r.v !== ranked[i - 1].v) rank = i + 1;
        const link = document.createElement("a");
        link.href = "../../" + r.j + "/index.html";
        link.textContent = P.name(r.j);
        const row = tr([String(rank), link, P.format(meta, r.v), num(r.n), num(r.d), status(r), r.src]);
        row.dataset.jurisdiction = r.j;
        row.dataset.value = String(r.v);
        if (r.s === "unstable") row.className = "unstable";
        return row;
      });
      document.querySelector("#ranking tbody").replaceChildren(...body);
      document.querySelector(".rank-note").textContent =
        meta.dir === "neutral"
          ? "Ordered by value, highest first. This indicator is context: the order is not a ranking of better and worse."
          : "Ranked with the most victim-centred first (" + meta.scale + "). Unstable values are marked; withheld values are not ranked.";
      const heldJ = new Set(all.filter((r) => r.p === period && P.withheld(r)).map((r) => r.j));
      drawMap(document.getElementById("map-world"), "countries", meta, ranked, heldJ);
      drawMap(document.getElementById("map-us"), "states", meta, ranked, heldJ);
      keepState({ j: js, period, source });
    };
    periodSel.onchange = () => {
      period = periodSel.value;
      drawRanking();
    };
    sourceSel.onchange = () => {
      source = sourceSel.value;
      drawRanking();
    };
    picker(document.querySelector(".picker"), js, (list) => {
      js = list;
      drawChart();
      keepState({ j: js, period, source });
    });
    try {
      drawChart();
      if (period != null) drawRanking();
      ready();
    } catch (e) {
      fail(e);
    }
  };

  // drawMap shades the countries or states that have a value in the
  // ranking, darker where more victim-centred (for context indicators,
  // darker where higher, in a hue that means neither good nor bad).
  function drawMap(fig, object, meta, ranked, heldJ) {
    const feats = features(object);
    const byJ = new Map(ranked.map((r) => [r.j, r]));
    const valued = feats.filter((f) => byJ.has(f.id));
    const held = feats.filter((f) => heldJ.has(f.id) && !byJ.has(f.id));
    if (!valued.length && !held.length) {
      fig.hidden = true;
      return;
    }
    fig.hidden = false;
    const pp = meta.unit === "pp";
    const color = {
      // quantiles of the distinct values, so that one outlier does not wash
      // out every other country and many equal values do not make empty classes
      type: pp ? "diverging" : "quantile",
      n: pp ? undefined : Math.min(5, new Set(ranked.map((r) => r.v)).size),
      domain: pp ? undefined : [...new Set(ranked.map((r) => r.v))],
      scheme: pp ? "PuOr" : meta.dir === "neutral" ? "Purples" : "Blues",
      reverse: meta.dir === "down",
      legend: true,
      label: meta.dir === "neutral" ? "darker: higher (context, neither better nor worse)" : pp ? "purple: above zero" : "darker: more victim-centred",
      tickFormat: isShare(meta) ? d3.format(".0%") : d3.format(".3~g"),
      width: 420,
    };
    const title = (f) => {
      const r = byJ.get(f.id);
      return P.name(f.id) + ": " + P.format(meta, r.v) + " (" + r.p + ", " + status(r) + ", " + r.src + ")";
    };
    const holder = fig.querySelector(".plot");
    const plot = Plot.plot({
      width: Math.max(320, holder.clientWidth || 720),
      projection: object === "countries" ? "equal-earth" : "albers-usa",
      color,
      marks: [
        Plot.geo(feats, { fill: "#eeeeee", stroke: "#ffffff", strokeWidth: 0.4 }),
        Plot.geo(held, { fill: "#b0b0b0", stroke: "#ffffff", strokeWidth: 0.4, className: "p-map-withheld", title: (f) => P.name(f.id) + ": withheld" }),
        Plot.geo(valued, { fill: (f) => byJ.get(f.id).v, stroke: "#ffffff", strokeWidth: 0.4, className: "p-map-value", title }),
        Plot.dot(valued.filter((f) => byJ.get(f.id).s === "unstable"), Plot.centroid({ r: 2.5, fill: "white", stroke: "#222", className: "p-map-unstable" })),
      ],
    });
    holder.replaceChildren(plot);
    fig.dataset.values = String(valued.length);
  }

  // features are a map's areas, one per code (the parts of a country that
  // the map draws apart are merged into one), and the land without a code.
  const featureCache = {};
  const TERRITORIES = new Set(["US-AS", "US-GU", "US-MP", "US-PR", "US-VI"]);
  function features(object) {
    if (featureCache[object]) return featureCache[object];
    const topo = P.geos[object];
    if (!topo) return [];
    const geoms = topo.objects[object].geometries;
    const out = [];
    // The Albers USA projection draws the 50 states and DC; the
    // territories are left out of the map (the ranking lists them).
    const drawn = (g) => g.id && !(object === "states" && TERRITORIES.has(g.id));
    for (const [id, gs] of d3.group(geoms.filter(drawn), (g) => g.id)) {
      out.push({ type: "Feature", id, properties: gs[0].properties, geometry: topojson.merge(topo, gs) });
    }
    for (const g of geoms.filter((g) => !g.id)) out.push(topojson.feature(topo, g));
    if (object === "states") return (featureCache[object] = out.filter((f) => f.id));
    return (featureCache[object] = out);
  }

  const num = (v) => (v == null ? "" : Number.isInteger(v) ? d3.format(",")(v) : d3.format(",.4~g")(v));
  function tr(cells) {
    const row = document.createElement("tr");
    for (const c of cells) {
      const td = document.createElement("td");
      if (c instanceof Node) td.appendChild(c);
      else td.textContent = c;
      row.appendChild(td);
    }
    return row;
  }
})();
