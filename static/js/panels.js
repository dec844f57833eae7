// The info panel: a contact's details, or a group's members with what the caller's
// role allows (owner > admin > member; the server enforces the same rules).

import { api } from "./api.js";
import { closeConversation, fetchConversation } from "./controller.js";
import { conversationAvatar } from "./conversations.js";
import { personRow, searchPeople } from "./dialogs.js";
import { stopGroupPresence, watchGroupPresence } from "./group-presence.js";
import { $, avatar, confirmAction, debounce, h, lastSeenText, toast } from "./dom.js";
import { conversationTitle, notify, removeConversation, state, subscribe } from "./store.js";

const RANK = { owner: 3, admin: 2, member: 1 };
let panelFor = null; // conversation id the panel shows
let loadSerial = 0;

function panel() {
  return $("info-panel");
}

export function isPanelOpenFor(conversationId) {
  return !panel().hidden && panelFor === conversationId;
}

export function openInfoPanel() {
  const conversation = state.conversations.get(state.openId);
  if (!conversation) {
    return;
  }
  panelFor = conversation.id;
  panel().hidden = false;
  $("app-shell").classList.add("panel-open");
  $("info-button").setAttribute("aria-expanded", "true");
  renderPanel();
  $("info-close").focus();
}

export function closeInfoPanel({ restoreFocus = true } = {}) {
  stopGroupPresence();
  panel().hidden = true;
  panelFor = null;
  $("app-shell").classList.remove("panel-open");
  $("info-button").setAttribute("aria-expanded", "false");
  if (restoreFocus && !$("conversation").hidden) {
    $("info-button").focus();
  }
}

export function renderPanel() {
  const conversation = state.conversations.get(panelFor);
  if (!conversation) {
    closeInfoPanel({ restoreFocus: false });
    return;
  }
  if (conversation.kind === "group") {
    $("info-title").textContent = "Group info";
    loadGroup(conversation);
    watchGroupPresence(conversation.group.id);
  } else {
    $("info-title").textContent = "Contact info";
    renderContact(conversation);
  }
}

function renderContact(conversation) {
  const peer = conversation.peer || {};
  const presence = state.presence.get(peer.id);
  const status = presence && presence.online ? "online" : presence ? lastSeenText(presence.last_seen) : "";
  const blockSection = h("div", { className: "panel-section member-actions" });
  $("info-body").replaceChildren(
    h(
      "div",
      { className: "panel-section summary" },
      avatar({ ...conversationAvatar(conversation), className: "large" }),
      h("h3", {}, conversationTitle(conversation)),
      h("p", { className: "muted" }, `@${peer.username || ""}`),
      status ? h("p", { className: "muted" }, status) : null,
    ),
    blockSection,
  );
  if (peer.id) {
    renderBlockButton(blockSection, peer);
  }
}

// Block or unblock the person of a direct chat (POST|DELETE /users/{id}/block).
async function renderBlockButton(section, peer) {
  let blocked = false;
  try {
    const page = await api.get("/users/blocked?page_size=200");
    blocked = page.results.some((user) => user.id === peer.id);
  } catch (error) {
    return; // no button rather than a wrong one
  }
  const name = peer.display_name || peer.username;
  const button = h(
    "button",
    {
      type: "button",
      className: `small-button${blocked ? "" : " danger-text"}`,
      id: "block-button",
      onclick: async () => {
        if (!blocked && !(await confirmAction(`Block ${name}? Neither of you can write in this chat until you unblock.`, "Block"))) {
          return;
        }
        try {
          await (blocked ? api.delete(`/users/${peer.id}/block`) : api.post(`/users/${peer.id}/block`));
          toast(blocked ? `Unblocked ${name}.` : `Blocked ${name}.`);
        } catch (error) {
          toast(error.message, { kind: "error" });
        }
        section.replaceChildren();
        renderBlockButton(section, peer);
      },
    },
    blocked ? `Unblock ${name}` : `Block ${name}`,
  );
  section.replaceChildren(button);
}

