/* hedgesim report: draws the charts described by the page's
 * JSON element #hs-data (type application/json) with Apache ECharts (inlined
 * before this script).  The C side (src/run/report*.c) chooses the charts and
 * their data; this file only maps each chart description to an ECharts
 * option.  Errors are written into the page (#hs-errors, and the body's
 * data-errors attribute) so that a headless browser can read them from the
 * DOM.
 *
 * A chart description:
 *   {id, kind: "line" | "bar" | "heatmap" | "fan", title,
 *    x: {type: "time" | "category" | "value", name}, y: {name},
 *    t: name of a time axis in data.times (for x.type "time"),
 *    xs: the x values (for x.type "value" with line series),
 *    cats: category labels (bar), stacked (bar), series: [{name, data}],
 *    heatmap: {xcats, ycats, cells: [[xi, yi, v]], min, max, vname},
 *    fan: {levels: [...], q: [[...] per level]}}
 * Numbers are already in the unit of the axis name; null is a gap. */
(function () {
    "use strict";
    var errors = [];

    function report_error(msg) {
        errors.push(String(msg));
        var pre = document.getElementById("hs-errors");
        if (pre) {
            pre.textContent = errors.join("\n");
            pre.hidden = false;
        }
        document.body.setAttribute("data-errors", String(errors.length));
    }
    window.addEventListener("error", function (e) {
        report_error("error: " + (e.message || e) +
                     (e.filename ? " (" + e.filename + ":" + e.lineno + ")" : ""));
    });
    var console_error = console.error;
    console.error = function () {
        report_error("console.error: " +
                     Array.prototype.map.call(arguments, String).join(" "));
        if (console_error) console_error.apply(console, arguments);
    };

    var PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                   "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    function base(c) {
        return {
            useUTC: true,
            animation: false,
            color: PALETTE,
            title: {text: c.title, left: 8, top: 4,
                    textStyle: {fontSize: 14, fontWeight: "bold"}},
            tooltip: {trigger: c.kind === "heatmap" ? "item" : "axis",
                      confine: true},
            legend: {type: "scroll", top: 28, left: 8, right: 8},
            grid: {left: 72, right: 32, top: 64, bottom: 64,
                   containLabel: false}
        };
    }

    function axis_name(a) {
        return {name: a.name, nameLocation: "middle", nameGap: 30};
    }

    function line(c, data) {
        var o = base(c);
        var xa = axis_name(c.x);
        xa.type = c.x.type;
        if (c.x.type === "value") xa.scale = true;
        o.xAxis = xa;
        var ya = axis_name(c.y);
        ya.type = "value";
        ya.scale = true;
        ya.nameGap = 56;
        o.yAxis = ya;
        var xs = c.x.type === "time" ? data.times[c.t] : c.xs;
        var n = 0;
        o.series = c.series.map(function (s) {
            var pts = new Array(s.data.length);
            for (var i = 0; i < s.data.length; i++)
                pts[i] = [xs[i], s.data[i]];
            n += s.data.length;
            return {name: s.name, type: "line", data: pts, showSymbol: false,
                    connectNulls: false, lineStyle: {width: 1.5},
                    sampling: "lttb"};
        });
        if (c.x.type === "time")
            o.dataZoom = [{type: "inside"},
                          {type: "slider", height: 18, bottom: 6}];
        return [o, n];
    }

    function bar(c) {
        var o = base(c);
        var xa = axis_name(c.x);
        xa.type = "category";
        xa.data = c.cats;
        xa.axisLabel = {interval: 0, hideOverlap: true};
        o.xAxis = xa;
        var ya = axis_name(c.y);
        ya.type = "value";
        ya.nameGap = 56;
        o.yAxis = ya;
        o.tooltip.axisPointer = {type: "shadow"};
        var n = 0;
        o.series = c.series.map(function (s) {
            n += s.data.length;
            return {name: s.name, type: "bar", data: s.data,
                    stack: c.stacked ? "total" : undefined};
        });
        return [o, n];
    }

    function heatmap(c) {
        var h = c.heatmap;
        var o = base(c);
        o.legend = undefined;
        o.grid.left = 140;
        o.grid.bottom = 96;
        o.xAxis = {type: "category", data: h.xcats, name: c.x.name,
                   nameLocation: "middle", nameGap: 56,
                   axisLabel: {interval: 0, rotate: h.xcats.length > 6 ? 30 : 0},
                   splitArea: {show: true}};
        o.yAxis = {type: "category", data: h.ycats, name: c.y.name,
                   nameLocation: "end", splitArea: {show: true}};
        o.visualMap = {min: h.min, max: h.max, calculable: true,
                       orient: "vertical", right: 0, top: 64,
                       text: [h.vname, ""],
                       inRange: {color: ["#b2182b", "#f7f7f7", "#2166ac"]}};
        o.grid.right = 96;
        o.tooltip = {trigger: "item", confine: true, formatter: function (p) {
            var v = p.value[2];
            return h.ycats[p.value[1]] + " / " + h.xcats[p.value[0]] +
                   ": " + (v === null ? "n/a" : v.toFixed(2)) + " " + (h.unit || "");
        }};
        o.series = [{name: h.vname, type: "heatmap", data: h.cells,
                     label: {show: h.cells.length <= 400, fontSize: 10,
                             formatter: function (p) {
                                 var v = p.value[2];
                                 return v === null ? "" : v.toFixed(h.digits || 0);
                             }}}];
        return [o, h.cells.length];
    }

    function fan(c, data) {
        /* quantile bands as stacked areas: lower edge, then widths */
        var f = c.fan;
        var o = base(c);
        var xa = axis_name(c.x);
        xa.type = c.x.type;
        if (c.x.type === "value") xa.scale = true;
        o.xAxis = xa;
        var ya = axis_name(c.y);
        ya.type = "value";
        ya.scale = true;
        ya.nameGap = 56;
        o.yAxis = ya;
        var xs = c.x.type === "time" ? data.times[c.t] : c.xs;
        var L = f.levels.length, n = 0;
        o.series = [];
        o.tooltip.formatter = undefined;
        var pairs = [];
        for (var k = 0; k < Math.floor(L / 2); k++) pairs.push([k, L - 1 - k]);
        var shades = ["#c6dbef", "#9ecae1", "#6baed6", "#4292c6"];
        pairs.forEach(function (p, j) {
            var lo = f.q[p[0]], hi = f.q[p[1]];
            var stack = "band" + j;
            var base_pts = [], width = [];
            for (var i = 0; i < lo.length; i++) {
                base_pts.push([xs[i], lo[i]]);
                width.push([xs[i], (hi[i] === null || lo[i] === null) ?
                            null : hi[i] - lo[i]]);
            }
            n += lo.length;
            o.series.push({name: "_lo" + j, type: "line", data: base_pts,
                           stack: stack, showSymbol: false,
                           lineStyle: {opacity: 0}, silent: true,
                           tooltip: {show: false}});
            o.series.push({name: f.levels[p[0]] + "–" + f.levels[p[1]] + " %",
                           type: "line", data: width, stack: stack,
                           showSymbol: false, lineStyle: {opacity: 0},
                           areaStyle: {color: shades[j % shades.length],
                                       opacity: 0.8},
                           itemStyle: {color: shades[j % shades.length]}});
        });
        if (L % 2 === 1) {
            var med = f.q[(L - 1) / 2], pts = [];
            for (var i = 0; i < med.length; i++) pts.push([xs[i], med[i]]);
            o.series.push({name: "median (" + f.levels[(L - 1) / 2] + " %)",
                           type: "line", data: pts, showSymbol: false,
                           itemStyle: {color: "#08306b"},
                           lineStyle: {color: "#08306b", width: 2}});
            n += med.length;
        }
        o.legend.data = o.series.filter(function (s) {
            return s.name.charAt(0) !== "_";
        }).map(function (s) { return s.name; });
        o.tooltip = {trigger: "axis", confine: true};
        return [o, n];
    }

    function shapes(div) {
        return div.querySelectorAll("svg path, svg rect, svg polyline").length;
    }

    var KINDS = {line: line, bar: bar, heatmap: heatmap, fan: fan};

    function draw_all() {
        var el = document.getElementById("hs-data");
        var data = JSON.parse(el.textContent);
        var drawn = 0;
        if (typeof echarts === "undefined") {
            report_error("the charting library did not load");
            return;
        }
        data.charts.forEach(function (c) {
            var div = document.getElementById(c.id);
            try {
                if (!div) throw new Error("no element for chart " + c.id);
                var made = KINDS[c.kind](c, data);
                var chart = echarts.init(div, null, {renderer: "svg"});
                /* The marks a chart's data drew: the SVG shapes of the
                 * chart less those of the same chart with every series
                 * emptied (axes, legend and zoom bar only). */
                var empty = Object.assign({}, made[0]);
                empty.series = made[0].series.map(function (s) {
                    return Object.assign({}, s, {data: []});
                });
                chart.setOption(empty, true);
                var frame = shapes(div);
                chart.setOption(made[0], true);
                var marks = shapes(div) - frame;
                var nseries = made[0].series.filter(function (s) {
                    return s.data.length > 0 && s.name.charAt(0) !== "_";
                }).length;
                div.setAttribute("data-points", String(made[1]));
                div.setAttribute("data-series", String(nseries));
                div.setAttribute("data-marks", String(marks));
                if (made[1] > 0 && marks >= nseries && marks > 0) drawn++;
                window.addEventListener("resize", function () {
                    chart.resize();
                });
            } catch (e) {
                report_error("chart " + c.id + ": " + (e && e.message || e));
            }
        });
        document.body.setAttribute("data-charts", String(data.charts.length));
        document.body.setAttribute("data-drawn", String(drawn));
    }

    try {
        draw_all();
    } catch (e) {
        report_error("report: " + (e && e.message || e));
    }
    if (!document.body.hasAttribute("data-errors"))
        document.body.setAttribute("data-errors", "0");
    document.body.setAttribute("data-report", "ready");
})();
