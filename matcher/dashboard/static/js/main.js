// The dashboard: polls the matcher every 2 s and redraws what changed.
//
// Polling rather than server-sent events: the chain half of the page is itself read by
// polling a node, the matcher has no change feed to push from, and a poll survives a
// matcher restart or a proxy with nothing to reconnect. One poll is six small GETs;
// it pauses while the tab is hidden.

import { getJSON } from "./api.js";
import { PriceChart } from "./chart.js";
import { renderDepth } from "./depth.js";
import { clockTime } from "./format.js";
import { renderLLM } from "./llm.js";
import { renderMarkets } from "./markets.js";
import { renderJobs, renderProviders, renderWallets } from "./tables.js";

const POLL_MS = 2000;
// History bucket per range: about 120 points on the chart.
const BUCKETS = { 3600: 30, 21600: 180, 86400: 720 };

const state = {
  resource: new URLSearchParams(window.location.hash.slice(1)).get("resource"),
  range: 3600,
  descriptions: new Map(),
  timer: null,
  busy: false,
  again: false, // a refresh was asked for while one ran (a click): run it after
};
const chart = new PriceChart(document.getElementById("chart"));

function setPill(id, kind, text, title = "") {
  const pill = document.getElementById(id);
  pill.className = `pill pill-${kind}`;
  pill.textContent = text;
  pill.title = title;
}

function pickResource(markets) {
  if (markets.some((m) => m.resource === state.resource)) return state.resource;
  // The busiest market first: the one with something on offer and the most volume.
  const ranked = [...markets].sort(
    (a, b) =>
      (b.price_wei !== null) - (a.price_wei !== null) ||
      b.volume_units - a.volume_units ||
      b.available_nodes - a.available_nodes,
  );
  return ranked[0]?.resource ?? null;
}

function select(resource) {
  state.resource = resource;
  window.location.hash = `resource=${encodeURIComponent(resource)}`;
  refresh();
}

function renderChain(chain) {
  if (chain.status === "connected") {
    setPill("chain-status", "ok", `Chain ${chain.chain_id} · block #${chain.block}`, `escrow ${chain.escrow}`);
  } else if (chain.status === "unreachable") {
    setPill("chain-status", "warn", "Chain unreachable", chain.message ?? "");
  } else {
    setPill("chain-status", "off", "No chain connected", chain.message ?? "");
  }
  renderJobs(chain);
  renderWallets(chain);
}

async function refresh() {
  if (state.busy) {
    state.again = true;
    return;
  }
  state.busy = true;
  state.again = false;
  try {
    const market = await getJSON("/api/market");
    const resource = pickResource(market.markets);
    state.resource = resource;
    const selected = market.markets.find((m) => m.resource === resource);
    const unit = selected?.unit ?? "unit";
    const [depth, providers, chain, history, llm] = await Promise.all([
      getJSON("/api/dashboard/book", { resource }),
      getJSON("/api/dashboard/providers"),
      getJSON("/api/dashboard/chain"),
      getJSON("/api/market/history", {
        resource,
        since: Math.max(0, Math.floor(market.at - state.range)),
        bucket_s: BUCKETS[state.range],
      }),
      getJSON("/api/dashboard/llm"),
    ]);
    renderMarkets(document.getElementById("markets"), market.markets, state.descriptions, resource, select);
    for (const id of ["history-resource", "depth-resource"]) {
      document.getElementById(id).textContent = `· ${resource}`;
    }
    renderDepth(depth[0], selected);
    renderProviders(providers, chain, market.at);
    renderLLM(llm);
    renderChain(chain);
    // The x axis spans the chosen range, ending now: a handful of points no longer
    // stretches it to years.
    await chart.update(history, unit, [market.at - state.range, market.at]);
    setPill("feed-status", "ok", `Live · updated ${clockTime(new Date())}`);
    document.body.dataset.updated = String(Date.now());
  } catch (error) {
    setPill("feed-status", "bad", "Matcher unreachable · retrying", String(error));
  } finally {
    state.busy = false;
  }
  if (state.again) refresh();
}

function schedule() {
  clearInterval(state.timer);
  state.timer = document.hidden ? null : setInterval(refresh, POLL_MS);
}

async function start() {
  for (const button of document.querySelectorAll("#history-range button")) {
    button.addEventListener("click", () => {
      state.range = Number(button.dataset.range);
      for (const b of document.querySelectorAll("#history-range button")) {
        b.classList.toggle("active", b === button);
      }
      refresh();
    });
  }
  document.addEventListener("visibilitychange", () => {
    schedule();
    if (!document.hidden) refresh();
  });
  try {
    const resources = await getJSON("/api/market/resources");
    state.descriptions = new Map(resources.map((r) => [r.id, r.description]));
  } catch {
    // descriptions are only tooltips
  }
  await refresh();
  schedule();
}

start();
