// A message's options (info, edit, delete) in a small keyboard-friendly menu.

import { api } from "./api.js";
import { startEditing } from "./composer.js";
import { showMessageInfo } from "./dialogs.js";
import { confirmAction, h, toast } from "./dom.js";
import { openReactionPicker } from "./reactions.js";
import { startReply } from "./replies.js";
import { isMine, notify, thread } from "./store.js";

let openMenu = null;

// A message with its menu open is not redrawn (that would close the menu under the
// pointer); it catches up when the menu closes.
export function hasOpenMenu(element) {
  return Boolean(openMenu && element.contains(openMenu.menu));
}

function closeMenu({ restoreFocus = true } = {}) {
  if (!openMenu) {
    return;
  }
  const { menu, button } = openMenu;
  openMenu = null;
  menu.remove();
  button.setAttribute("aria-expanded", "false");
  if (restoreFocus) {
    button.focus();
  }
  notify("thread");
}

async function deleteMessage(message) {
  if (!(await confirmAction("Delete this message for everyone?", "Delete"))) {
    return;
  }
  try {
    await api.delete(`/messages/${message.id}`);
    thread(message.conversation_id).upsert({ ...message, body: "", is_deleted: true, deleted_at: new Date().toISOString() });
    notify("thread", "list");
  } catch (error) {
    toast(`Could not delete: ${error.message}`, { kind: "error" });
  }
}

const REPORT_REASON = "Reported from the web app";

async function reportMessage(message) {
  if (!(await confirmAction("Report this message to the moderators?", "Report"))) {
    return;
  }
  try {
    await api.post(`/messages/${message.id}/report`, { reason: REPORT_REASON });
    toast("Reported. Thank you: the moderators will look at it.");
  } catch (error) {
    toast(`Could not report: ${error.message}`, { kind: "error" });
  }
}

function items(message, conversation, button) {
  const mine = isMine(message);
  const canModerate = conversation.kind === "group" && (conversation.role === "owner" || conversation.role === "admin");
  const entries = [];
  entries.push(["Reply", () => startReply(message)]);
  entries.push(["React", () => openReactionPicker(button, message)]);
  if (mine) {
    entries.push(["Message info", () => showMessageInfo(message)]);
    entries.push(["Edit", () => startEditing(message)]);
  }
  if (mine || canModerate) {
    entries.push(["Delete", () => deleteMessage(message)]);
  }
  if (!mine && message.id && !message.is_deleted) {
    entries.push(["Report", () => reportMessage(message)]);
  }
  entries.push([
    "Copy text",
    () => navigator.clipboard && navigator.clipboard.writeText(message.body).then(() => toast("Copied.")).catch(() => {}),
  ]);
  return entries;
}

export function openMessageMenu(button, message, conversation) {
  const wasOpen = openMenu && openMenu.button === button;
  closeMenu({ restoreFocus: false });
  if (wasOpen) {
    return;
  }
  const menu = h(
    "div",
    { className: "message-menu", role: "menu", "aria-label": "Message options" },
    items(message, conversation, button).map(([label, action]) =>
      h(
        "button",
        {
          type: "button",
          role: "menuitem",
          className: "menu-item",
          onclick: () => {
            closeMenu({ restoreFocus: false });
            action();
          },
        },
        label,
      ),
    ),
  );
  menu.addEventListener("keydown", (event) => {
    const buttons = Array.from(menu.querySelectorAll("button"));
    const index = buttons.indexOf(document.activeElement);
    if (event.key === "Escape") {
      event.preventDefault();
      closeMenu();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      buttons[(index + step + buttons.length) % buttons.length].focus();
    } else if (event.key === "Tab") {
      closeMenu({ restoreFocus: false });
    }
  });
  button.setAttribute("aria-expanded", "true");
  button.insertAdjacentElement("afterend", menu);
  openMenu = { menu, button };
  menu.querySelector("button").focus();
}

document.addEventListener("click", (event) => {
  if (openMenu && !openMenu.menu.contains(event.target) && event.target !== openMenu.button) {
    closeMenu({ restoreFocus: false });
  }
});
