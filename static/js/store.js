// The page's state: conversations, their loaded messages, presence, counts.
// Messages are keyed by server id (and pending ones by client_id), so an event, a
// replay after reconnecting and the send response can all arrive: each shows once.

export const STATUS_RANK = { failed: -1, pending: 0, sent: 1, delivered: 2, read: 3 };

export const state = {
  me: null,
  conversations: new Map(), // id -> conversation (API shape) + pointers, typing
  threads: new Map(), // conversation id -> Thread
  openId: null,
  presence: new Map(), // user id -> {online, last_seen}
  notificationCount: 0,
};

const listeners = new Set();

// Views subscribe; `changed` names what changed ("list", "thread", "header", ...).
export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

let queued = new Set();
let scheduled = false;

export function notify(...changes) {
  for (const change of changes) {
    queued.add(change);
  }
  if (scheduled) {
    return;
  }
  scheduled = true;
  // One render per frame however many events arrived in it. A hidden tab gets no
  // frames, but its title (the unread count) must still change: a timer backs it up.
  let done = false;
  const run = () => {
    if (done) {
      return;
    }
    done = true;
    scheduled = false;
    const changed = queued;
    queued = new Set();
    for (const fn of listeners) {
      fn(changed);
    }
  };
  window.requestAnimationFrame(run);
  window.setTimeout(run, document.visibilityState === "visible" ? 100 : 0);
}

export class Thread {
  constructor(conversationId) {
    this.conversationId = conversationId;
    this.byId = new Map();
    this.pending = new Map(); // client_id -> local message not yet stored
    this.loaded = false;
    this.hasOlder = false;
    this.loadingOlder = false;
  }

  // A message from the server (history, send response or event): add or merge.
  upsert(message) {
    if (message.client_id && this.pending.has(message.client_id)) {
      this.pending.delete(message.client_id);
    }
    const existing = this.byId.get(message.id);
    if (!existing) {
      this.byId.set(message.id, { ...message });
      return true;
    }
    const status = higherStatus(existing.status, message.status);
    Object.assign(existing, message, { status });
    return false;
  }

  addPending(message) {
    this.pending.set(message.client_id, message);
  }

  // Oldest first: stored messages by id, then those still on their way.
  list() {
    const stored = Array.from(this.byId.values()).sort((a, b) => a.id - b.id);
    const local = Array.from(this.pending.values()).sort((a, b) => a.localSeq - b.localSeq);
    return stored.concat(local);
  }

  oldestId() {
    let oldest = null;
    for (const id of this.byId.keys()) {
      if (oldest === null || id < oldest) {
        oldest = id;
      }
    }
    return oldest;
  }

  newestId() {
    let newest = 0;
    for (const id of this.byId.keys()) {
      newest = Math.max(newest, id);
    }
    return newest;
  }
}

export function higherStatus(a, b) {
  if (!a) {
    return b ?? null;
  }
  if (!b) {
    return a;
  }
  return (STATUS_RANK[b] ?? 0) > (STATUS_RANK[a] ?? 0) ? b : a;
}

export function thread(conversationId) {
  let found = state.threads.get(conversationId);
  if (!found) {
    found = new Thread(conversationId);
    state.threads.set(conversationId, found);
  }
  return found;
}

export function isMine(message) {
  return Boolean(message && message.author && state.me && message.author.id === state.me.id);
}

// --- conversations -------------------------------------------------------------

export function putConversation(row) {
  const existing = state.conversations.get(row.id);
  const merged = existing ? { ...existing, ...row } : { pointers: new Map(), typing: new Map(), ...row };
  if (existing && existing.last_message && row.last_message) {
    // A stale row must not replace a newer preview (events may be ahead of a fetch).
    if (existing.last_message.id > row.last_message.id) {
      merged.last_message = existing.last_message;
      merged.last_message_at = existing.last_message_at;
    }
  }
  if (row.members) {
    merged.pointers = new Map();
    for (const member of row.members) {
      if (member.user.id !== state.me.id) {
        merged.pointers.set(member.user.id, {
          delivered: member.last_delivered_message_id || 0,
          read: member.last_read_message_id || 0,
        });
      }
    }
    merged.membersLoaded = true;
  }
  state.conversations.set(row.id, merged);
  return merged;
}