async function loadGroup(conversation) {
  const serial = ++loadSerial;
  try {
    const group = await api.get(`/groups/${conversation.group.id}`);
    if (serial === loadSerial && panelFor === conversation.id) {
      renderGroup(conversation, group);
    }
  } catch (error) {
    if (serial === loadSerial) {
      $("info-body").replaceChildren(h("p", { className: "muted" }, `Could not load the group: ${error.message}`));
    }
  }
}

async function act(promise, done) {
  try {
    await promise;
    if (done) {
      toast(done);
    }
  } catch (error) {
    toast(error.message, { kind: "error" });
  }
  if (panelFor !== null && state.conversations.has(panelFor)) {
    await fetchConversation(panelFor).catch(() => {});
    renderPanel();
  }
}

function memberActions(group, member) {
  const me = group.my_role;
  const them = member.role;
  const name = member.user.display_name || member.user.username;
  const base = `/groups/${group.id}/members/${member.user.id}`;
  const buttons = [];
  if ((me === "owner" || me === "admin") && them === "member") {
    buttons.push(["Make admin", () => act(api.patch(base, { role: "admin" }), `${name} is now an admin.`)]);
  }
  if (me === "owner" && them === "admin") {
    buttons.push(["Dismiss as admin", () => act(api.patch(base, { role: "member" }), `${name} is no longer an admin.`)]);
  }
  if (me === "owner" && them !== "owner") {
    buttons.push([
      "Make owner",
      async () => (await confirmAction(`Make ${name} the owner? You become an admin.`, "Make owner")) && act(api.patch(base, { role: "owner" }), `${name} owns the group now.`),
    ]);
  }
  if ((me === "owner" || me === "admin") && RANK[me] > RANK[them]) {
    buttons.push([
      "Remove",
      async () => (await confirmAction(`Remove ${name} from ${group.name}?`, "Remove")) && act(api.delete(base), `${name} was removed.`),
    ]);
  }
  return buttons.map(([label, onclick]) =>
    h("button", { type: "button", className: `small-button${label === "Remove" ? " danger-text" : ""}`, "aria-label": `${label}: ${name}`, onclick }, label),
  );
}

function renameForm(group) {
  const field = h("input", { id: "group-rename", maxlength: "100", value: group.name, "aria-label": "Group name" });
  return h(
    "form",
    {
      className: "rename-form",
      onsubmit: (event) => {
        event.preventDefault();
        const name = field.value.trim();
        if (name && name !== group.name) {
          act(api.patch(`/groups/${group.id}`, { name }), "Group renamed.");
        }
      },
    },
    field,
    h("button", { type: "submit", className: "small-button" }, "Rename"),
  );
}

function addMembers(group, initialQuery) {
  const memberIds = new Set(group.members.map((member) => member.user.id));
  const results = h("ul", { className: "people-list compact" });
  const search = h("input", { type: "search", id: "group-add-search", placeholder: "Add people", autocomplete: "off", "aria-label": "Add people" });
  const run = debounce(async () => {
    const query = search.value.trim();
    if (!query) {
      results.replaceChildren();
      return;
    }
    const people = (await searchPeople(query).catch(() => [])).filter((user) => !memberIds.has(user.id));
    results.replaceChildren(
      ...people.map((user) =>
        personRow(user, {
          label: `Add ${user.display_name || user.username}`,
          onPick: () => act(api.post(`/groups/${group.id}/members`, { user_ids: [user.id] }), `${user.display_name || user.username} was added.`),
        }),
      ),
    );
  }, 200);
  search.addEventListener("input", run);
  if (initialQuery) {
    search.value = initialQuery;
    run();
  }
  return h("div", { className: "add-members" }, search, results);
}

// What the person is typing in the panel survives a redraw (events redraw it any time).
function typedInPanel() {
  const active = document.activeElement;
  const rename = $("group-rename");
  return {
    focusedId: active && $("info-body").contains(active) ? active.id : "",
    addQuery: $("group-add-search")?.value || "",
    rename: rename && rename === active ? rename.value : null,
  };
}

function restoreTyped(typed) {
  if (typed.rename !== null && $("group-rename")) {
    $("group-rename").value = typed.rename;
  }
  if (typed.focusedId && $(typed.focusedId)) {
    $(typed.focusedId).focus();
  }
}

