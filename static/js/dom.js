// Small DOM helpers. Every piece of user text goes in through textContent, never as HTML.

export function $(id) {
  return document.getElementById(id);
}

// h("li", {className: "row", dataset: {id: 3}, onclick: fn}, child, "text", ...)
export function h(tag, props, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (key === "dataset") {
      Object.assign(element.dataset, value);
    } else if (key.startsWith("on") && typeof value === "function") {
      element.addEventListener(key.slice(2), value);
    } else if (key === "className" || key === "textContent" || key === "hidden" || key === "type") {
      element[key] = value;
    } else if (value === true) {
      element.setAttribute(key, "");
    } else {
      element.setAttribute(key, String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    if (Array.isArray(child)) {
      append(element, child);
    } else if (child instanceof Node) {
      element.appendChild(child);
    } else {
      element.appendChild(document.createTextNode(String(child)));
    }
  }
}

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+/gi;
const TRAILING = /[.,;:!?)\]}'"]+$/;

// Text with its http(s) links as <a> elements: the text is never parsed as HTML.
export function linkify(text) {
  const fragment = document.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    let raw = match[0];
    const trailing = raw.match(TRAILING);
    if (trailing) {
      raw = raw.slice(0, raw.length - trailing[0].length);
    }
    let url = null;
    try {
      url = new URL(raw);
    } catch (error) {
      url = null;
    }
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
      continue;
    }
    fragment.appendChild(document.createTextNode(text.slice(last, match.index)));
    const link = document.createElement("a");
    link.href = url.href;
    link.textContent = raw;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    fragment.appendChild(link);
    last = match.index + raw.length;
  }
  fragment.appendChild(document.createTextNode(text.slice(last)));
  return fragment;
}

const COLOUR = /^#[0-9a-f]{3,8}$/i;

const AVATAR_URL = /^\/api\/v1\/users\/\d+\/avatar\?v=\d+$/;

export function paintAvatar(element, { initials, colour, online, url } = {}) {
  element.textContent = initials || "?";
  element.style.backgroundColor = COLOUR.test(colour || "") ? colour : "";
  if (url && AVATAR_URL.test(url)) {
    // The uploaded picture over the initials (the server's own URL shape only).
    element.textContent = "";
    element.appendChild(h("img", { src: url, alt: "" }));
  }
  if (online !== undefined) {
    element.classList.toggle("online", Boolean(online));
  }
  return element;
}

export function avatar({ initials, colour, online, className } = {}) {
  const element = h("span", { className: `avatar ${className || ""}`.trim(), "aria-hidden": "true" });
  return paintAvatar(element, { initials, colour, online });
}

export function groupInitials(name) {
  const words = (name || "").trim().split(/\s+/).filter(Boolean);
  if (words.length > 1) {
    return (words[0][0] + words[1][0]).toUpperCase();
  }
  return (words[0] || "#").slice(0, 2).toUpperCase();
}

// --- time ------------------------------------------------------------------

function startOfDay(date) {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

export function dayKey(iso) {
  const date = new Date(iso);
  return `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}`;
}

export function dayLabel(iso) {
  const date = new Date(iso);
  const days = Math.round((startOfDay(new Date()) - startOfDay(date)) / 86400000);
  if (days === 0) {
    return "Today";
  }
  if (days === 1) {
    return "Yesterday";
  }
  if (days < 7) {
    return date.toLocaleDateString(undefined, { weekday: "long" });
  }
  return date.toLocaleDateString(undefined, { day: "numeric", month: "long", year: "numeric" });
}

export function clock(iso) {
  return new Date(iso).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

// The list's time column: a clock time today, "Yesterday", a weekday, then a date.
export function shortWhen(iso) {
  if (!iso) {
    return "";
  }
  const date = new Date(iso);
  const days = Math.round((startOfDay(new Date()) - startOfDay(date)) / 86400000);
  if (days === 0) {
    return clock(iso);
  }
  if (days === 1) {
    return "Yesterday";
  }
  if (days < 7) {
    return date.toLocaleDateString(undefined, { weekday: "short" });
  }
  return date.toLocaleDateString(undefined, { day: "numeric", month: "numeric", year: "2-digit" });
}

export function fullWhen(iso) {
  if (!iso) {
    return "";
  }
  return `${dayLabel(iso)} at ${clock(iso)}`;
}

export function lastSeenText(iso) {
  return iso ? `last seen ${fullWhen(iso).replace(/^Today/, "today").replace(/^Yesterday/, "yesterday")}` : "";
}

// --- feedback ----------------------------------------------------------------

export function toast(text, { kind = "info", timeout = 4000 } = {}) {
  const box = $("toasts");
  if (!box) {
    return;
  }
  const item = h("div", { className: `toast ${kind}` }, text);
  box.appendChild(item);
  window.setTimeout(() => item.remove(), timeout);
}

let confirmResolve = null;

// An accessible yes/no question in a <dialog> (no window.confirm: it blocks the page).
export function confirmAction(text, okLabel = "OK") {
  const dialog = $("confirm-dialog");
  $("confirm-text").textContent = text;
  $("confirm-ok").textContent = okLabel;
  if (confirmResolve) {
    confirmResolve(false);
  }
  return new Promise((resolve) => {
    confirmResolve = resolve;
    dialog.addEventListener(
      "close",
      () => {
        confirmResolve = null;
        resolve(dialog.returnValue === "ok");
      },
      { once: true },
    );
    dialog.returnValue = "";
    dialog.showModal();
    $("confirm-ok").focus();
  });
}

export function debounce(fn, wait) {
  let timer = null;
  return (...args) => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => fn(...args), wait);
  };
}
