// Unit tests of static/js/store.js, the page's state, with Node's own test runner:
// `node --test tests/js/*.test.js` (make test runs it). store.js is a plain browser module; only
// notify() touches the page (requestAnimationFrame, setTimeout, visibilityState), and the
// tests below give it a stand-in window and document that they drive by hand.

import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";

import {
  STATUS_RANK,
  TYPING_SHOWS_MS,
  Thread,
  applyPointer,
  conversationTitle,
  higherStatus,
  isMine,
  noteMessage,
  notify,
  putConversation,
  removeConversation,
  sortedConversations,
  state,
  statusFromPointers,
  subscribe,
  thread,
  typingNames,
  typingText,
} from "../../static/js/store.js";

const ME = { id: 1, username: "alice", display_name: "Alice" };
const BOB = { id: 2, username: "bob", display_name: "Bob" };
const CAROL = { id: 3, username: "carol", display_name: "" };

function message(id, { author = BOB, ...fields } = {}) {
  return { id, author, body: `message ${id}`, created_at: `2026-01-01T10:00:${String(id % 60).padStart(2, "0")}Z`, ...fields };
}

function member(user, { delivered = null, read = null } = {}) {
  return { user, role: "member", last_delivered_message_id: delivered, last_read_message_id: read };
}

beforeEach(() => {
  state.me = ME;
  state.conversations.clear();
  state.threads.clear();
  state.presence.clear();
  state.openId = null;
});

describe("higherStatus", () => {
  test("ranks failed < pending < sent < delivered < read", () => {
    const order = Object.keys(STATUS_RANK).sort((a, b) => STATUS_RANK[a] - STATUS_RANK[b]);
    assert.deepEqual(order, ["failed", "pending", "sent", "delivered", "read"]);
  });

  test("keeps the further of two statuses, in either order", () => {
    assert.equal(higherStatus("sent", "read"), "read");
    assert.equal(higherStatus("read", "sent"), "read");
    assert.equal(higherStatus("delivered", "sent"), "delivered");
    assert.equal(higherStatus("failed", "pending"), "pending");
    assert.equal(higherStatus("pending", "failed"), "pending");
  });

  test("a missing status gives way to the other", () => {
    assert.equal(higherStatus(null, "sent"), "sent");
    assert.equal(higherStatus(undefined, "delivered"), "delivered");
    assert.equal(higherStatus("read", null), "read");
    assert.equal(higherStatus("read", undefined), "read");
    assert.equal(higherStatus(null, undefined), null);
    assert.equal(higherStatus(undefined, null), null);
  });

  test("an unknown status ranks as pending and does not displace an equal one", () => {
    assert.equal(higherStatus("pending", "mystery"), "pending");
    assert.equal(higherStatus("mystery", "sent"), "sent");
    assert.equal(higherStatus("sent", "mystery"), "sent");
  });
});

