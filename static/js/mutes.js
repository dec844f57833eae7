// Muting the open chat from its header: for 8 hours, a week or until unmuted. The mutes
// live in the notification preferences (PUT /notifications/preferences replaces the list).
// The settings page mutes and unmutes with `mutesWith` too.

import { api } from "./api.js";
import { $, fullWhen, toast } from "./dom.js";
import { state, subscribe } from "./store.js";

const DURATIONS_MS = { "8h": 8 * 3600 * 1000, week: 7 * 24 * 3600 * 1000, always: null };
let mutes = new Map(); // conversation id -> until (ISO) or null

// The preferences' mute list with this conversation muted for `choice` ("8h", "week",
// "always") or, for "unmute", without it.
export function mutesWith(list, conversationId, choice) {
  const others = list.filter((mute) => mute.conversation_id !== conversationId);
  if (choice === "unmute") {
    return others;
  }
  const span = DURATIONS_MS[choice];
  return [...others, { conversation_id: conversationId, until: span === null ? null : new Date(Date.now() + span).toISOString() }];
}

function activeMute(conversationId) {
  if (!mutes.has(conversationId)) {
    return undefined;
  }
  const until = mutes.get(conversationId);
  if (until && new Date(until) <= new Date()) {
    mutes.delete(conversationId);
    return undefined;
  }
  return until;
}

function renderButton() {
  const button = $("mute-button");
  const until = state.openId === null ? undefined : activeMute(state.openId);
  const muted = until !== undefined;
  button.classList.toggle("muted-on", muted);
  const label = !muted ? "Mute notifications" : until ? `Muted until ${fullWhen(until)}` : "Muted";
  button.setAttribute("aria-label", label);
  button.title = label;
  button.dataset.muted = muted ? "true" : "false";
}

async function loadMutes() {
  try {
    const preferences = await api.get("/notifications/preferences");
    mutes = new Map(preferences.mutes.map((mute) => [mute.conversation_id, mute.until]));
  } catch (error) {
    // The button just shows "not muted" until the next load.
  }
  renderButton();
}

async function choose(conversationId, choice) {
  const current = Array.from(mutes, ([id, until]) => ({ conversation_id: id, until }));
  const body = { mutes: mutesWith(current, conversationId, choice) };
  try {
    const preferences = await api.put("/notifications/preferences", body);
    mutes = new Map(preferences.mutes.map((mute) => [mute.conversation_id, mute.until]));
    toast(choice === "unmute" ? "Notifications on for this chat." : "Chat muted.");
  } catch (error) {
    toast(error.message, { kind: "error" });
  }
  renderButton();
}

export function initMutes() {
  const dialog = $("mute-dialog");
  $("mute-button").addEventListener("click", () => {
    const conversationId = state.openId;
    if (conversationId === null) {
      return;
    }
    const until = activeMute(conversationId);
    $("mute-state").textContent =
      until === undefined ? "You get notifications from this chat." : until ? `Muted until ${fullWhen(until)}.` : "Muted until you unmute it.";
    $("unmute-choice").hidden = until === undefined;
    dialog.returnValue = "";
    dialog.addEventListener(
      "close",
      () => {
        if (dialog.returnValue && dialog.returnValue !== "cancel") {
          choose(conversationId, dialog.returnValue);
        }
      },
      { once: true },
    );
    dialog.showModal();
  });
  subscribe((changed) => {
    if (changed.has("open") || changed.has("header")) {
      renderButton();
    }
  });
  loadMutes();
}
