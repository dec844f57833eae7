// What the page does, apart from drawing: load, open, page back, send and retry.
// Views call these and redraw when the store notifies them.

import { api, newClientId } from "./api.js";
import { ackDelivered } from "./receipts.js";
import { isMine, noteMessage, notify, putConversation, state, thread } from "./store.js";

const HISTORY_PAGE = 50;
let localSeq = 0;

export async function loadConversations() {
  const rows = [];
  let url = "/conversations?page_size=200";
  // Every page: the list is the sidebar, and people rarely have hundreds of chats.
  while (url) {
    const page = await api.get(url);
    rows.push(...page.results);
    url = page.next;
  }
  const seen = new Set();
  for (const row of rows) {
    seen.add(row.id);
    putConversation(row);
    acknowledgeListed(row);
  }
  for (const id of Array.from(state.conversations.keys())) {
    if (!seen.has(id)) {
      state.conversations.delete(id);
    }
  }
  notify("list", "header");
  lookUpPresence(rows);
}

// The list fetch brought this chat's last message to the device: it is delivered.
function acknowledgeListed(row) {
  const last = row.last_message;
  if (last && last.id && !isMine(last) && last.id > row.last_delivered_message_id) {
    ackDelivered(row.id, last.id);
  }
}

// Online dots for direct chats. The conversation list carries no presence, so each
// peer is found through the user search (API gap noted in the web app's README part).
async function lookUpPresence(rows) {
  const peers = rows.filter((row) => row.peer).slice(0, 20).map((row) => row.peer);
  await Promise.all(peers.map((peer) => refreshPresence(peer)));
}

export async function refreshPresence(peer) {
  try {
    const page = await api.get(`/users?search=${encodeURIComponent(peer.username)}&page_size=50`);
    const found = (page.results || []).find((user) => user.id === peer.id);
    if (found) {
      state.presence.set(peer.id, { online: found.online, last_seen: found.last_seen });
      notify("list", "header");
    }
  } catch (error) {
    // Presence is a nicety: the chat works without it.
  }
}

export async function fetchConversation(conversationId) {
  const row = await api.get(`/conversations/${conversationId}`);
  const conversation = putConversation(row);
  acknowledgeListed(row);
  if (row.peer) {
    refreshPresence(row.peer);
  }
  notify("list", "header", "thread");
  return conversation;
}

export async function openConversation(conversationId, { push = true } = {}) {
  if (push && window.location.pathname !== `/c/${conversationId}`) {
    window.history.pushState({ conversationId }, "", `/c/${conversationId}`);
  }
  state.openId = conversationId;
  notify("open", "list", "header", "thread");
  try {
    await Promise.all([fetchConversation(conversationId), loadLatest(conversationId)]);
  } catch (error) {
    if (error.status === 404 || error.status === 403) {
      closeConversation();
      throw error;
    }
  }
}

export function closeConversation({ push = true } = {}) {
  state.openId = null;
  if (push && window.location.pathname !== "/") {
    window.history.pushState({}, "", "/");
  }
  notify("open", "list", "header", "thread");
}

// The newest page; when the thread was loaded before, only what is newer than it has.
export async function loadLatest(conversationId) {
  const current = thread(conversationId);
  const newest = current.newestId();
  if (current.loaded && newest) {
    let after = newest;
    for (;;) {
      const page = await api.get(`/conversations/${conversationId}/messages?after=${after}&page_size=200`);
      page.results.forEach((message) => current.upsert(message));
      notify("thread");
      if (!page.next || !page.results.length) {
        break;
      }
      after = page.results[page.results.length - 1].id;
    }
    return;
  }
  const page = await api.get(`/conversations/${conversationId}/messages?page_size=${HISTORY_PAGE}`);
  page.results.forEach((message) => current.upsert(message));
  current.loaded = true;
  current.hasOlder = Boolean(page.previous);
  const last = page.results[page.results.length - 1];
  const conversation = state.conversations.get(conversationId);
  if (last && conversation && !isMine(last)) {
    ackDelivered(conversationId, last.id);
  }
  notify("thread", "scroll-bottom");
}

