// Reactions: the bar under a message (tap to add or take back yours), a picker of the
// emoji this person uses most, and who reacted on hover. `message.reactions` events
// from the stream replace a message's counts (each recipient's `me` is their own).

import { api } from "./api.js";
import { h, toast } from "./dom.js";
import { notify, state } from "./store.js";

const DEFAULT_EMOJI = ["👍", "❤️", "😂", "😮", "😢", "🙏", "🎉", "🔥"];
const PICKER_SIZE = 8;
const STORAGE_KEY = "parley-emoji-use";
let openPicker = null;

function useCounts() {
  try {
    return JSON.parse(window.localStorage.getItem(STORAGE_KEY) || "{}") || {};
  } catch (error) {
    return {};
  }
}

function noteUse(emoji) {
  const counts = useCounts();
  counts[emoji] = (counts[emoji] || 0) + 1;
  try {
    window.localStorage.setItem(STORAGE_KEY, JSON.stringify(counts));
  } catch (error) {
    // Not remembered; the picker keeps its defaults.
  }
}

// The person's most used emoji first, then the defaults, PICKER_SIZE in all.
export function frequentEmoji() {
  const counts = useCounts();
  const used = Object.keys(counts).sort((a, b) => counts[b] - counts[a]);
  const list = [];
  for (const emoji of [...used, ...DEFAULT_EMOJI]) {
    if (!list.includes(emoji)) {
      list.push(emoji);
    }
  }
  return list.slice(0, PICKER_SIZE);
}

function storedMessage(conversationId, messageId) {
  const current = state.threads.get(conversationId);
  return current ? current.byId.get(messageId) : null;
}

export async function toggleReaction(message, emoji) {
  const mine = (message.reactions || []).some((reaction) => reaction.emoji === emoji && reaction.me);
  const path = `/messages/${message.id}/reactions/${encodeURIComponent(emoji)}`;
  try {
    const body = mine ? await api.delete(path) : await api.put(path);
    if (!mine) {
      noteUse(emoji);
    }
    const stored = storedMessage(message.conversation_id, message.id);
    if (stored && body) {
      stored.reactions = body.reactions;
      notify("thread");
    }
  } catch (error) {
    toast(`Could not react: ${error.message}`, { kind: "error" });
  }
}

export function applyReactionsEvent({ conversation_id: conversationId, message_id: messageId, reactions }) {
  const stored = storedMessage(conversationId, messageId);
  if (stored) {
    stored.reactions = reactions;
    notify("thread");
  }
}

// Names on hover: fetched once per hover of a changed bar.
async function showWhoReacted(button, message, emoji) {
  const key = JSON.stringify(message.reactions);
  if (button.dataset.whoFor === key) {
    return;
  }
  button.dataset.whoFor = key;
  try {
    const body = await api.get(`/messages/${message.id}/reactions`);
    const row = body.results.find((item) => item.emoji === emoji);
    if (row) {
      const names = row.users.map((user) => (state.me && user.id === state.me.id ? "You" : user.display_name || user.username));
      button.title = `${names.join(", ")} reacted with ${emoji}`;
    }
  } catch (error) {
    delete button.dataset.whoFor;
  }
}

export function reactionBar(message) {
  const buttons = (message.reactions || []).map((reaction) => {
    const button = h(
      "button",
      {
        type: "button",
        className: `reaction${reaction.me ? " mine" : ""}`,
        "aria-pressed": reaction.me ? "true" : "false",
        "aria-label": `${reaction.emoji} ${reaction.count}${reaction.me ? ", including you" : ""}`,
        dataset: { emoji: reaction.emoji },
        onclick: () => toggleReaction(message, reaction.emoji),
      },
      h("span", { className: "reaction-emoji" }, reaction.emoji),
      h("span", { className: "reaction-count" }, String(reaction.count)),
    );
    button.addEventListener("mouseenter", () => showWhoReacted(button, message, reaction.emoji));
    button.addEventListener("focus", () => showWhoReacted(button, message, reaction.emoji));
    return button;
  });
  return h("div", { className: "reaction-bar", role: "group", "aria-label": "Reactions" }, buttons);
}

export function closePicker() {
  if (openPicker) {
    openPicker.remove();
    openPicker = null;
    notify("thread");
  }
}

export function isPickerOpen(element) {
  return Boolean(openPicker && element.contains(openPicker));
}

// The frequent emoji next to a message; Escape or a click elsewhere closes it.
export function openReactionPicker(anchor, message) {
  closePicker();
  const picker = h(
    "div",
    { className: "reaction-picker", role: "menu", "aria-label": "React" },
    frequentEmoji().map((emoji) =>
      h(
        "button",
        {
          type: "button",
          role: "menuitem",
          className: "picker-emoji",
          "aria-label": `React with ${emoji}`,
          onclick: () => {
            closePicker();
            toggleReaction(message, emoji);
          },
        },
        emoji,
      ),
    ),
  );
  picker.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      closePicker();
      anchor.focus();
    }
  });
  anchor.insertAdjacentElement("afterend", picker);
  openPicker = picker;
  picker.querySelector("button").focus();
}

document.addEventListener("click", (event) => {
  if (openPicker && !openPicker.contains(event.target) && !event.target.closest(".message-menu")) {
    closePicker();
  }
});
