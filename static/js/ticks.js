// The ticks of one's own message: clock (on its way), ✓ stored, ✓✓ delivered, blue ✓✓ read.

import { h } from "./dom.js";

const LABELS = {
  pending: "Sending",
  failed: "Not sent",
  sent: "Sent",
  delivered: "Delivered",
  read: "Read",
};

function svg(paths) {
  const ns = "http://www.w3.org/2000/svg";
  const icon = document.createElementNS(ns, "svg");
  icon.setAttribute("viewBox", "0 0 18 12");
  icon.setAttribute("aria-hidden", "true");
  for (const d of paths) {
    const path = document.createElementNS(ns, "path");
    path.setAttribute("d", d);
    icon.appendChild(path);
  }
  return icon;
}

const SHAPES = {
  pending: ["M9 1.5a4.5 4.5 0 1 0 0 9a4.5 4.5 0 1 0 0-9M9 3.5V6l1.8 1.2"],
  failed: ["M9 1.5a4.5 4.5 0 1 0 0 9a4.5 4.5 0 1 0 0-9M9 3.5v3M9 8.2v.3"],
  sent: ["M4 6.5l3 3L13.5 2.5"],
  delivered: ["M1 6.5l3 3L10.5 2.5", "M8.3 8.6l.9.9L15.7 2.5"],
  read: ["M1 6.5l3 3L10.5 2.5", "M8.3 8.6l.9.9L15.7 2.5"],
};

export function tickMark(status) {
  const known = LABELS[status] ? status : "sent";
  return h(
    "span",
    { className: `ticks ticks-${known}`, dataset: { status: known }, role: "img", "aria-label": LABELS[known], title: LABELS[known] },
    svg(SHAPES[known]),
  );
}
