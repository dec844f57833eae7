// The open conversation: header, messages grouped by day, scrolling back through
// history, and read acks for what is on screen in a focused tab.

import { closeConversation, loadOlder, retryMessage } from "./controller.js";
import { conversationAvatar } from "./conversations.js";
import { $, clock, dayKey, dayLabel, h, lastSeenText, paintAvatar } from "./dom.js";
import { attachmentsBlock, bodyWithMentions, extrasSignature, quoteBlock, reactionsBlock } from "./extras.js";
import { hasOpenMenu, openMessageMenu } from "./message-menu.js";
import { isPickerOpen } from "./reactions.js";
import { ackRead } from "./receipts.js";
import { conversationTitle, isMine, state, subscribe, thread, typingText } from "./store.js";
import { tickMark } from "./ticks.js";

const elements = new Map(); // message key -> {element, signature}
const separators = new Map(); // day key -> element
const visibleIds = new Set(); // others' messages on screen now
let shownConversationId = null;
let readObserver = null;
let historyObserver = null;
let historyInView = false;

function messageKey(message) {
  return `${message.author ? message.author.id : 0}:${message.client_id}`;
}

function signature(message, conversation) {
  return [message.id, message.body, message.status, message.edited_at, message.is_deleted, message.error, conversation.kind, extrasSignature(message), (conversation.members || []).length].join("|");
}

function fillMessage(element, message, conversation) {
  const mine = isMine(message);
  element.className = `message ${mine ? "mine" : "theirs"}${message.is_deleted ? " deleted" : ""}`;
  element.dataset.clientId = message.client_id;
  if (message.id) {
    element.dataset.id = String(message.id);
  }
  element.dataset.status = mine ? message.status || "sent" : "";
  const author = message.author || {};
  let body = null;
  if (message.is_deleted) {
    body = h("p", { className: "body" }, h("em", {}, "This message was deleted"));
  } else if (message.body) {
    body = h("p", { className: "body" }, bodyWithMentions(message, conversation));
  }
  const mentionsMe = !mine && state.me && (message.mentions || []).includes(state.me.id);
  const meta = h(
    "span",
    { className: "meta" },
    message.edited_at && !message.is_deleted ? h("span", { className: "edited" }, "edited") : null,
    h("time", { datetime: message.created_at, title: new Date(message.created_at).toLocaleString() }, clock(message.created_at)),
    mine && !message.is_deleted ? tickMark(message.status) : null,
  );
  const showAuthor = conversation.kind === "group" && !mine;
  const bubble = h(
    "div",
    { className: "bubble" },
    showAuthor ? h("span", { className: "author" }, author.display_name || author.username) : null,
    // Who said it, for screen readers (sighted people see the side of the bubble).
    showAuthor ? null : h("span", { className: "visually-hidden" }, mine ? "You: " : `${author.display_name || author.username}: `),
    message.is_deleted ? null : quoteBlock(message),
    message.is_deleted ? null : attachmentsBlock(message),
    body,
    meta,
  );
  if (mentionsMe) {
    bubble.classList.add("mentions-me");
  }
  const menuButton =
    message.id && !message.is_deleted
      ? h(
          "button",
          {
            type: "button",
            className: "message-menu-button",
            "aria-label": "Message options",
            "aria-haspopup": "menu",
            onclick: (event) => openMessageMenu(event.currentTarget, message, conversation),
          },
          "⌄",
        )
      : null;
  const children = [h("div", { className: "bubble-row" }, bubble, menuButton)];
  const reactions = reactionsBlock(message);
  if (reactions) {
    children.push(reactions);
  }
  if (message.status === "failed") {
    children.push(
      h(
        "div",
        { className: "send-failed", role: "alert" },
        h("span", {}, message.error || "Not sent."),
        h("button", { type: "button", className: "retry-button", onclick: () => retryMessage(message.conversation_id, message.client_id) }, "Retry"),
      ),
    );
  }
  element.replaceChildren(...children);
}

function messageElement(message, conversation) {
  const key = messageKey(message);
  const sig = signature(message, conversation);
  let cached = elements.get(key);
  if (!cached) {
    cached = { element: h("li", {}), signature: "" };
    elements.set(key, cached);
  }
  if (cached.signature !== sig && !hasOpenMenu(cached.element) && !isPickerOpen(cached.element)) {
    fillMessage(cached.element, message, conversation);
    cached.signature = sig;
    if (message.id && !isMine(message) && readObserver) {
      readObserver.observe(cached.element);
    }
  }
  return cached.element;
}

function separator(iso) {
  const key = dayKey(iso);
  let element = separators.get(key);
  if (!element) {
    element = h("li", { className: "day-separator", role: "separator" }, h("span", {}, dayLabel(iso)));
    separators.set(key, element);
  }
  return element;
}

function resetCaches() {
  elements.clear();
  separators.clear();
  visibleIds.clear();
  if (readObserver) {
    readObserver.disconnect();
  }
}

