// Delivered and read acknowledgements, batched: one POST per conversation carries the
// highest message id (the server's pointers are cumulative, so that covers the rest).

import { api } from "./api.js";
import { state } from "./store.js";

const delivered = new Map(); // conversation id -> highest id to ack
const read = new Map();
let timer = null;

function schedule() {
  if (timer === null) {
    timer = window.setTimeout(flush, 150);
  }
}

export function ackDelivered(conversationId, messageId) {
  const conversation = state.conversations.get(conversationId);
  const already = conversation ? Math.max(conversation.last_delivered_message_id || 0, conversation.last_read_message_id || 0) : 0;
  if (messageId <= already || messageId <= (delivered.get(conversationId) || 0)) {
    return;
  }
  delivered.set(conversationId, messageId);
  schedule();
}

export function ackRead(conversationId, messageId) {
  const conversation = state.conversations.get(conversationId);
  const already = conversation ? conversation.last_read_message_id || 0 : 0;
  if (messageId <= already || messageId <= (read.get(conversationId) || 0)) {
    return;
  }
  read.set(conversationId, messageId);
  schedule();
}

async function send(kind, conversationId, upTo) {
  try {
    const body = await api.post(`/conversations/${conversationId}/${kind}`, { up_to: upTo });
    const conversation = state.conversations.get(conversationId);
    if (conversation && body) {
      conversation.last_delivered_message_id = Math.max(conversation.last_delivered_message_id || 0, body.last_delivered_message_id);
      conversation.last_read_message_id = Math.max(conversation.last_read_message_id || 0, body.last_read_message_id);
      if (kind === "read") {
        conversation.unread_count = body.unread_count;
      }
    }
    return true;
  } catch (error) {
    if (error.isTransient) {
      // Try again with the next batch (the pointer only moves forward anyway).
      const queue = kind === "read" ? read : delivered;
      queue.set(conversationId, Math.max(queue.get(conversationId) || 0, upTo));
      window.setTimeout(schedule, 3000);
    }
    return false;
  }
}

export const afterRead = new Set(); // callbacks once read acks were stored (unread counts moved)

async function flush() {
  timer = null;
  const reads = Array.from(read.entries());
  read.clear();
  const deliveries = Array.from(delivered.entries());
  delivered.clear();
  const readIds = new Map(reads);
  const jobs = [];
  for (const [conversationId, upTo] of deliveries) {
    // A read at or past it implies delivered: one request instead of two.
    if ((readIds.get(conversationId) || 0) < upTo) {
      jobs.push(send("delivered", conversationId, upTo));
    }
  }
  const readJobs = reads.map(([conversationId, upTo]) => send("read", conversationId, upTo));
  await Promise.all(jobs.concat(readJobs));
  if (readJobs.length) {
    for (const fn of afterRead) {
      fn();
    }
  }
}
