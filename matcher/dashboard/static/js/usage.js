// A container job's resource use: the checked manifest of its result archive, which the
// provider copied into the matcher's document store (/api/dashboard/container-results).

import { getJSON } from "./api.js";
import { h, fill } from "./dom.js";
import { number, shortId } from "./format.js";

function bytes(value) {
  if (value === null || value === undefined) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = value;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${number(v, i === 0 ? 0 : 1)} ${units[i]}`;
}

function seconds(value) {
  return value === null || value === undefined ? "—" : `${number(value, 3)} s`;
}

function field(name, value, title = "") {
  return [h("dt", {}, name), h("dd", { title }, value)];
}

function render(panel, job, view) {
  const m = view.manifest;
  const outputs = Object.entries(m.outputs);
  fill(panel,
    h("div", { class: "panel-head" },
      h("h2", {}, "Job resource use ", h("span", { class: "muted", title: job.job_id }, shortId(job.job_id))),
      h("span", { class: "muted small" }, `consumer ${shortId(job.consumer)} · provider ${shortId(job.provider)}`)),
    h("dl", { class: "usage" },
      field("Exit code", String(m.exit_code)),
      field("Engine", m.gpu ? `${m.engine} (GPU)` : m.engine),
      field("Wall time", seconds(m.metrics.wall_seconds)),
      field("CPU time", seconds(m.metrics.cpu_seconds)),
      field("Memory peak", bytes(m.metrics.memory_peak_bytes)),
      field("GPU use", m.metrics.gpu_utilization === null ? "—" : `${number(m.metrics.gpu_utilization * 100, 1)} %`),
      field("Log", `${bytes(view.log_bytes)} · sha256 ${shortId(m.log_hash)}`, m.log_hash),
      field("Result", `${bytes(view.archive_bytes)} · keccak ${shortId(view.result_hash)}`, view.result_hash)),
    h("table", { class: "tbl" },
      h("thead", {}, h("tr", {}, h("th", {}, "Output"), h("th", {}, "sha256"))),
      h("tbody", {}, outputs.length === 0
        ? h("tr", { class: "empty" }, h("td", { colspan: 2 }, "No outputs"))
        : outputs.map(([name, sha]) => h("tr", {}, h("td", {}, name),
            h("td", {}, h("span", { class: "addr", title: sha }, shortId(sha))))))),
    h("pre", { class: "log-tail", title: "the log's last 4 KiB" }, view.log_tail || "(empty log)"));
}

/** Show ``job``'s resource use in the usage panel (a click on a delivered job's row). */
export async function showUsage(job) {
  const panel = document.getElementById("usage-panel");
  panel.hidden = false;
  fill(panel, h("div", { class: "panel-head" }, h("h2", {}, "Job resource use")),
    h("p", { class: "muted" }, `Loading ${shortId(job.result_hash)}…`));
  try {
    const view = await getJSON(`/api/dashboard/container-results/${job.result_hash}`);
    render(panel, job, view);
  } catch (error) {
    fill(panel, h("div", { class: "panel-head" }, h("h2", {}, "Job resource use")),
      h("p", { class: "muted" }, `No container result for ${shortId(job.job_id)}: ${error.message}`));
  }
}