describe("Thread", () => {
  test("upsert stores a new message as a copy and says it was new", () => {
    const current = new Thread(7);
    const incoming = message(5);
    assert.equal(current.upsert(incoming), true);
    incoming.body = "changed by the caller afterwards";
    assert.equal(current.byId.get(5).body, "message 5");
    assert.equal(current.conversationId, 7);
  });

  test("the same message again (replay, send response, event) merges into one", () => {
    const current = new Thread(7);
    current.upsert(message(5, { status: "sent" }));
    const kept = current.byId.get(5);
    assert.equal(current.upsert(message(5, { body: "edited", is_edited: true, status: "sent" })), false);
    assert.equal(current.byId.size, 1);
    assert.equal(current.byId.get(5), kept, "merged in place: views holding it see the change");
    assert.equal(kept.body, "edited");
    assert.equal(kept.is_edited, true);
  });

  test("a merge never moves the status back", () => {
    const current = new Thread(7);
    current.upsert(message(5, { author: ME, status: "read" }));
    current.upsert(message(5, { author: ME, status: "sent", body: "late copy" }));
    assert.equal(current.byId.get(5).status, "read");
    assert.equal(current.byId.get(5).body, "late copy");
    current.upsert(message(5, { author: ME }));
    assert.equal(current.byId.get(5).status, "read", "a copy without a status keeps the known one");
  });

  test("a merge moves the status forward", () => {
    const current = new Thread(7);
    current.upsert(message(5, { author: ME, status: "sent" }));
    current.upsert(message(5, { author: ME, status: "delivered" }));
    assert.equal(current.byId.get(5).status, "delivered");
  });

  test("the stored message replaces the pending one with its client_id", () => {
    const current = new Thread(7);
    current.addPending({ client_id: "c-1", body: "hi", author: ME, status: "pending", localSeq: 1 });
    current.addPending({ client_id: "c-2", body: "there", author: ME, status: "pending", localSeq: 2 });
    current.upsert(message(10, { author: ME, client_id: "c-1", status: "sent" }));
    assert.deepEqual([...current.pending.keys()], ["c-2"]);
    assert.deepEqual(
      current.list().map((m) => m.id ?? m.client_id),
      [10, "c-2"],
    );
  });

  test("a message without a client_id leaves the pending ones alone", () => {
    const current = new Thread(7);
    current.addPending({ client_id: "c-1", localSeq: 1 });
    current.upsert(message(10, { client_id: null }));
    current.upsert(message(11));
    assert.equal(current.pending.size, 1);
  });

  test("a message whose client_id is not pending (another tab's) is simply stored", () => {
    const current = new Thread(7);
    current.addPending({ client_id: "mine", localSeq: 1 });
    assert.equal(current.upsert(message(10, { author: ME, client_id: "other-tab" })), true);
    assert.equal(current.pending.size, 1);
    assert.equal(current.byId.size, 1);
  });

  test("list is oldest first by numeric id, then the pending ones in the order they were written", () => {
    const current = new Thread(7);
    for (const id of [100, 9, 10, 2]) {
      current.upsert(message(id));
    }
    current.addPending({ client_id: "b", localSeq: 2 });
    current.addPending({ client_id: "c", localSeq: 10 });
    current.addPending({ client_id: "a", localSeq: 1 });
    assert.deepEqual(
      current.list().map((m) => m.id ?? m.client_id),
      [2, 9, 10, 100, "a", "b", "c"],
    );
  });

  test("oldestId and newestId look at stored messages only", () => {
    const current = new Thread(7);
    assert.equal(current.oldestId(), null);
    assert.equal(current.newestId(), 0);
    current.addPending({ client_id: "p", localSeq: 1 });
    assert.equal(current.oldestId(), null);
    for (const id of [40, 7, 300, 12]) {
      current.upsert(message(id));
    }
    assert.equal(current.oldestId(), 7);
    assert.equal(current.newestId(), 300);
  });

  test("a new thread has nothing loaded yet", () => {
    const current = new Thread(3);
    assert.equal(current.loaded, false);
    assert.equal(current.hasOlder, false);
    assert.equal(current.loadingOlder, false);
    assert.deepEqual(current.list(), []);
  });
});

describe("thread()", () => {
  test("makes one Thread per conversation and hands back the same one", () => {
    const first = thread(4);
    assert.ok(first instanceof Thread);
    assert.equal(thread(4), first);
    assert.notEqual(thread(5), first);
    assert.equal(state.threads.get(4), first);
  });
});

describe("isMine", () => {
  test("is true only for messages the signed-in user wrote", () => {
    assert.equal(isMine(message(1, { author: ME })), true);
    assert.equal(isMine(message(1, { author: { id: ME.id } })), true);
    assert.equal(isMine(message(1, { author: BOB })), false);
    assert.equal(isMine(message(1, { author: null })), false, "a deleted user's message");
    assert.equal(isMine(null), false);
    assert.equal(isMine(undefined), false);
  });

  test("is false before anyone is signed in", () => {
    state.me = null;
    assert.equal(isMine(message(1, { author: ME })), false);
  });
});

