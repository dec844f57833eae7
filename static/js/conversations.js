// The sidebar: conversations by latest activity, with preview, time, unread badge, online dot.

import { openConversation } from "./controller.js";
import { $, avatar, groupInitials, h, shortWhen, toast } from "./dom.js";
import { conversationTitle, isMine, sortedConversations, state, subscribe, typingText } from "./store.js";
import { tickMark } from "./ticks.js";

let filterText = "";

export function conversationAvatar(conversation) {
  if (conversation.kind === "group") {
    return { initials: groupInitials(conversationTitle(conversation)), colour: "#6b7c85" };
  }
  const peer = conversation.peer || {};
  const presence = state.presence.get(peer.id);
  return { initials: peer.initials, colour: peer.avatar_colour, online: Boolean(presence && presence.online) };
}

function preview(conversation) {
  const typing = typingText(conversation);
  if (typing) {
    return h("span", { className: "preview typing" }, conversation.kind === "group" ? typing : "typing…");
  }
  const last = conversation.last_message;
  if (!last) {
    return h("span", { className: "preview muted" }, conversation.kind === "group" ? "Group created" : "No messages yet");
  }
  const parts = [];
  if (isMine(last)) {
    parts.push(tickMark(last.status));
  } else if (conversation.kind === "group" && last.author) {
    parts.push(`${last.author.display_name || last.author.username}: `);
  }
  if (last.is_deleted) {
    parts.push(h("em", {}, "This message was deleted"));
  } else {
    // textContent only: a body can hold anything, including markup.
    const files = last.attachments || [];
    if (files.length) {
      parts.push(files[0].thumbnail_url ? "📷 " : "📎 ");
    }
    parts.push(last.body ? last.body.replace(/\s+/g, " ") : files.map((file) => file.name).join(", "));
  }
  return h("span", { className: "preview" }, parts);
}

function row(conversation) {
  const title = conversationTitle(conversation);
  const unread = conversation.unread_count || 0;
  // Mentions count only while unread: reading the chat answers them.
  const mentions = unread ? conversation.unread_mention_count || 0 : 0;
  const open = state.openId === conversation.id;
  const label = `${title}${unread ? `, ${unread} unread` : ""}${mentions ? `, mentioned ${mentions === 1 ? "once" : `${mentions} times`}` : ""}`;
  return h(
    "li",
    { className: "conversation-row", dataset: { id: conversation.id, kind: conversation.kind } },
    h(
      "button",
      {
        type: "button",
        className: `conversation-button${open ? " active" : ""}${unread ? " has-unread" : ""}`,
        "aria-current": open ? "true" : false,
        "aria-label": label,
        onclick: () => openConversation(conversation.id).catch(() => toast("That chat is not available.", { kind: "error" })),
      },
      avatar(conversationAvatar(conversation)),
      h(
        "span",
        { className: "conversation-text" },
        h(
          "span",
          { className: "conversation-top" },
          h("span", { className: "conversation-title" }, title),
          h("time", { className: "conversation-time", datetime: conversation.last_message_at || "" }, shortWhen(conversation.last_message_at)),
        ),
        h(
          "span",
          { className: "conversation-bottom" },
          preview(conversation),
          mentions ? h("span", { className: "mention-badge", "aria-hidden": "true", title: "You were mentioned" }, "@") : null,
          unread ? h("span", { className: "unread-badge", "aria-hidden": "true" }, unread > 999 ? "999+" : String(unread)) : null,
        ),
      ),
    ),
  );
}

const rowCache = new Map(); // conversation id -> {element, signature}

// Everything a row shows: a row is rebuilt only when this changes, so a redraw from an
// event (presence, typing, a tick) never swaps the button out from under a click.
function rowSignature(conversation) {
  const last = conversation.last_message || {};
  const peer = conversation.peer || {};
  return JSON.stringify([
    conversationTitle(conversation),
    conversation.unread_count,
    conversation.unread_mention_count,
    conversation.last_message_at,
    last.id,
    last.body,
    (last.attachments || []).length,
    last.status,
    last.is_deleted,
    state.openId === conversation.id,
    Boolean(state.presence.get(peer.id)?.online),
    typingText(conversation),
  ]);
}

function cachedRow(conversation) {
  const signature = rowSignature(conversation);
  const cached = rowCache.get(conversation.id);
  if (cached && cached.signature === signature) {
    return cached.element;
  }
  const element = row(conversation);
  if (cached && cached.element.contains(document.activeElement)) {
    // Focus follows the row to its new element, unless something else took it meanwhile.
    const old = cached.element;
    window.setTimeout(() => {
      const active = document.activeElement;
      if (!active || active === document.body || old.contains(active)) {
        element.querySelector("button").focus();
      }
    }, 0);
  }
  rowCache.set(conversation.id, { element, signature });
  return element;
}

function render() {
  const list = $("conversation-list");
  const query = filterText.trim().toLowerCase();
  const rows = sortedConversations().filter((conversation) => !query || conversationTitle(conversation).toLowerCase().includes(query));
  const nodes = rows.map(cachedRow);
  // Move only what is out of place (focus and a click in progress survive).
  nodes.forEach((node, index) => {
    if (list.children[index] !== node) {
      list.insertBefore(node, list.children[index] || null);
    }
  });
  while (list.children.length > nodes.length) {
    list.lastElementChild.remove();
  }
  for (const id of Array.from(rowCache.keys())) {
    if (!state.conversations.has(id)) {
      rowCache.delete(id);
    }
  }
  const empty = $("list-empty");
  empty.hidden = rows.length > 0;
  empty.textContent = query ? "No chats match your search." : "";
  if (!query) {
    empty.append("No chats yet. Start one with the ", h("strong", {}, "New chat"), " button.");
  }
}

export function initConversationList() {
  const filter = $("conversation-filter");
  filter.addEventListener("input", () => {
    filterText = filter.value;
    render();
  });
  // Arrow keys move between chats; Enter/Space open (they are buttons).
  $("conversation-list").addEventListener("keydown", (event) => {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") {
      return;
    }
    const buttons = Array.from($("conversation-list").querySelectorAll("button"));
    const index = buttons.indexOf(document.activeElement);
    const next = buttons[index + (event.key === "ArrowDown" ? 1 : -1)];
    if (next) {
      event.preventDefault();
      next.focus();
    }
  });
  subscribe((changed) => {
    if (changed.has("list")) {
      render();
    }
  });
  render();
}