export function removeConversation(conversationId) {
  state.conversations.delete(conversationId);
  state.threads.delete(conversationId);
}

export function sortedConversations() {
  // Parsed, not compared as text: ISO times without a fraction would sort wrongly.
  const when = (c) => Date.parse(c.last_message_at || c.created_at || "") || 0;
  return Array.from(state.conversations.values()).sort((a, b) => when(b) - when(a) || b.id - a.id);
}

export function conversationTitle(conversation) {
  if (conversation.kind === "group") {
    return (conversation.group && conversation.group.name) || conversation.title || "Group";
  }
  if (conversation.peer) {
    return conversation.peer.display_name || conversation.peer.username;
  }
  return conversation.title || "Chat";
}

// A new message for the list: its preview, time and (for others' messages) unread count.
export function noteMessage(conversation, message, { countUnread }) {
  const last = conversation.last_message;
  if (last && last.id && message.id && message.id < last.id) {
    return false;
  }
  const isNew = !last || !message.id || message.id !== last.id;
  conversation.last_message = { ...message, status: last && last.id === message.id ? higherStatus(last.status, message.status) : message.status };
  conversation.last_message_at = message.created_at;
  if (isNew && countUnread && !isMine(message)) {
    conversation.unread_count = (conversation.unread_count || 0) + 1;
  }
  return isNew;
}

// --- ticks ----------------------------------------------------------------------

// The status of one's own message from the other members' pointers (lowest wins).
export function statusFromPointers(conversation, messageId) {
  const pointers = Array.from(conversation.pointers.values());
  if (!pointers.length) {
    return null;
  }
  if (pointers.every((p) => p.read >= messageId)) {
    return "read";
  }
  if (pointers.every((p) => Math.max(p.delivered, p.read) >= messageId)) {
    return "delivered";
  }
  return "sent";
}

// message.delivered / message.read from another member: move their pointer, re-tick.
export function applyPointer(conversation, { userId, kind, upTo }) {
  // A group's pointers are only complete once its members were loaded; direct
  // conversations have just the one other member, so an event is enough.
  if (conversation.kind === "group" && !conversation.membersLoaded) {
    return false;
  }
  const pointer = conversation.pointers.get(userId) || { delivered: 0, read: 0 };
  if (kind === "read") {
    pointer.read = Math.max(pointer.read, upTo);
  }
  pointer.delivered = Math.max(pointer.delivered, upTo);
  conversation.pointers.set(userId, pointer);
  const threadState = state.threads.get(conversation.id);
  if (threadState) {
    for (const message of threadState.byId.values()) {
      if (isMine(message) && !message.is_deleted) {
        message.status = higherStatus(message.status, statusFromPointers(conversation, message.id));
      }
    }
  }
  const last = conversation.last_message;
  if (last && last.id && isMine(last)) {
    last.status = higherStatus(last.status, statusFromPointers(conversation, last.id));
  }
  return true;
}

// --- typing ------------------------------------------------------------------------

export const TYPING_SHOWS_MS = 6000;

export function typingNames(conversation) {
  const now = Date.now();
  const names = [];
  for (const [userId, entry] of conversation.typing) {
    if (entry.until > now) {
      names.push(entry.name);
    } else {
      conversation.typing.delete(userId);
    }
  }
  return names;
}

export function typingText(conversation) {
  const names = typingNames(conversation);
  if (!names.length) {
    return "";
  }
  if (names.length === 1) {
    return `${names[0]} is typing…`;
  }
  if (names.length === 2) {
    return `${names[0]} and ${names[1]} are typing…`;
  }
  return "Several people are typing…";
}
