// Message search in the sidebar: Enter in "Search messages" asks the server
// (GET /search/messages, best match first) and lists hits with their highlighted passage;
// picking one opens its chat scrolled to the message. "More results" pages on.

import { api } from "./api.js";
import { $, h, toast } from "./dom.js";
import { jumpToMessage } from "./replies.js";
import { conversationTitle, state } from "./store.js";

let nextUrl = null;

// The server's highlight is HTML-escaped text with <mark> around the hits: it is split on
// the marks and unescaped into text nodes, never parsed as HTML.
const ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#x27;": "'", "&#39;": "'" };

function unescape(text) {
  return text.replace(/&(amp|lt|gt|quot|#x27|#39);/g, (entity) => ENTITIES[entity]);
}

export function highlighted(highlight) {
  const fragment = document.createDocumentFragment();
  highlight.split(/(<mark>.*?<\/mark>)/s).forEach((part) => {
    if (part.startsWith("<mark>") && part.endsWith("</mark>")) {
      fragment.appendChild(h("mark", {}, unescape(part.slice(6, -7))));
    } else if (part) {
      fragment.appendChild(document.createTextNode(unescape(part)));
    }
  });
  return fragment;
}

function resultItem({ message, highlight }) {
  const conversation = state.conversations.get(message.conversation_id);
  const where = conversation ? conversationTitle(conversation) : "";
  const author = message.author || {};
  return h(
    "li",
    {},
    h(
      "button",
      {
        type: "button",
        className: "search-hit",
        dataset: { messageId: String(message.id) },
        onclick: () => {
          closeResults();
          jumpToMessage(message.conversation_id, message.id);
        },
      },
      h("span", { className: "search-hit-top" }, h("span", { className: "search-hit-where" }, where), h("span", { className: "search-hit-author" }, author.display_name || author.username)),
      h("span", { className: "search-hit-text" }, highlighted(highlight)),
    ),
  );
}

function closeResults() {
  $("message-search-results").hidden = true;
}

async function run(url, { append }) {
  const list = $("message-search-results");
  try {
    const page = await api.get(url);
    const items = page.results.map(resultItem);
    if (!append) {
      list.replaceChildren();
    }
    list.querySelector(".search-more")?.remove();
    if (!append && !items.length) {
      list.appendChild(h("li", { className: "search-empty" }, "No messages found."));
    }
    items.forEach((item) => list.appendChild(item));
    nextUrl = page.next;
    if (nextUrl) {
      list.appendChild(h("li", { className: "search-more" }, h("button", { type: "button", className: "link-button", onclick: () => run(nextUrl, { append: true }) }, "More results")));
    }
    list.hidden = false;
  } catch (error) {
    toast(`Search failed: ${error.message}`, { kind: "error" });
  }
}

export function initSearch() {
  const box = $("message-search");
  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      const query = box.value.trim();
      if (query) {
        run(`/search/messages?q=${encodeURIComponent(query)}`, { append: false });
      }
    } else if (event.key === "Escape") {
      closeResults();
    }
  });
  box.addEventListener("search", () => {
    if (!box.value.trim()) {
      closeResults();
    }
  });
}