describe("putConversation", () => {
  test("a new conversation gets empty pointers and typing", () => {
    const stored = putConversation({ id: 1, kind: "direct", peer: BOB });
    assert.ok(stored.pointers instanceof Map);
    assert.ok(stored.typing instanceof Map);
    assert.equal(stored.pointers.size, 0);
    assert.equal(state.conversations.get(1), stored);
    assert.equal(stored.membersLoaded, undefined);
  });

  test("a row again merges into what is known and keeps typing and pointers", () => {
    const first = putConversation({ id: 1, kind: "group", title: "Old", unread_count: 3, members: [member(BOB)] });
    first.typing.set(BOB.id, { name: "Bob", until: Date.now() + 1000 });
    const merged = putConversation({ id: 1, title: "New" });
    assert.equal(merged.title, "New");
    assert.equal(merged.kind, "group");
    assert.equal(merged.unread_count, 3);
    assert.equal(merged.typing, first.typing);
    assert.equal(merged.pointers, first.pointers);
    assert.equal(merged.membersLoaded, true);
    assert.equal(state.conversations.get(1), merged);
  });

  test("members become the others' pointers, not mine, with missing ids as 0", () => {
    const stored = putConversation({
      id: 1,
      kind: "group",
      members: [member(ME, { delivered: 50, read: 50 }), member(BOB, { delivered: 8, read: 5 }), member(CAROL)],
    });
    assert.deepEqual([...stored.pointers.keys()].sort(), [BOB.id, CAROL.id]);
    assert.deepEqual(stored.pointers.get(BOB.id), { delivered: 8, read: 5 });
    assert.deepEqual(stored.pointers.get(CAROL.id), { delivered: 0, read: 0 });
    assert.equal(stored.membersLoaded, true);
  });

  test("a fresh member list replaces the pointers: who left is gone", () => {
    putConversation({ id: 1, kind: "group", members: [member(BOB, { read: 4 }), member(CAROL, { read: 4 })] });
    const stored = putConversation({ id: 1, members: [member(BOB, { delivered: 9, read: 6 })] });
    assert.deepEqual([...stored.pointers.keys()], [BOB.id]);
    assert.deepEqual(stored.pointers.get(BOB.id), { delivered: 9, read: 6 });
  });

  test("a stale row does not replace a newer preview", () => {
    putConversation({ id: 1, last_message: message(20), last_message_at: "2026-01-02T00:00:00Z" });
    const stored = putConversation({
      id: 1,
      title: "renamed",
      last_message: message(12),
      last_message_at: "2026-01-01T00:00:00Z",
    });
    assert.equal(stored.last_message.id, 20);
    assert.equal(stored.last_message_at, "2026-01-02T00:00:00Z");
    assert.equal(stored.title, "renamed", "the rest of the row still applies");
  });

  test("a newer row does replace the preview", () => {
    putConversation({ id: 1, last_message: message(12), last_message_at: "2026-01-01T00:00:00Z" });
    const stored = putConversation({ id: 1, last_message: message(20), last_message_at: "2026-01-02T00:00:00Z" });
    assert.equal(stored.last_message.id, 20);
    assert.equal(stored.last_message_at, "2026-01-02T00:00:00Z");
  });
});

describe("removeConversation", () => {
  test("forgets the conversation and its loaded messages", () => {
    putConversation({ id: 1 });
    putConversation({ id: 2 });
    thread(1).upsert(message(3));
    thread(2).upsert(message(4));
    removeConversation(1);
    assert.deepEqual([...state.conversations.keys()], [2]);
    assert.deepEqual([...state.threads.keys()], [2]);
  });
});

describe("sortedConversations", () => {
  test("newest activity first, by time parsed rather than compared as text", () => {
    putConversation({ id: 1, last_message_at: "2026-01-01T10:00:00Z" });
    // As text "…00.500Z" sorts before "…00Z" ("." < "Z"), though it is half a second later.
    putConversation({ id: 2, last_message_at: "2026-01-01T10:00:00.500Z" });
    putConversation({ id: 3, last_message_at: "2026-01-01T09:59:59.999Z" });
    putConversation({ id: 4, last_message_at: "2026-01-01T12:00:00+02:00" }); // 10:00:00Z
    assert.deepEqual(
      sortedConversations().map((c) => c.id),
      [2, 4, 1, 3],
    );
  });

  test("a conversation without messages sorts by when it was made; ties by the higher id", () => {
    putConversation({ id: 1, created_at: "2026-01-03T00:00:00Z", last_message_at: null });
    putConversation({ id: 2, last_message_at: "2026-01-02T00:00:00Z" });
    putConversation({ id: 5, last_message_at: "2026-01-02T00:00:00Z" });
    putConversation({ id: 3 }); // no time at all: last
    putConversation({ id: 4, created_at: "not a date" });
    assert.deepEqual(
      sortedConversations().map((c) => c.id),
      [1, 5, 2, 4, 3],
    );
  });

  test("leaves the store's own order alone", () => {
    putConversation({ id: 1, last_message_at: "2026-01-01T00:00:00Z" });
    putConversation({ id: 2, last_message_at: "2026-01-02T00:00:00Z" });
    sortedConversations();
    assert.deepEqual([...state.conversations.keys()], [1, 2]);
  });
});

