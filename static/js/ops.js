// Staff node dashboard: GET /api/v1/nodes every few seconds, as a table.

import { api } from "./api.js";
import { $, h } from "./dom.js";

const REFRESH_MS = 5000;

function uptime(seconds) {
  const s = Math.floor(seconds);
  const days = Math.floor(s / 86400);
  const hours = Math.floor((s % 86400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  if (days) {
    return `${days}d ${hours}h`;
  }
  if (hours) {
    return `${hours}h ${minutes}m`;
  }
  return `${minutes}m ${s % 60}s`;
}

function health(value) {
  const ok = value === "ok";
  return h("td", { className: ok ? "status-ok" : "status-bad" }, value || "unknown");
}

function row(node, answeredBy) {
  const ago = Math.max(0, Math.round(Date.now() / 1000 - node.seen_at));
  return h(
    "tr",
    { dataset: { node: node.node } },
    h("th", { scope: "row" }, node.node, node.node === answeredBy ? h("span", { className: "muted" }, " (this page)") : null),
    h("td", {}, node.version || ""),
    h("td", { className: "number" }, String(node.open_streams)),
    h("td", { className: "number" }, uptime(node.uptime_seconds || 0)),
    h("td", { className: node.draining ? "status-bad" : "status-ok" }, node.draining ? "draining" : "serving"),
    health(node.database),
    health(node.redis),
    h("td", {}, `${ago}s ago`),
  );
}

async function refresh() {
  try {
    const body = await api.get("/nodes");
    $("nodes-body").replaceChildren(...body.nodes.map((node) => row(node, body.node)));
    const streams = body.nodes.reduce((sum, node) => sum + (node.open_streams || 0), 0);
    $("nodes-summary").textContent = `${body.nodes.length} live ${body.nodes.length === 1 ? "node" : "nodes"}, ${streams} open streams. Updated ${new Date().toLocaleTimeString()}.`;
  } catch (error) {
    $("nodes-summary").textContent = `Could not load nodes: ${error.message}`;
  }
}

refresh();
window.setInterval(refresh, REFRESH_MS);