export async function loadOlder(conversationId) {
  const current = thread(conversationId);
  const oldest = current.oldestId();
  if (!current.hasOlder || current.loadingOlder || !oldest) {
    return false;
  }
  current.loadingOlder = true;
  notify("history");
  try {
    const page = await api.get(`/conversations/${conversationId}/messages?before=${oldest}&page_size=${HISTORY_PAGE}`);
    page.results.forEach((message) => current.upsert(message));
    current.hasOlder = Boolean(page.previous);
    notify("thread", "history", "keep-scroll");
    return true;
  } finally {
    current.loadingOlder = false;
  }
}

// --- sending ---------------------------------------------------------------------------

export function sendMessage(conversationId, body) {
  const message = {
    client_id: newClientId(),
    conversation_id: conversationId,
    author: state.me,
    body,
    created_at: new Date().toISOString(),
    edited_at: null,
    deleted_at: null,
    is_deleted: false,
    status: "pending",
    localSeq: ++localSeq,
  };
  thread(conversationId).addPending(message);
  const conversation = state.conversations.get(conversationId);
  if (conversation) {
    noteMessage(conversation, message, { countUnread: false });
  }
  notify("thread", "list", "scroll-bottom");
  return deliver(message);
}

const AUTOMATIC_RETRY_DELAYS_MS = [1000, 3000, 5000]; // then the person decides (Retry)

function pause(ms) {
  return new Promise((resolve) => window.setTimeout(resolve, ms));
}

// A busy or briefly failing server (429, 5xx; an overloaded node's 503 stored nothing)
// gets the same request, same client_id, again a few times, no sooner than its
// Retry-After, before the message shows as failed; offline, it waits for the network.
async function postWithRetries(conversationId, message) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await api.post(`/conversations/${conversationId}/messages`, {
        body: message.body,
        client_id: message.client_id,
      });
    } catch (error) {
      const delay = AUTOMATIC_RETRY_DELAYS_MS[attempt];
      if (!error.isTransient || delay === undefined || !navigator.onLine) {
        throw error;
      }
      await pause(Math.max(delay, error.retryAfterMs));
      if (!thread(conversationId).pending.has(message.client_id)) {
        return null; // the stream brought it meanwhile: stored after all
      }
    }
  }
}

// POST with the message's client_id: sending it again can never make a second message.
async function deliver(message) {
  const conversationId = message.conversation_id;
  try {
    const stored = await postWithRetries(conversationId, message);
    if (stored === null) {
      return true;
    }
    thread(conversationId).upsert(stored);
    const conversation = state.conversations.get(conversationId);
    if (conversation) {
      noteMessage(conversation, thread(conversationId).byId.get(stored.id), { countUnread: false });
    }
    notify("thread", "list");
    return true;
  } catch (error) {
    const pending = thread(conversationId).pending.get(message.client_id);
    if (pending) {
      pending.status = "failed";
      pending.error = error.isTransient ? "Not sent. Retry?" : `Not sent: ${error.message}`;
      pending.transient = error.isTransient;
    }
    notify("thread", "list");
    return false;
  }
}

export function retryMessage(conversationId, clientId) {
  const pending = thread(conversationId).pending.get(clientId);
  if (!pending || pending.status === "pending") {
    return Promise.resolve(false);
  }
  pending.status = "pending";
  pending.error = "";
  notify("thread");
  return deliver(pending);
}

// Back online: whatever failed for want of a network goes again, same client_id.
export function retryFailedSends() {
  for (const current of state.threads.values()) {
    for (const pending of current.pending.values()) {
      if (pending.status === "failed" && pending.transient) {
        retryMessage(current.conversationId, pending.client_id);
      }
    }
  }
}

// --- after a stream-reset: everything may have changed -----------------------------------

export async function refetchEverything() {
  const pending = new Map();
  for (const [id, current] of state.threads) {
    if (current.pending.size) {
      pending.set(id, current.pending);
    }
  }
  state.threads.clear();
  for (const [id, items] of pending) {
    thread(id).pending = items;
  }
  await loadConversations();
  if (state.openId !== null) {
    if (!state.conversations.has(state.openId)) {
      closeConversation();
    } else {
      await Promise.all([fetchConversation(state.openId), loadLatest(state.openId)]);
    }
  }
}