describe("conversationTitle", () => {
  test("a group shows its group's name, else its title, else 'Group'", () => {
    assert.equal(conversationTitle({ kind: "group", group: { name: "Team" }, title: "x" }), "Team");
    assert.equal(conversationTitle({ kind: "group", group: { name: "" }, title: "Fallback" }), "Fallback");
    assert.equal(conversationTitle({ kind: "group", group: null }), "Group");
  });

  test("a direct chat shows the peer's display name, else their username", () => {
    assert.equal(conversationTitle({ kind: "direct", peer: BOB }), "Bob");
    assert.equal(conversationTitle({ kind: "direct", peer: CAROL }), "carol");
  });

  test("a direct chat without a peer shows its title, else 'Chat'", () => {
    assert.equal(conversationTitle({ kind: "direct", title: "Old friend" }), "Old friend");
    assert.equal(conversationTitle({ kind: "direct" }), "Chat");
  });
});

describe("noteMessage", () => {
  test("a new message from someone else updates the preview and counts as unread", () => {
    const conversation = putConversation({ id: 1, unread_count: 2, last_message: message(4) });
    const incoming = message(5);
    assert.equal(noteMessage(conversation, incoming, { countUnread: true }), true);
    assert.equal(conversation.last_message.id, 5);
    assert.notEqual(conversation.last_message, incoming, "the preview is a copy");
    assert.equal(conversation.last_message_at, incoming.created_at);
    assert.equal(conversation.unread_count, 3);
  });

  test("the first unread message of a conversation without a count starts it at 1", () => {
    const conversation = putConversation({ id: 1 });
    noteMessage(conversation, message(5), { countUnread: true });
    assert.equal(conversation.unread_count, 1);
  });

  test("my own messages and the open chat's do not count as unread", () => {
    const conversation = putConversation({ id: 1, unread_count: 0 });
    assert.equal(noteMessage(conversation, message(5, { author: ME }), { countUnread: true }), true);
    assert.equal(noteMessage(conversation, message(6), { countUnread: false }), true);
    assert.equal(conversation.unread_count, 0);
    assert.equal(conversation.last_message.id, 6);
  });

  test("the same message again (a replay) is not new and is not counted twice", () => {
    const conversation = putConversation({ id: 1, unread_count: 0 });
    noteMessage(conversation, message(5), { countUnread: true });
    assert.equal(noteMessage(conversation, message(5, { body: "edited" }), { countUnread: true }), false);
    assert.equal(conversation.unread_count, 1);
    assert.equal(conversation.last_message.body, "edited");
  });

  test("the same message again keeps the further status", () => {
    const conversation = putConversation({ id: 1, last_message: message(5, { author: ME, status: "read" }) });
    noteMessage(conversation, message(5, { author: ME, status: "sent" }), { countUnread: true });
    assert.equal(conversation.last_message.status, "read");
    noteMessage(conversation, message(6, { author: ME, status: "sent" }), { countUnread: true });
    assert.equal(conversation.last_message.status, "sent", "a new message starts from its own status");
  });

  test("an older message than the preview changes nothing", () => {
    const conversation = putConversation({ id: 1, unread_count: 0, last_message: message(9), last_message_at: "later" });
    assert.equal(noteMessage(conversation, message(8), { countUnread: true }), false);
    assert.equal(conversation.last_message.id, 9);
    assert.equal(conversation.last_message_at, "later");
    assert.equal(conversation.unread_count, 0);
  });

  test("a message without an id yet (still sending) always shows as the preview", () => {
    const conversation = putConversation({ id: 1, last_message: message(9) });
    const sending = { client_id: "c-1", author: ME, body: "on its way", created_at: "now", status: "pending" };
    assert.equal(noteMessage(conversation, sending, { countUnread: true }), true);
    assert.equal(conversation.last_message.client_id, "c-1");
    assert.equal(conversation.last_message.status, "pending");
  });
});

describe("statusFromPointers", () => {
  function withPointers(...pointers) {
    const conversation = putConversation({ id: 1, kind: "group" });
    pointers.forEach((pointer, index) => conversation.pointers.set(100 + index, pointer));
    return conversation;
  }

  test("no other members known: no status", () => {
    assert.equal(statusFromPointers(withPointers(), 5), null);
  });

  test("read once every other member has read it", () => {
    assert.equal(statusFromPointers(withPointers({ delivered: 5, read: 5 }, { delivered: 9, read: 9 }), 5), "read");
  });

  test("the member furthest behind decides (lowest wins)", () => {
    const conversation = withPointers({ delivered: 9, read: 9 }, { delivered: 5, read: 0 }, { delivered: 9, read: 9 });
    assert.equal(statusFromPointers(conversation, 5), "delivered");
    assert.equal(statusFromPointers(conversation, 6), "sent");
    assert.equal(statusFromPointers(conversation, 4), "delivered");
  });

  test("a read pointer ahead of the delivered one counts as delivered too", () => {
    const conversation = withPointers({ delivered: 0, read: 7 }, { delivered: 7, read: 0 });
    assert.equal(statusFromPointers(conversation, 7), "delivered");
  });

  test("sent while anyone has not received it", () => {
    assert.equal(statusFromPointers(withPointers({ delivered: 4, read: 4 }), 5), "sent");
  });
});

