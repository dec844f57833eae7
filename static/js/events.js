// Real-time events (API.md "Real time") applied to the page's state. Replays are
// harmless: messages merge by id, pointers only move forward, counts come from the server.

import { fetchConversation } from "./controller.js";
import { toast } from "./dom.js";
import { onNotificationEvent, refreshCountSoon } from "./notifications.js";
import { isPanelOpenFor, leftConversation, renderPanel } from "./panels.js";
import { applyReactionsEvent } from "./reactions.js";
import { ackDelivered } from "./receipts.js";
import { TYPING_SHOWS_MS, applyPointer, higherStatus, isMine, noteMessage, notify, state, thread } from "./store.js";

function name(user) {
  return user ? user.display_name || user.username : "Someone";
}

async function ensureConversation(conversationId) {
  const known = state.conversations.get(conversationId);
  if (known) {
    return known;
  }
  try {
    return await fetchConversation(conversationId);
  } catch (error) {
    return null;
  }
}

async function onMessageNew({ conversation: ref, message }) {
  const known = state.conversations.has(ref.id);
  const conversation = await ensureConversation(ref.id);
  if (!conversation) {
    return;
  }
  // Kept even before the thread's first page arrives: that request may have left before
  // this message existed, and the two merge by id anyway.
  thread(ref.id).upsert(message);
  if (known) {
    const isNew = noteMessage(conversation, message, { countUnread: state.openId !== ref.id });
    if (isNew && state.openId !== ref.id && !isMine(message) && (message.mentions || []).includes(state.me.id)) {
      conversation.unread_mention_count = (conversation.unread_mention_count || 0) + 1;
    }
  }
  if (!isMine(message)) {
    conversation.typing.delete(message.author.id);
    ackDelivered(ref.id, message.id);
  }
  notify("list", "thread", "header");
}

function onMessageChanged({ conversation_id: conversationId, message }) {
  const conversation = state.conversations.get(conversationId);
  const current = state.threads.get(conversationId);
  if (current && current.byId.has(message.id)) {
    current.upsert(message);
  }
  if (conversation && conversation.last_message && conversation.last_message.id === message.id) {
    const status = higherStatus(conversation.last_message.status, message.status);
    conversation.last_message = { ...message, status };
  }
  notify("list", "thread");
}

function onPointer(kind, data) {
  const conversation = state.conversations.get(data.conversation_id);
  if (!conversation) {
    return;
  }
  if (data.user_id === state.me.id) {
    // Another of the caller's tabs or devices acked: the counts follow.
    if (kind === "read") {
      conversation.last_read_message_id = Math.max(conversation.last_read_message_id || 0, data.up_to);
      if (typeof data.unread_count === "number") {
        conversation.unread_count = data.unread_count;
        if (!data.unread_count) {
          conversation.unread_mention_count = 0;
        }
      }
      refreshCountSoon();
    }
    conversation.last_delivered_message_id = Math.max(conversation.last_delivered_message_id || 0, data.up_to);
    notify("list");
    return;
  }
  applyPointer(conversation, { userId: data.user_id, kind, upTo: data.up_to });
  notify("list", "thread");
}

async function refreshGroup(conversationId) {
  if (!state.conversations.has(conversationId)) {
    return;
  }
  try {
    await fetchConversation(conversationId);
  } catch (error) {
    return;
  }
  if (isPanelOpenFor(conversationId)) {
    renderPanel();
  }
}

async function onGroupEvent(type, data) {
  const group = data.group || {};
  const conversationId = group.conversation_id ?? data.conversation_id;
  switch (type) {
    case "group.invite":
      await ensureConversation(conversationId);
      toast(`${name(data.actor)} added you to ${group.name}.`);
      break;
    case "group.member_removed":
      if (data.user_id === state.me.id) {
        leftConversation(conversationId, `${name(data.actor)} removed you from ${group.name}.`);
      } else {
        await refreshGroup(conversationId);
      }
      break;
    case "group.member_left":
      if (data.user_id === state.me.id) {
        leftConversation(conversationId, null);
      } else {
        await refreshGroup(conversationId);
      }
      break;
    case "group.deleted":
      if (state.conversations.has(conversationId)) {
        const byMe = data.actor && data.actor.id === state.me.id;
        leftConversation(conversationId, byMe ? null : `${name(data.actor)} deleted ${data.name}.`);
      }
      break;
    default: // member_added, role_updated, updated: names, roles and members changed
      await refreshGroup(conversationId);
  }
  notify("list", "header");
}

function onTyping(data) {
  const conversation = state.conversations.get(data.conversation_id);
  if (!conversation || data.user_id === state.me.id) {
    return;
  }
  conversation.typing.set(data.user_id, { name: data.display_name, until: Date.now() + TYPING_SHOWS_MS });
  notify("header", "list");
  window.setTimeout(() => notify("header", "list"), TYPING_SHOWS_MS + 50);
}

function onPresence(data) {
  state.presence.set(data.user_id, { online: data.online, last_seen: data.last_seen });
  notify("header", "list", "presence");
}

export function handleEvent(type, data) {
  if (!data) {
    return;
  }
  if (type === "message.new") {
    onMessageNew(data);
  } else if (type === "message.updated" || type === "message.deleted") {
    onMessageChanged(data);
  } else if (type === "message.reactions") {
    applyReactionsEvent(data);
  } else if (type === "message.delivered") {
    onPointer("delivered", data);
  } else if (type === "message.read") {
    onPointer("read", data);
  } else if (type.startsWith("group.")) {
    onGroupEvent(type, data);
  } else if (type === "notification.new") {
    onNotificationEvent(data);
  } else if (type === "typing") {
    onTyping(data);
  } else if (type === "presence") {
    onPresence(data);
  }
}
