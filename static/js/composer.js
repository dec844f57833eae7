// The message box: Enter sends, Shift+Enter is a new line; typing pings; editing.

import { api } from "./api.js";
import { readyUploads, takeUploads, uploadsBusy } from "./attachments.js";
import { sendMessage } from "./controller.js";
import { $, toast } from "./dom.js";
import { cancelReply, replyTarget } from "./replies.js";
import { notify, state, subscribe, thread } from "./store.js";

const MAX_LENGTH = 4000;
const TYPING_EVERY_MS = 3000;
let lastTypingAt = 0;
let lastTypingConversation = null;
let editing = null; // the message being edited
const drafts = new Map(); // conversation id -> unsent text

function input() {
  return $("composer-input");
}

function grow() {
  const box = input();
  box.style.height = "auto";
  box.style.height = `${Math.min(box.scrollHeight, 160)}px`;
}

function pingTyping() {
  const conversationId = state.openId;
  const now = Date.now();
  if (conversationId === null || editing) {
    return;
  }
  if (conversationId === lastTypingConversation && now - lastTypingAt < TYPING_EVERY_MS) {
    return;
  }
  lastTypingAt = now;
  lastTypingConversation = conversationId;
  api.post(`/conversations/${conversationId}/typing`).catch(() => {});
}

export function startEditing(message) {
  editing = message;
  const box = input();
  box.value = message.body;
  $("edit-bar").hidden = false;
  grow();
  box.focus();
  box.setSelectionRange(box.value.length, box.value.length);
}

function stopEditing() {
  editing = null;
  $("edit-bar").hidden = true;
  input().value = drafts.get(state.openId) || "";
  grow();
}

async function saveEdit(body) {
  const message = editing;
  stopEditing();
  input().value = "";
  drafts.delete(state.openId);
  if (body === message.body) {
    return;
  }
  try {
    const updated = await api.patch(`/messages/${message.id}`, { body });
    thread(message.conversation_id).upsert(updated);
    notify("thread", "list");
  } catch (error) {
    toast(`Could not edit: ${error.message}`, { kind: "error" });
  }
}

function submit() {
  const box = input();
  const body = box.value.trim();
  if (state.openId === null || (!body && (editing || !readyUploads().length))) {
    if (!body && uploadsBusy()) {
      toast("Wait for the upload to finish.");
    }
    return;
  }
  if (!editing && uploadsBusy()) {
    toast("Wait for the upload to finish.");
    return;
  }
  if (body.length > MAX_LENGTH) {
    toast(`A message can hold at most ${MAX_LENGTH} characters.`, { kind: "error" });
    return;
  }
  if (editing) {
    saveEdit(body);
    return;
  }
  box.value = "";
  drafts.delete(state.openId);
  grow();
  lastTypingAt = 0;
  const replyTo = replyTarget(state.openId);
  cancelReply();
  sendMessage(state.openId, body, { replyTo, uploads: takeUploads() });
}

export function initComposer() {
  const box = input();
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
    box.focus();
  });
  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    } else if (event.key === "Escape" && editing) {
      event.preventDefault();
      stopEditing();
    }
  });
  box.addEventListener("input", () => {
    grow();
    if (!editing && state.openId !== null) {
      drafts.set(state.openId, box.value);
    }
    if (box.value.trim()) {
      pingTyping();
    }
  });
  $("edit-cancel").addEventListener("click", () => {
    stopEditing();
    box.focus();
  });
  let shown = null;
  subscribe((changed) => {
    if (changed.has("open") && shown !== state.openId) {
      shown = state.openId;
      if (editing) {
        stopEditing();
      }
      box.value = drafts.get(state.openId) || "";
      grow();
      // On a phone the keyboard would cover the chat: focus only with room to spare.
      if (state.openId !== null && window.matchMedia("(min-width: 721px)").matches) {
        box.focus();
      }
    }
  });
}