describe("applyPointer", () => {
  function directWithThread() {
    const conversation = putConversation({ id: 1, kind: "direct", peer: BOB });
    const current = thread(1);
    current.upsert(message(10, { author: ME, status: "sent" }));
    current.upsert(message(11, { author: BOB }));
    current.upsert(message(12, { author: ME, status: "sent" }));
    current.upsert(message(13, { author: ME, status: "sent", is_deleted: true }));
    conversation.last_message = { ...current.byId.get(12) };
    return { conversation, current };
  }

  test("delivered up to an id ticks my messages up to it, and only mine", () => {
    const { conversation, current } = directWithThread();
    assert.equal(applyPointer(conversation, { userId: BOB.id, kind: "delivered", upTo: 10 }), true);
    assert.deepEqual(conversation.pointers.get(BOB.id), { delivered: 10, read: 0 });
    assert.equal(current.byId.get(10).status, "delivered");
    assert.equal(current.byId.get(11).status, undefined, "others' messages carry no ticks");
    assert.equal(current.byId.get(12).status, "sent");
    assert.equal(conversation.last_message.status, "sent");
  });

  test("read moves both pointers and turns my messages and the preview read", () => {
    const { conversation, current } = directWithThread();
    applyPointer(conversation, { userId: BOB.id, kind: "read", upTo: 12 });
    assert.deepEqual(conversation.pointers.get(BOB.id), { delivered: 12, read: 12 });
    assert.equal(current.byId.get(10).status, "read");
    assert.equal(current.byId.get(12).status, "read");
    assert.equal(conversation.last_message.status, "read");
  });

  test("a deleted message keeps the ticks it had", () => {
    const { conversation, current } = directWithThread();
    applyPointer(conversation, { userId: BOB.id, kind: "read", upTo: 13 });
    assert.equal(current.byId.get(13).status, "sent");
  });

  test("pointers only move forward: a late, lower event changes nothing", () => {
    const { conversation, current } = directWithThread();
    applyPointer(conversation, { userId: BOB.id, kind: "read", upTo: 12 });
    applyPointer(conversation, { userId: BOB.id, kind: "delivered", upTo: 10 });
    applyPointer(conversation, { userId: BOB.id, kind: "read", upTo: 3 });
    assert.deepEqual(conversation.pointers.get(BOB.id), { delivered: 12, read: 12 });
    assert.equal(current.byId.get(12).status, "read");
  });

  test("a delivered event after a read one does not move the read pointer", () => {
    const { conversation } = directWithThread();
    applyPointer(conversation, { userId: BOB.id, kind: "read", upTo: 10 });
    applyPointer(conversation, { userId: BOB.id, kind: "delivered", upTo: 12 });
    assert.deepEqual(conversation.pointers.get(BOB.id), { delivered: 12, read: 10 });
  });

  test("a status already further (from the server) never goes back", () => {
    const { conversation, current } = directWithThread();
    current.byId.get(12).status = "read";
    applyPointer(conversation, { userId: BOB.id, kind: "delivered", upTo: 12 });
    assert.equal(current.byId.get(12).status, "read");
  });

  test("in a group, every member must have read it", () => {
    const conversation = putConversation({
      id: 2,
      kind: "group",
      members: [member(ME), member(BOB), member(CAROL)],
    });
    thread(2).upsert(message(20, { author: ME, status: "sent" }));
    applyPointer(conversation, { userId: BOB.id, kind: "read", upTo: 20 });
    assert.equal(thread(2).byId.get(20).status, "sent");
    applyPointer(conversation, { userId: CAROL.id, kind: "delivered", upTo: 20 });
    assert.equal(thread(2).byId.get(20).status, "delivered");
    applyPointer(conversation, { userId: CAROL.id, kind: "read", upTo: 25 });
    assert.equal(thread(2).byId.get(20).status, "read");
  });

  test("a group whose members are not loaded yet ignores the event", () => {
    const conversation = putConversation({ id: 2, kind: "group" });
    thread(2).upsert(message(20, { author: ME, status: "sent" }));
    assert.equal(applyPointer(conversation, { userId: BOB.id, kind: "read", upTo: 20 }), false);
    assert.equal(conversation.pointers.size, 0);
    assert.equal(thread(2).byId.get(20).status, "sent");
  });

  test("works without a loaded thread, on the preview alone", () => {
    const conversation = putConversation({
      id: 1,
      kind: "direct",
      last_message: message(8, { author: ME, status: "sent" }),
    });
    assert.equal(applyPointer(conversation, { userId: BOB.id, kind: "delivered", upTo: 8 }), true);
    assert.equal(conversation.last_message.status, "delivered");
  });

  test("someone else's preview gets no ticks", () => {
    const conversation = putConversation({ id: 1, kind: "direct", last_message: message(8, { author: BOB }) });
    applyPointer(conversation, { userId: BOB.id, kind: "read", upTo: 8 });
    assert.equal(conversation.last_message.status, undefined);
  });
});