function renderMessages(changed) {
  const list = $("message-list");
  const scroller = $("messages");
  const conversation = state.conversations.get(state.openId);
  if (!conversation) {
    return;
  }
  const current = thread(conversation.id);
  const nearBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
  const previousHeight = scroller.scrollHeight;
  const previousTop = scroller.scrollTop;
  const nodes = [];
  let lastDay = null;
  for (const message of current.list()) {
    const day = dayKey(message.created_at);
    if (day !== lastDay) {
      nodes.push(separator(message.created_at));
      lastDay = day;
    }
    nodes.push(messageElement(message, conversation));
  }
  // Move only what is out of place, so focus and selection survive a redraw.
  nodes.forEach((node, index) => {
    if (list.children[index] !== node) {
      list.insertBefore(node, list.children[index] || null);
    }
  });
  while (list.children.length > nodes.length) {
    list.lastElementChild.remove();
  }
  if (changed.has("keep-scroll")) {
    scroller.scrollTop = previousTop + (scroller.scrollHeight - previousHeight);
  } else if (changed.has("scroll-bottom") || nearBottom) {
    scroller.scrollTop = scroller.scrollHeight;
  }
  renderHistoryStatus();
  window.setTimeout(maybeLoadOlder, 0);
}

function renderHistoryStatus() {
  const current = state.openId === null ? null : thread(state.openId);
  const status = $("history-status");
  if (!current || !current.loaded) {
    status.textContent = "Loading messages…";
  } else if (current.loadingOlder) {
    status.textContent = "Loading earlier messages…";
  } else if (current.hasOlder) {
    status.textContent = "";
  } else {
    status.textContent = current.byId.size ? "" : "No messages yet. Say hello!";
  }
}

function subtitle(conversation) {
  const typing = typingText(conversation);
  if (typing) {
    return { text: typing, typing: true };
  }
  if (conversation.kind === "direct" && conversation.peer) {
    const presence = state.presence.get(conversation.peer.id);
    if (presence && presence.online) {
      return { text: "online" };
    }
    return { text: presence ? lastSeenText(presence.last_seen) : "" };
  }
  if (conversation.members) {
    const names = conversation.members.map((member) => (member.user.id === state.me.id ? "You" : member.user.display_name || member.user.username));
    return { text: names.join(", ") };
  }
  return { text: "" };
}

function renderHeader() {
  const shell = $("app-shell");
  const conversation = state.openId === null ? null : state.conversations.get(state.openId);
  $("empty-state").hidden = Boolean(conversation);
  $("conversation").hidden = !conversation;
  shell.dataset.view = conversation ? "chat" : "list";
  if (!conversation) {
    return;
  }
  $("conversation-title").textContent = conversationTitle(conversation);
  const { text, typing } = subtitle(conversation);
  const line = $("conversation-subtitle");
  line.textContent = text;
  line.classList.toggle("typing", Boolean(typing));
  paintAvatar($("conversation-avatar"), conversationAvatar(conversation));
  document.body.dataset.openConversation = String(conversation.id);
}

// --- read acks: others' messages on screen, in a visible and focused tab -------------

export function maybeMarkRead() {
  if (state.openId === null || document.visibilityState !== "visible" || !document.hasFocus()) {
    return;
  }
  let highest = 0;
  for (const id of visibleIds) {
    highest = Math.max(highest, id);
  }
  if (highest) {
    ackRead(state.openId, highest);
  }
}

function watchVisibility() {
  readObserver = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        const id = Number(entry.target.dataset.id);
        if (!id) {
          continue;
        }
        if (entry.isIntersecting) {
          visibleIds.add(id);
        } else {
          visibleIds.delete(id);
        }
      }
      maybeMarkRead();
    },
    { root: $("messages"), threshold: 0.5 },
  );
  historyObserver = new IntersectionObserver(
    (entries) => {
      historyInView = entries.some((entry) => entry.isIntersecting);
      maybeLoadOlder();
    },
    { root: $("messages"), rootMargin: "300px 0px 0px 0px" },
  );
  historyObserver.observe($("history-sentinel"));
  window.addEventListener("focus", maybeMarkRead);
  document.addEventListener("visibilitychange", maybeMarkRead);
}

// The observer only wakes this up; whether the top is near is measured now, since its
// last report may predate the page that was just put above.
function historyNearTop() {
  const scroller = $("messages");
  const sentinel = $("history-sentinel");
  return sentinel.getBoundingClientRect().bottom >= scroller.getBoundingClientRect().top - 300;
}

function maybeLoadOlder() {
  if (!historyInView || state.openId === null || $("conversation").hidden || !historyNearTop()) {
    return;
  }
  const conversationId = state.openId;
  loadOlder(conversationId)
    .then((loaded) => {
      if (loaded) {
        window.setTimeout(maybeLoadOlder, 50);
      }
    })
    .catch(() => {});
}

export function initThread() {
  watchVisibility();
  $("back-button").addEventListener("click", () => closeConversation());
  subscribe((changed) => {
    if (changed.has("open") && shownConversationId !== state.openId) {
      shownConversationId = state.openId;
      resetCaches();
      $("message-list").replaceChildren();
      changed.add("scroll-bottom");
    }
    if (changed.has("header") || changed.has("open")) {
      renderHeader();
    }
    if (state.openId !== null && (changed.has("thread") || changed.has("open"))) {
      renderMessages(changed);
    } else if (changed.has("history")) {
      renderHistoryStatus();
    }
  });
}
