// Dialogs: the new-chat picker, group creation and a message's receipts.

import { api } from "./api.js";
import { fetchConversation, openConversation } from "./controller.js";
import { $, avatar, debounce, fullWhen, h, lastSeenText, toast } from "./dom.js";
import { putConversation, state } from "./store.js";

export async function searchPeople(query) {
  const page = await api.get(`/users?search=${encodeURIComponent(query)}&page_size=20`);
  for (const user of page.results) {
    state.presence.set(user.id, { online: user.online, last_seen: user.last_seen });
  }
  return page.results;
}

export function personRow(user, { label, onPick, pressed }) {
  return h(
    "li",
    { className: "person-row", dataset: { userId: user.id, username: user.username } },
    h(
      "button",
      { type: "button", className: "person-button", "aria-label": label, "aria-pressed": pressed === undefined ? false : String(pressed), onclick: () => onPick(user) },
      avatar({ initials: user.initials, colour: user.avatar_colour, online: user.online }),
      h(
        "span",
        { className: "person-text" },
        h("span", { className: "person-name" }, user.display_name || user.username),
        h("span", { className: "person-detail" }, `@${user.username}${user.online ? " · online" : user.last_seen ? ` · ${lastSeenText(user.last_seen)}` : ""}`),
      ),
      pressed ? h("span", { className: "check", "aria-hidden": "true" }, "✓") : null,
    ),
  );
}

// ArrowDown from a search box goes into its results; arrows move through them.
export function arrowKeysBetween(search, results) {
  search.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown") {
      const first = results.querySelector("button");
      if (first) {
        event.preventDefault();
        first.focus();
      }
    }
  });
  results.addEventListener("keydown", (event) => {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") {
      return;
    }
    const buttons = Array.from(results.querySelectorAll("button"));
    const index = buttons.indexOf(document.activeElement);
    event.preventDefault();
    if (event.key === "ArrowUp" && index <= 0) {
      search.focus();
    } else {
      (buttons[index + (event.key === "ArrowDown" ? 1 : -1)] || buttons[index]).focus();
    }
  });
}

function closeOn(dialog) {
  for (const button of dialog.querySelectorAll("[data-close]")) {
    button.addEventListener("click", () => dialog.close());
  }
}

// --- new chat ----------------------------------------------------------------------------

async function startChatWith(user) {
  try {
    const row = await api.post("/conversations", { user_id: user.id });
    putConversation(row);
    $("new-chat-dialog").close();
    await openConversation(row.id);
  } catch (error) {
    toast(`Could not open the chat: ${error.message}`, { kind: "error" });
  }
}

function initNewChat() {
  const dialog = $("new-chat-dialog");
  const search = $("new-chat-search");
  const results = $("new-chat-results");
  closeOn(dialog);
  const run = debounce(async () => {
    const query = search.value.trim();
    try {
      const people = await searchPeople(query);
      results.replaceChildren(
        ...people.map((user) => personRow(user, { label: `Chat with ${user.display_name || user.username}`, onPick: startChatWith })),
      );
      if (!people.length) {
        results.replaceChildren(h("li", { className: "list-empty" }, "Nobody found."));
      }
    } catch (error) {
      results.replaceChildren(h("li", { className: "list-empty" }, "Search failed. Try again."));
    }
  }, 200);
  search.addEventListener("input", run);
  arrowKeysBetween(search, results);
  $("new-chat-button").addEventListener("click", () => {
    search.value = "";
    results.replaceChildren();
    dialog.showModal();
    search.focus();
    run();
  });
}

// --- new group -----------------------------------------------------------------------------

function initNewGroup() {
  const dialog = $("new-group-dialog");
  const form = $("new-group-form");
  const search = $("new-group-search");
  const results = $("new-group-results");
  const chips = $("new-group-chips");
  const error = $("new-group-error");
  const chosen = new Map();
  let lastResults = [];
  closeOn(dialog);

  const drawResults = () => {
    results.replaceChildren(
      ...lastResults.map((user) =>
        personRow(user, {
          label: `${chosen.has(user.id) ? "Remove" : "Add"} ${user.display_name || user.username}`,
          pressed: chosen.has(user.id),
          onPick: toggle,
        }),
      ),
    );
  };
  const drawChips = () => {
    chips.replaceChildren(
      ...Array.from(chosen.values()).map((user) =>
        h(
          "button",
          { type: "button", className: "chip", "aria-label": `Remove ${user.display_name || user.username}`, onclick: () => toggle(user) },
          user.display_name || user.username,
          h("span", { "aria-hidden": "true" }, " ×"),
        ),
      ),
    );
  };
  function toggle(user) {
    if (chosen.has(user.id)) {
      chosen.delete(user.id);
    } else {
      chosen.set(user.id, user);
    }
    drawChips();
    drawResults();
  }
  const run = debounce(async () => {
    try {
      lastResults = await searchPeople(search.value.trim());
      drawResults();
    } catch (problem) {
      results.replaceChildren(h("li", { className: "list-empty" }, "Search failed. Try again."));
    }
  }, 200);
  search.addEventListener("input", run);
  arrowKeysBetween(search, results);
  // Enter in the search box must not submit the form.
  search.addEventListener("keydown", (event) => event.key === "Enter" && event.preventDefault());

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = $("new-group-name").value.trim();
    error.hidden = true;
    if (!name) {
      error.textContent = "Give the group a name.";
      error.hidden = false;
      return;
    }
    $("new-group-create").disabled = true;
    try {
      const group = await api.post("/groups", { name, member_ids: Array.from(chosen.keys()) });
      dialog.close();
      await fetchConversation(group.conversation_id);
      await openConversation(group.conversation_id);
    } catch (problem) {
      error.textContent = problem.message;
      error.hidden = false;
    } finally {
      $("new-group-create").disabled = false;
    }
  });
  $("new-group-button").addEventListener("click", () => {
    form.reset();
    chosen.clear();
    lastResults = [];
    drawChips();
    results.replaceChildren();
    error.hidden = true;
    dialog.showModal();
    $("new-group-name").focus();
    run();
  });
}

// --- message info ----------------------------------------------------------------------------

export async function showMessageInfo(message) {
  const dialog = $("message-info-dialog");
  const list = $("receipt-list");
  $("message-info-body").textContent = message.body;
  list.replaceChildren(h("li", { className: "list-empty" }, "Loading…"));
  dialog.showModal();
  try {
    const body = await api.get(`/messages/${message.id}/receipts`);
    const rows = body.results.map((receipt) =>
      h(
        "li",
        { className: "receipt-row", dataset: { userId: receipt.user.id } },
        avatar({ initials: receipt.user.initials, colour: receipt.user.avatar_colour }),
        h(
          "span",
          { className: "person-text" },
          h("span", { className: "person-name" }, receipt.user.display_name || receipt.user.username),
          h("span", { className: "receipt-read" }, receipt.read_at ? `Read ${fullWhen(receipt.read_at)}` : "Not read yet"),
          h("span", { className: "receipt-delivered" }, receipt.delivered_at ? `Delivered ${fullWhen(receipt.delivered_at)}` : "Not delivered yet"),
        ),
      ),
    );
    list.replaceChildren(...(rows.length ? rows : [h("li", { className: "list-empty" }, "Nobody else is in this chat.")]));
  } catch (error) {
    list.replaceChildren(h("li", { className: "list-empty" }, `Could not load: ${error.message}`));
  }
}

export function initDialogs() {
  initNewChat();
  initNewGroup();
  closeOn($("message-info-dialog"));
}
