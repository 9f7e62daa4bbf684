// One card per resource: price now, 24 h average, utilization, supply and demand.
// Clicking a card shows that resource in the chart and the order book.

import { h, fill } from "./dom.js";
import { gpucUnit, number, percent } from "./format.js";

function utilizationBar(fraction) {
  const shown = Math.min(1, Math.max(0, fraction));
  const level = fraction >= 1 ? "hot" : fraction >= 0.6 ? "warm" : "cool";
  return h(
    "div",
    { class: `meter meter-${level}`, title: `utilization ${percent(fraction)}` },
    h("span", { style: { width: `${(shown * 100).toFixed(1)}%` } }),
  );
}

function card(market, description, selected, onSelect) {
  const price = market.price_wei === null ? null : market.price_wei;
  const avg = market.average_price_24h_wei;
  return h(
    "button",
    {
      type: "button",
      class: `market${selected ? " selected" : ""}${price === null ? " idle" : ""}`,
      "data-resource": market.resource,
      "aria-pressed": selected ? "true" : "false",
      title: description || market.resource,
      onclick: () => onSelect(market.resource),
    },
    h("div", { class: "market-head" },
      h("span", { class: "market-name" }, market.resource),
      h("span", { class: "market-unit" }, `per ${market.unit}`)),
    h("div", { class: "market-price" }, price === null ? "no offers" : gpucUnit(price)),
    h("div", { class: "market-avg muted" }, avg === null ? "24 h avg —" : `24 h avg ${gpucUnit(avg)}`),
    h("div", {
      class: "market-util",
      title: "utilization now: demand of the last minute over live supply (can pass 100%); "
        + `pricing uses its smoothed value, ${percent(market.smoothed_utilization)}`,
    },
      h("span", { class: "muted" }, "utilization now"),
      h("span", { class: "market-util-value" }, percent(market.utilization))),
    utilizationBar(market.utilization),
    h("div", { class: "market-stats" },
      h("span", {}, h("b", {}, number(market.supply_units_per_s)), " units/s"),
      h("span", {}, h("b", {}, market.available_providers), " providers"),
      h("span", {}, h("b", {}, market.pending_requests), " bids")),
  );
}

export function renderMarkets(container, markets, descriptions, selected, onSelect) {
  // Resources some provider serves first; those with no offers after them.
  const served = [...markets].sort((a, b) => (a.price_wei === null) - (b.price_wei === null));
  fill(
    container,
    served.map((m) => card(m, descriptions.get(m.resource), m.resource === selected, onSelect)),
  );
}
