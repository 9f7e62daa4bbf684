// Providers, jobs and wallets. Stakes, jobs and balances come from the chain view;
// without one those cells say so instead of showing zeros.

import { h, fillRows, FreshTracker } from "./dom.js";
import { showUsage } from "./usage.js";
import { age, gpuc, gpucUnit, number, percent, shortAddress, shortId } from "./format.js";

const providerFresh = new FreshTracker();
const jobFresh = new FreshTracker();
const walletFresh = new FreshTracker();

function address(value) {
  return h("span", { class: "addr", title: value }, shortAddress(value));
}

function amount(value, { zeroDash = false } = {}) {
  if (value === null || value === undefined) return h("td", { class: "num muted" }, "—");
  const text = gpuc(value);
  if (zeroDash && text === "0") return h("td", { class: "num muted" }, "—");
  return h("td", { class: "num" }, text);
}

// A settled job's amounts are owed, not yet credited, until payOut: shown muted, with why.
function owed(job, value) {
  const cell = amount(value, { zeroDash: true });
  if (job.status === "Settled" && !job.paid_out) {
    cell.classList.add("muted");
    cell.title = "settled, not paid out yet: payOut credits it";
  }
  return cell;
}

function utilization(fraction) {
  const level = fraction >= 0.9 ? "hot" : fraction >= 0.6 ? "warm" : "cool";
  return h("td", {},
    h("div", { class: "util-cell" },
      h("div", { class: `meter meter-${level}` },
        h("span", { style: { width: `${(Math.min(1, fraction) * 100).toFixed(1)}%` } })),
      h("span", { class: "util-value" }, percent(fraction))));
}

// Providers sort by price (the API's order) until the Reputation header is clicked:
// then best reputation first, and a second click reverses it.
let reputationOrder = 0; // 0: price order, 1: best first, -1: worst first
let lastProviders = null;

function reputationCell(offer) {
  if (offer.reputation === null || offer.reputation === undefined) {
    return h("td", { class: "num muted" }, "—");
  }
  const text = offer.reputation.toFixed(2);
  return h("td", { class: offer.provisional ? "num muted" : "num",
                   title: offer.provisional ? "new provider: little history, mostly the prior" : "" },
    offer.provisional ? `${text} new` : text);
}

function sortByReputation(offers) {
  if (reputationOrder === 0) return offers;
  const score = (o) => o.reputation ?? -1;
  return [...offers].sort((a, b) => reputationOrder * (score(b) - score(a)));
}

const reputationHeader = document.getElementById("sort-reputation");
reputationHeader?.addEventListener("click", () => {
  reputationOrder = reputationOrder === 1 ? -1 : 1;
  reputationHeader.dataset.order = reputationOrder === 1 ? "desc" : "asc";
  if (lastProviders) renderProviders(...lastProviders);
});

export function renderProviders(offers, chain, now) {
  lastProviders = [offers, chain, now];
  const stakes = new Map((chain.providers ?? []).map((p) => [p.address.toLowerCase(), p]));
  const rows = sortByReputation(offers).map((offer) => {
    const stake = stakes.get(offer.owner.toLowerCase());
    const row = h("tr", { "data-offer": offer.offer_id },
      h("td", {}, address(offer.owner)),
      h("td", {}, h("span", { class: "tag" }, offer.resource)),
      h("td", { class: "num price" }, gpucUnit(offer.price_wei)),
      h("td", { class: "num" }, `${number(offer.capacity_units_per_s)} /s`),
      utilization(offer.utilization),
      reputationCell(offer),
      amount(stake?.free_wei),
      amount(stake?.locked_wei),
      h("td", { class: "num muted" }, age(Math.max(0, now - offer.last_heartbeat))));
    return [row, offer];
  });
  providerFresh.mark(rows, (o) => o.offer_id);
  fillRows(document.querySelector("#providers tbody"), rows.map(([r]) => r), "No standing offers");
}

export function renderJobs(chain) {
  const tbody = document.querySelector("#jobs tbody");
  const count = document.getElementById("jobs-count");
  if (chain.status === "none") {
    count.textContent = "";
    fillRows(tbody, [], "No chain connected: jobs appear when the matcher reads a chain.");
    return;
  }
  count.textContent = chain.jobs_seen ? `(${chain.jobs.length} of ${chain.jobs_seen})` : "";
  const rows = chain.jobs.map((job) => [
    h("tr", { "data-job": job.job_id },
      h("td", {}, h("span", { class: "addr", title: job.job_id }, shortId(job.job_id))),
      h("td", {}, address(job.consumer)),
      h("td", {}, address(job.provider)),
      h("td", {}, h("span", { class: `badge badge-${job.status.toLowerCase()}` }, job.status)),
      amount(job.budget_wei),
      owed(job, job.paid_wei),
      owed(job, job.returned_wei),
      amount(job.slashed_wei, { zeroDash: true }),
      h("td", {}, job.result_hash
        ? h("button", { class: "linkish", type: "button", title: "resource use of a container job",
                        onclick: () => showUsage(job) }, "usage")
        : h("span", { class: "muted" }, "—"))),
    job,
  ]);
  jobFresh.mark(rows, (j) => `${j.job_id}:${j.status}:${j.paid_out}`);
  fillRows(tbody, rows.map(([r]) => r), "No jobs opened yet");
}

export function renderWallets(chain) {
  const tbody = document.querySelector("#wallets tbody");
  if (chain.status === "none") {
    fillRows(tbody, [], "No chain connected");
    return;
  }
  const rows = chain.wallets.map((w) => [
    h("tr", { "data-wallet": w.address },
      h("td", {}, address(w.address)),
      amount(w.credits_wei),
      amount(w.claimable_wei, { zeroDash: true }),
      h("td", { class: "num muted" }, gpuc(w.eth_wei))),
    w,
  ]);
  walletFresh.mark(rows, (w) => `${w.address}:${w.credits_wei}:${w.claimable_wei}`);
  fillRows(tbody, rows.map(([r]) => r), "No known wallets yet");
}
