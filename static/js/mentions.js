// @mention autocomplete in the composer: typing "@" and a few letters lists the members
// whose name or username starts with them; arrows choose, Enter or Tab (or a click) puts
// "@username " in the text. The server decides who is mentioned (members only).

import { $, avatar, h } from "./dom.js";
import { state } from "./store.js";

const TRIGGER = /(^|[^\w@.+-])@([\w.+-]*)$/u;
const MAX_SHOWN = 6;
let shown = []; // users listed now
let active = 0;
let range = null; // [start, end] of the "@word" being completed

function members() {
  const conversation = state.conversations.get(state.openId);
  if (!conversation) {
    return [];
  }
  const users = (conversation.members || []).map((member) => member.user);
  if (!users.length && conversation.peer) {
    users.push(conversation.peer);
  }
  return users.filter((user) => !state.me || user.id !== state.me.id);
}

function close() {
  shown = [];
  range = null;
  $("mention-suggestions").hidden = true;
  $("composer-input").removeAttribute("aria-activedescendant");
}

function render() {
  const list = $("mention-suggestions");
  list.replaceChildren(
    ...shown.map((user, index) =>
      h(
        "li",
        {
          id: `mention-option-${index}`,
          role: "option",
          className: `mention-option${index === active ? " active" : ""}`,
          "aria-selected": index === active ? "true" : "false",
          onmousedown: (event) => {
            event.preventDefault(); // keep the focus in the text box
            pick(index);
          },
        },
        avatar({ initials: user.initials, colour: user.avatar_colour, className: "small" }),
        h("span", { className: "mention-name" }, user.display_name || user.username),
        h("span", { className: "mention-username" }, `@${user.username}`),
      ),
    ),
  );
  list.hidden = !shown.length;
  $("composer-input").setAttribute("aria-activedescendant", shown.length ? `mention-option-${active}` : "");
}

function update() {
  const box = $("composer-input");
  const before = box.value.slice(0, box.selectionStart);
  const match = before.match(TRIGGER);
  if (!match || box.selectionStart !== box.selectionEnd) {
    close();
    return;
  }
  const typed = match[2].toLowerCase();
  shown = members()
    .filter((user) => user.username.toLowerCase().startsWith(typed) || (user.display_name || "").toLowerCase().split(/\s+/).some((word) => word.startsWith(typed)))
    .slice(0, MAX_SHOWN);
  range = [box.selectionStart - match[2].length - 1, box.selectionStart];
  active = Math.min(active, Math.max(shown.length - 1, 0));
  render();
}

function pick(index) {
  const user = shown[index];
  const box = $("composer-input");
  if (!user || !range) {
    return;
  }
  const text = `@${user.username} `;
  box.value = box.value.slice(0, range[0]) + text + box.value.slice(range[1]);
  const caret = range[0] + text.length;
  box.setSelectionRange(caret, caret);
  close();
  box.dispatchEvent(new Event("input", { bubbles: true }));
  box.focus();
}

export function initMentions() {
  const box = $("composer-input");
  box.setAttribute("aria-controls", "mention-suggestions");
  box.addEventListener("input", update);
  box.addEventListener("click", update);
  box.addEventListener("blur", () => window.setTimeout(close, 100));
  // Capture: runs before the composer's own Enter-sends handler and can stop it.
  box.addEventListener(
    "keydown",
    (event) => {
      if (!shown.length) {
        return;
      }
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        active = (active + (event.key === "ArrowDown" ? 1 : shown.length - 1)) % shown.length;
        render();
      } else if (event.key === "Enter" || event.key === "Tab") {
        pick(active);
      } else if (event.key === "Escape") {
        close();
      } else {
        return;
      }
      event.preventDefault();
      event.stopImmediatePropagation();
    },
    true,
  );
}
