// The notification centre: bell with unread count, list, read / read all, the tab
// title, and desktop notifications for new messages while the tab is not in focus.

import { api } from "./api.js";
import { openConversation } from "./controller.js";
import { $, debounce, h, shortWhen, toast } from "./dom.js";
import { notify, state, subscribe } from "./store.js";

const COUNT_CAP = 99; // notification.new caps its count: 99 means "99 or more"
const DISMISSED_KEY = "parley-desktop-notice-dismissed";
const baseTitle = document.title;

function countText(count) {
  return count > COUNT_CAP ? `${COUNT_CAP}+` : String(count);
}

function renderCount() {
  const count = state.notificationCount;
  const badge = $("bell-count");
  badge.hidden = count === 0;
  badge.textContent = countText(count);
  $("bell-button").setAttribute("aria-label", count ? `Notifications, ${countText(count)} unread` : "Notifications");
  document.title = count ? `(${countText(count)}) ${baseTitle}` : baseTitle;
}

export async function refreshCount() {
  try {
    const body = await api.get("/notifications/unread-count");
    state.notificationCount = body.count;
    notify("count");
  } catch (error) {
    // The badge keeps its last value until the next event or refresh.
  }
}

export const refreshCountSoon = debounce(refreshCount, 300);

function isOpen() {
  return $("notifications-dialog").open;
}

async function markRead(item) {
  try {
    await api.post(`/notifications/${item.id}/read`);
  } catch (error) {
    // Opening the chat matters more than the mark.
  }
  refreshCount();
}

function row(item) {
  const unread = !item.read_at;
  return h(
    "li",
    { className: `notification-row${unread ? " unread" : ""}`, dataset: { id: item.id, type: item.type } },
    h(
      "button",
      {
        type: "button",
        className: "notification-button",
        "aria-label": `${unread ? "Unread: " : ""}${item.title}${item.body ? `. ${item.body}` : ""}`,
        onclick: async () => {
          await markRead(item);
          $("notifications-dialog").close();
          if (item.conversation_id && state.conversations.has(item.conversation_id)) {
            openConversation(item.conversation_id).catch(() => {});
          } else {
            loadList();
          }
        },
      },
      unread ? h("span", { className: "unread-dot", "aria-hidden": "true" }) : null,
      h(
        "span",
        { className: "notification-text" },
        h("span", { className: "notification-title" }, item.title),
        item.body ? h("span", { className: "notification-body" }, item.body) : null,
      ),
      h("time", { className: "notification-time", datetime: item.created_at }, shortWhen(item.created_at)),
    ),
    h(
      "button",
      {
        type: "button",
        className: "icon-button notification-delete",
        "aria-label": `Delete notification: ${item.title}`,
        title: "Delete",
        onclick: () => deleteNotification(item),
      },
      "×",
    ),
  );
}

async function deleteNotification(item) {
  try {
    await api.delete(`/notifications/${item.id}`);
  } catch (error) {
    if (error.status !== 404) {
      toast(error.message, { kind: "error" });
      return;
    }
  }
  loadList();
  refreshCount();
}

async function loadList() {
  const list = $("notification-list");
  try {
    const page = await api.get("/notifications?page_size=50");
    list.replaceChildren(...page.results.map(row));
    $("notifications-empty").hidden = page.results.length > 0;
  } catch (error) {
    list.replaceChildren(h("li", { className: "list-empty" }, `Could not load: ${error.message}`));
  }
}

// --- desktop notifications -------------------------------------------------------------------

function desktopSupported() {
  return "Notification" in window;
}

function renderDesktopNotice() {
  const askable = desktopSupported() && Notification.permission === "default";
  let dismissed = false;
  try {
    dismissed = window.localStorage.getItem(DISMISSED_KEY) === "1";
  } catch (error) {
    dismissed = false;
  }
  $("desktop-notice").hidden = !askable || dismissed;
  $("desktop-notice-dialog").hidden = !askable;
}

// Only ever from a click: the browser's prompt is asked for, never sprung on load.
async function askPermission() {
  if (!desktopSupported()) {
    return;
  }
  try {
    const result = await Notification.requestPermission();
    if (result === "granted") {
      toast("Desktop notifications are on.");
    } else if (result === "denied") {
      toast("Desktop notifications are blocked in this browser's site settings.");
    }
  } catch (error) {
    // Old browsers: callback form only. Nothing else to do.
  }
  renderDesktopNotice();
}

function tabIsAway() {
  return document.visibilityState !== "visible" || !document.hasFocus();
}

export function showDesktop(notification) {
  if (!desktopSupported() || Notification.permission !== "granted" || !tabIsAway()) {
    return;
  }
  const popup = new Notification(notification.title, {
    body: notification.body || "",
    tag: notification.conversation_id ? `conversation-${notification.conversation_id}` : undefined,
  });
  popup.onclick = () => {
    window.focus();
    if (notification.conversation_id && state.conversations.has(notification.conversation_id)) {
      openConversation(notification.conversation_id).catch(() => {});
    }
    popup.close();
  };
}

// notification.new: the count comes with it; new messages may pop up on the desktop.
export function onNotificationEvent(data) {
  if (!data) {
    return;
  }
  if (typeof data.unread_count === "number") {
    state.notificationCount = data.unread_count;
    notify("count");
    if (data.unread_count >= COUNT_CAP) {
      refreshCountSoon(); // the capped figure: ask for the exact one
    }
  }
  const item = data.notification || {};
  if (item.type === "message.new") {
    showDesktop(item);
  }
  if (isOpen()) {
    loadList();
  }
}

export function initNotifications() {
  const dialog = $("notifications-dialog");
  $("bell-button").addEventListener("click", () => {
    renderDesktopNotice();
    dialog.showModal();
    loadList();
  });
  for (const button of dialog.querySelectorAll("[data-close]")) {
    button.addEventListener("click", () => dialog.close());
  }
  $("notifications-read-all").addEventListener("click", async () => {
    try {
      await api.post("/notifications/read-all", {});
      state.notificationCount = 0;
      notify("count");
      loadList();
    } catch (error) {
      toast(error.message, { kind: "error" });
    }
  });
  $("desktop-enable").addEventListener("click", askPermission);
  $("desktop-enable-dialog").addEventListener("click", askPermission);
  $("desktop-dismiss").addEventListener("click", () => {
    try {
      window.localStorage.setItem(DISMISSED_KEY, "1");
    } catch (error) {
      // Not saved: the notice comes back next time, no harm.
    }
    renderDesktopNotice();
  });
  subscribe((changed) => {
    if (changed.has("count")) {
      renderCount();
    }
  });
  renderDesktopNotice();
  renderCount();
}