describe("typing", () => {
  test("lists who is typing now and forgets who stopped", () => {
    const conversation = putConversation({ id: 1 });
    const now = Date.now();
    conversation.typing.set(BOB.id, { name: "Bob", until: now + TYPING_SHOWS_MS });
    conversation.typing.set(CAROL.id, { name: "carol", until: now - 1 });
    assert.deepEqual(typingNames(conversation), ["Bob"]);
    assert.deepEqual([...conversation.typing.keys()], [BOB.id]);
  });

  test("says it in words for none, one, two and more", () => {
    const conversation = putConversation({ id: 1 });
    const until = Date.now() + 60000;
    assert.equal(typingText(conversation), "");
    conversation.typing.set(2, { name: "Bob", until });
    assert.equal(typingText(conversation), "Bob is typing…");
    conversation.typing.set(3, { name: "Carol", until });
    assert.equal(typingText(conversation), "Bob and Carol are typing…");
    conversation.typing.set(4, { name: "Dave", until });
    assert.equal(typingText(conversation), "Several people are typing…");
  });
});

describe("notify and subscribe", () => {
  // A stand-in page: frames and timers run only when the test says so.
  let frames;
  let timers;
  let calls;
  let unsubscribe;

  beforeEach(() => {
    frames = [];
    timers = [];
    calls = [];
    globalThis.window = {
      requestAnimationFrame: (fn) => frames.push(fn),
      setTimeout: (fn, ms) => timers.push({ fn, ms }),
    };
    globalThis.document = { visibilityState: "visible" };
    unsubscribe = subscribe((changed) => calls.push([...changed].sort()));
  });

  afterEach(() => {
    unsubscribe();
    // Leave nothing scheduled for the next test.
    frames.splice(0).forEach((fn) => fn());
    timers.splice(0).forEach(({ fn }) => fn());
    delete globalThis.window;
    delete globalThis.document;
  });

  test("changes named in one frame reach each view once, together", () => {
    notify("list");
    notify("thread", "list");
    notify("header");
    assert.equal(calls.length, 0, "nothing renders before the frame");
    assert.equal(frames.length, 1, "one frame asked for however many changes");
    frames.shift()();
    assert.deepEqual(calls, [["header", "list", "thread"]]);
  });

  test("the backup timer and the frame render once between them", () => {
    notify("list");
    assert.equal(timers.length, 1);
    assert.equal(timers[0].ms, 100);
    frames.shift()();
    timers.shift().fn();
    assert.equal(calls.length, 1);
  });

  test("a hidden tab, which gets no frames, renders from the timer at once", () => {
    globalThis.document.visibilityState = "hidden";
    notify("title");
    assert.equal(timers[0].ms, 0);
    timers.shift().fn();
    assert.deepEqual(calls, [["title"]]);
    frames.shift()(); // the frame that comes when the tab shows again renders nothing more
    assert.equal(calls.length, 1);
  });

  test("after a render, the next change schedules a new one", () => {
    notify("list");
    frames.shift()();
    timers.shift().fn();
    notify("thread");
    assert.equal(frames.length, 1);
    frames.shift()();
    assert.deepEqual(calls, [["list"], ["thread"]]);
  });

  test("every subscriber hears; one that unsubscribed does not", () => {
    const other = [];
    const stop = subscribe((changed) => other.push([...changed]));
    notify("list");
    frames.shift()();
    stop();
    notify("thread");
    frames.shift()();
    assert.deepEqual(other, [["list"]]);
    assert.deepEqual(calls, [["list"], ["thread"]]);
  });
});
