// Price history of the selected resource, drawn with uPlot (vendored from npm).
// The library is imported lazily so the rest of the page works if it is missing.

import { h, fill } from "./dom.js";
import { gpucFloat } from "./format.js";

const AXIS = { stroke: "#8b98a9", grid: { stroke: "#222b37", width: 1 }, ticks: { stroke: "#2a3441" } };

function axisNumber(value) {
  if (value === 0) return "0";
  const abs = Math.abs(value);
  if (abs >= 1000) return value.toLocaleString("en-US", { maximumFractionDigits: 0 });
  return Number(value.toPrecision(3)).toString();
}

export class PriceChart {
  constructor(container) {
    this.container = container;
    this.plot = null;
    this.library = null;
    this.failed = null;
    this.key = null;
    new ResizeObserver(() => this.resize()).observe(container);
  }

  async load() {
    if (this.library || this.failed) return;
    try {
      this.library = (await import("../vendor/uPlot.esm.js")).default;
    } catch (error) {
      this.failed = error;
    }
  }

  size() {
    const width = Math.max(200, this.container.clientWidth);
    return { width, height: 260 };
  }

  resize() {
    if (this.plot) this.plot.setSize(this.size());
  }

  message(text) {
    if (this.plot) {
      this.plot.destroy();
      this.plot = null;
    }
    fill(this.container, h("div", { class: "chart-empty" }, text));
  }

  async update(history, unit, span) {
    this.span = span;
    await this.load();
    if (!this.library) {
      this.message("Chart library missing: run scripts/build_dashboard.py (make install does).");
      return;
    }
    const points = history.points;
    if (points.length === 0) {
      this.key = null;
      this.message(`No prices for ${history.resource} in this range yet.`);
      return;
    }
    const data = [
      points.map((p) => p.t),
      points.map((p) => gpucFloat(p.average_price_wei)),
      points.map((p) => gpucFloat(p.min_price_wei)),
      points.map((p) => gpucFloat(p.max_price_wei)),
    ];
    // A new resource or unit gets a new plot (its axis label changes); otherwise the
    // data is swapped in place.
    const key = `${history.resource}|${unit}|${points.length < 30}`;
    if (this.plot && this.key === key) {
      this.plot.setData(data); // rescales: the x range function returns the new span
      return;
    }
    this.key = key;
    if (this.plot) this.plot.destroy();
    this.container.replaceChildren();
    const dots = { show: points.length < 30, size: 6, fill: "#5b9cff" };
    this.plot = new this.library(
      {
        ...this.size(),
        legend: { show: false },
        cursor: { points: { size: 8 } },
        // A fixed window (the range chosen, ending now): uPlot's own fit pads a few
        // close points to years.
        scales: { x: { time: true, range: () => this.span } },
        axes: [
          { ...AXIS },
          { ...AXIS, label: `GPUC per ${unit}`, labelSize: 18, size: 64, values: (u, splits) => splits.map(axisNumber) },
        ],
        series: [
          {},
          { label: "average", stroke: "#5b9cff", width: 2, points: dots },
          { label: "min", stroke: "rgba(91,156,255,0.35)", width: 1, dash: [4, 4], points: { show: false } },
          { label: "max", stroke: "rgba(91,156,255,0.35)", width: 1, dash: [4, 4], points: { show: false } },
        ],
        bands: [{ series: [3, 2], fill: "rgba(91,156,255,0.10)" }],
      },
      data,
      this.container,
    );
  }
}
