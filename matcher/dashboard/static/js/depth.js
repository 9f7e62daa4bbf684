// Order book depth of the selected resource: offers by price level, bids by limit.

import { h, fill, fillRows, FreshTracker } from "./dom.js";
import { gpucUnit, number, percent, toBigInt } from "./format.js";

const askFresh = new FreshTracker();
const bidFresh = new FreshTracker();

function bar(value, max) {
  const width = max > 0 ? (100 * value) / max : 0;
  return { "--depth": `${width.toFixed(1)}%` };
}

function renderStats(depth, market) {
  const ask = depth.asks[0]?.price_wei;
  const bid = depth.bids[0]?.price_wei;
  const gap = ask !== undefined && bid !== undefined ? toBigInt(ask) - toBigInt(bid) : null;
  const spread = gap === null ? "—" : gpucUnit(gap > 0n ? gap : 0n);
  const items = [
    ["Best offer", ask === undefined ? "—" : gpucUnit(ask)],
    ["Best bid", bid === undefined ? "—" : gpucUnit(bid)],
    ["Spread", spread],
    ["Supply", `${number(market.supply_units_per_s)} units/s`],
    ["Demand", `${number(market.demand_units_per_min, 0)} units/min`],
    ["Utilization (smoothed: what pricing uses)", percent(market.smoothed_utilization)],
    ["Pending", `${number(market.pending_units, 0)} units`],
    ["Volume", `${number(market.volume_units, 0)} units`],
  ];
  fill(
    document.getElementById("book-stats"),
    items.map(([term, value]) => h("div", {}, h("dt", {}, term), h("dd", {}, value))),
  );
}

export function renderDepth(depth, market) {
  const unit = market.unit;
  renderStats(depth, market);
  const asksBody = document.querySelector("#asks tbody");
  const bidsBody = document.querySelector("#bids tbody");
  const maxAsk = Math.max(0, ...depth.asks.map((l) => l.available_units));
  const maxBid = Math.max(0, ...depth.bids.map((l) => l.units));
  const asks = depth.asks.map((level) => [
    h("tr", { class: "level level-ask", style: bar(level.available_units, maxAsk) },
      h("td", { class: "price ask" }, gpucUnit(level.price_wei)),
      h("td", { class: "num" }, `${number(level.capacity_units_per_s)}/s`),
      h("td", { class: "num" }, number(level.available_units, 0)),
      h("td", { class: "num" }, level.offers)),
    level,
  ]);
  const bids = depth.bids.map((level) => [
    h("tr", { class: "level level-bid", style: bar(level.units, maxBid) },
      h("td", { class: "price bid" }, gpucUnit(level.price_wei)),
      h("td", { class: "num" }, number(level.units, 0)),
      h("td", { class: "num" }, level.orders)),
    level,
  ]);
  askFresh.mark(asks, (l) => `${depth.resource}:${l.price_wei}:${l.offers}`);
  bidFresh.mark(bids, (l) => `${depth.resource}:${l.price_wei}:${l.orders}`);
  fillRows(asksBody, asks.map(([row]) => row), "Nothing on offer");
  fillRows(bidsBody, bids.map(([row]) => row), "No resting bids");

  const best = depth.asks[0]?.price_wei;
  const parts = [
    `${depth.live_offers} live offer${depth.live_offers === 1 ? "" : "s"}`,
    `${depth.resting_orders} resting bid${depth.resting_orders === 1 ? "" : "s"}`,
  ];
  if (best !== undefined) parts.unshift(`best ${gpucUnit(best)} per ${unit}`);
  fill(document.getElementById("depth-summary"), parts.join(" · "));
}
