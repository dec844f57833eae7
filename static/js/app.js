// Parley's web app: the entry module (templates/chat/app.html loads only this one).

import { initAttachments } from "./attachments.js";
import { initComposer } from "./composer.js";
import { closeConversation, loadConversations, openConversation, refetchEverything, retryFailedSends } from "./controller.js";
import { initConversationList } from "./conversations.js";
import { initDialogs } from "./dialogs.js";
import { $, paintAvatar, toast } from "./dom.js";
import { handleEvent } from "./events.js";
import { initMutes } from "./mutes.js";
import { initNotifications, refreshCount, refreshCountSoon } from "./notifications.js";
import { initPanels } from "./panels.js";
import { RealtimeClient } from "./realtime.js";
import { afterRead } from "./receipts.js";
import { notify, state } from "./store.js";
import { initMentions } from "./mentions.js";
import { initReplies } from "./replies.js";
import { initSearch } from "./search.js";
import { initThread, maybeMarkRead } from "./thread.js";

function readJson(id) {
  const element = document.getElementById(id);
  return element ? JSON.parse(element.textContent) : null;
}

// --- theme: system, light or dark ------------------------------------------------------------

const THEMES = ["system", "light", "dark"];

function currentTheme() {
  return document.documentElement.getAttribute("data-theme") || "system";
}

function applyTheme(theme) {
  if (theme === "system") {
    document.documentElement.removeAttribute("data-theme");
  } else {
    document.documentElement.setAttribute("data-theme", theme);
  }
  try {
    if (theme === "system") {
      window.localStorage.removeItem("parley-theme");
    } else {
      window.localStorage.setItem("parley-theme", theme);
    }
  } catch (error) {
    // Not saved; the choice lasts for this page.
  }
  $("theme-button").setAttribute("aria-label", `Theme: ${theme}. Switch theme`);
  $("theme-button").title = `Theme: ${theme}`;
}

function initTheme() {
  applyTheme(currentTheme());
  $("theme-button").addEventListener("click", () => {
    const next = THEMES[(THEMES.indexOf(currentTheme()) + 1) % THEMES.length];
    applyTheme(next);
    toast(`Theme: ${next}`);
  });
}

// --- connection banner ---------------------------------------------------------------------------

let bannerTimer = null;

function showConnection(realtimeState) {
  const banner = $("connection-banner");
  window.clearTimeout(bannerTimer);
  if (realtimeState === "connected") {
    banner.hidden = true;
    return;
  }
  $("connection-text").textContent = realtimeState === "offline" ? "You're offline. Reconnecting when the network is back…" : "Reconnecting…";
  // A blip shorter than this never shows; a real outage does, at once when offline.
  bannerTimer = window.setTimeout(() => {
    banner.hidden = false;
  }, realtimeState === "offline" ? 0 : 700);
}

// --- routing: "/" and "/c/<id>" ----------------------------------------------------------------------

function conversationFromPath() {
  const match = window.location.pathname.match(/^\/c\/(\d+)$/);
  return match ? Number(match[1]) : null;
}

function followPath() {
  const id = conversationFromPath();
  if (id === null) {
    closeConversation({ push: false });
  } else if (id !== state.openId) {
    openConversation(id, { push: false }).catch(() => toast("That chat is not available.", { kind: "error" }));
  }
}

async function main() {
  state.me = readJson("parley-me");
  paintAvatar($("my-avatar"), { initials: state.me.initials, colour: state.me.avatar_colour, url: state.me.avatar_url });
  initTheme();
  initConversationList();
  initThread();
  initComposer();
  initMentions();
  initReplies();
  initAttachments();
  initSearch();
  initDialogs();
  initPanels();
  initNotifications();
  initMutes();
  afterRead.add(() => {
    notify("list");
    refreshCountSoon();
  });

  const client = new RealtimeClient({
    onEvent: handleEvent,
    onReset: () => {
      refetchEverything().catch(() => {});
      refreshCount();
    },
    onStateChange: showConnection,
    onReconnected: () => {
      retryFailedSends();
      refreshCount();
    },
  });
  // Open the stream first, so nothing published while the page loads is missed.
  client.start();
  window.addEventListener("online", () => retryFailedSends());
  window.addEventListener("popstate", followPath);

  try {
    await loadConversations();
  } catch (error) {
    toast("Could not load your chats. Retrying shortly…", { kind: "error" });
    window.setTimeout(() => loadConversations().catch(() => {}), 3000);
  }
  refreshCount();
  const initial = readJson("parley-open-conversation");
  if (initial) {
    openConversation(initial, { push: false }).catch(() => toast("That chat is not available.", { kind: "error" }));
  }
  document.addEventListener("keydown", (event) => {
    // Escape leaves the open chat (dialogs and menus handle their own Escape first).
    if (event.key === "Escape" && !event.defaultPrevented && state.openId !== null && !document.querySelector("dialog[open]")) {
      if (document.activeElement && document.activeElement.id === "composer-input") {
        closeConversation();
        $("conversation-filter").focus();
      }
    }
  });
  window.addEventListener("focus", maybeMarkRead);
  document.documentElement.dataset.ready = "true";
}

main();