function renderGroup(conversation, group) {
  const typed = typedInPanel();
  const me = group.my_role;
  const canManage = me === "owner" || me === "admin";
  const members = group.members.map((member) =>
    h(
      "li",
      { className: "member-row", dataset: { userId: member.user.id, role: member.role, online: state.presence.get(member.user.id)?.online ? "true" : "false" } },
      avatar({ initials: member.user.initials, colour: member.user.avatar_colour, online: state.presence.get(member.user.id)?.online }),
      h(
        "span",
        { className: "person-text" },
        h("span", { className: "person-name" }, member.user.id === state.me.id ? "You" : member.user.display_name || member.user.username),
        h("span", { className: "person-detail" }, `@${member.user.username}`),
      ),
      member.role !== "member" ? h("span", { className: `role-badge ${member.role}` }, member.role === "owner" ? "Owner" : "Admin") : null,
      member.user.id === state.me.id ? null : h("span", { className: "member-actions" }, memberActions(group, member)),
    ),
  );
  const leave = h(
    "button",
    {
      type: "button",
      className: "danger-button",
      id: "leave-group",
      onclick: async () => {
        if (await confirmAction(`Leave ${group.name}?`, "Leave")) {
          try {
            await api.post(`/groups/${group.id}/leave`);
            leftConversation(conversation.id, `You left ${group.name}.`);
          } catch (error) {
            toast(error.message, { kind: "error" });
          }
        }
      },
    },
    "Leave group",
  );
  const remove =
    me === "owner"
      ? h(
          "button",
          {
            type: "button",
            className: "danger-button",
            id: "delete-group",
            onclick: async () => {
              if (await confirmAction(`Delete ${group.name} for everyone? This cannot be undone.`, "Delete group")) {
                try {
                  await api.delete(`/groups/${group.id}`);
                  leftConversation(conversation.id, `${group.name} was deleted.`);
                } catch (error) {
                  toast(error.message, { kind: "error" });
                }
              }
            },
          },
          "Delete group",
        )
      : null;
  $("info-body").replaceChildren(
    h(
      "div",
      { className: "panel-section summary" },
      avatar({ ...conversationAvatar(conversation), className: "large" }),
      h("h3", { id: "group-name" }, group.name),
      h("p", { className: "muted" }, `Group · ${group.member_count} ${group.member_count === 1 ? "member" : "members"}`),
      group.description ? h("p", {}, group.description) : null,
      canManage ? renameForm(group) : null,
    ),
    h(
      "section",
      { className: "panel-section", "aria-labelledby": "members-heading" },
      h("h3", { id: "members-heading" }, `${group.member_count} members`),
      canManage ? addMembers(group, typed.addQuery) : null,
      h("ul", { className: "member-list", id: "member-list" }, members),
    ),
    h("div", { className: "panel-section actions" }, leave, remove),
  );
  restoreTyped(typed);
}

// Online dots of the member list, from the presence the store holds (no refetch).
function paintMemberPresence() {
  for (const row of document.querySelectorAll("#member-list .member-row")) {
    const online = Boolean(state.presence.get(Number(row.dataset.userId))?.online);
    row.querySelector(".avatar")?.classList.toggle("online", online);
    row.dataset.online = online ? "true" : "false";
  }
}

// The caller is out of a conversation (left, removed, or it was deleted).
export function leftConversation(conversationId, message) {
  if (panelFor === conversationId) {
    closeInfoPanel({ restoreFocus: false });
  }
  if (state.openId === conversationId) {
    closeConversation();
  }
  removeConversation(conversationId);
  notify("list", "header");
  if (message) {
    toast(message);
  }
}

export function initPanels() {
  $("info-button").addEventListener("click", () => (isPanelOpenFor(state.openId) ? closeInfoPanel() : openInfoPanel()));
  $("info-close").addEventListener("click", () => closeInfoPanel());
  panel().addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      closeInfoPanel();
    }
  });
  subscribe((changed) => {
    if (changed.has("open") && panelFor !== null && panelFor !== state.openId) {
      closeInfoPanel({ restoreFocus: false });
    }
    if (changed.has("presence") && !panel().hidden) {
      paintMemberPresence();
    }
  });
}
