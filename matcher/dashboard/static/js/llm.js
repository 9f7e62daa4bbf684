// LLM models (resources priced per 1k tokens): price now, tokens/s on offer and asked
// for, open sessions, and tokens served by each provider (/api/dashboard/llm; providers
// report their figures with every heartbeat, provider.llm.batch_desk).

import { h, fillRows } from "./dom.js";
import { gpuc, number, shortAddress } from "./format.js";

function price(value) {
  return value === null || value === undefined ? "no offers" : `${gpuc(value)} GPUC`;
}

function rate(value) {
  return `${number(value, 1)} tok/s`;
}

/** One row per model with offers, then one row per provider of it. */
export function renderLLM(views) {
  const tbody = document.querySelector("#llm tbody");
  const rows = [];
  for (const view of views.filter((v) => v.providers.length > 0)) {
    rows.push(h("tr", { class: "llm-model", "data-resource": view.resource },
      h("td", {}, h("strong", {}, view.resource)),
      h("td", { class: "num llm-price" }, price(view.price_per_1k_tokens_wei)),
      h("td", { class: "num llm-supply" }, rate(view.supply_tokens_per_s)),
      h("td", { class: "num llm-demand" }, rate(view.demand_tokens_per_s)),
      h("td", { class: "num llm-sessions" }, String(view.open_sessions)),
      h("td", { class: "num llm-served" }, number(Number(view.tokens_served), 0))));
    for (const p of view.providers) {
      rows.push(h("tr", { class: "llm-provider", "data-provider": p.provider },
        h("td", { class: "muted" }, "↳ ", h("span", { class: "addr", title: p.provider }, shortAddress(p.provider))),
        h("td", { class: "num" }, price(p.price_per_1k_tokens_wei)),
        h("td", { class: p.reported ? "num" : "num muted",
                  title: p.reported ? "measured by the provider" : "registered capacity (nothing reported yet)" },
          rate(p.supply_tokens_per_s)),
        h("td", { class: "num" }, rate(p.demand_tokens_per_s)),
        h("td", { class: "num" }, String(p.open_sessions)),
        h("td", { class: "num llm-served" }, number(Number(p.tokens_served), 0))));
    }
  }
  fillRows(tbody, rows, "No language model on offer");
}
