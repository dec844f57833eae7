// The settings page (/settings): every section reads and writes through the JSON API.
// User text goes in through textContent only (dom.js).

import { ApiError, api, csrfToken } from "./api.js";
import { $, confirmAction, fullWhen, h, paintAvatar, toast } from "./dom.js";
import { mutesWith } from "./mutes.js";
import { disablePush, enablePush, pushState } from "/notifications/push-client.js";

let preferences = null;
let conversationTitles = new Map();

function readJson(id) {
  const element = document.getElementById(id);
  return element ? JSON.parse(element.textContent) : null;
}

function failed(error) {
  toast(error instanceof ApiError ? error.message : "Something went wrong. Try again.", { kind: "error" });
}

async function savePreferences(changes, doneText = "Saved.") {
  try {
    preferences = await api.put("/notifications/preferences", changes);
    renderPreferences();
    toast(doneText);
  } catch (error) {
    failed(error);
    renderPreferences(); // back to what the server holds
  }
}

// --- profile ------------------------------------------------------------------------------------

function renderProfile(me) {
  $("display-name").value = me.display_name || "";
  $("profile-username").textContent = me.username;
  paintAvatar($("profile-avatar"), { initials: me.initials, colour: me.avatar_colour, url: me.avatar_url });
  $("avatar-remove").hidden = !me.avatar_url;
}

async function uploadAvatar(file) {
  const form = new FormData();
  form.append("file", file);
  const response = await fetch("/api/v1/auth/me/avatar", {
    method: "PUT",
    credentials: "same-origin",
    headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    body: form,
  });
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const problem = (data && data.error) || {};
    throw new ApiError(response.status, problem.code, problem.message, problem.fields);
  }
  return data;
}

function initProfile(me) {
  renderProfile(me);
  $("profile-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      renderProfile(await api.patch("/auth/me", { display_name: $("display-name").value.trim() }));
      toast("Profile saved.");
    } catch (error) {
      failed(error);
    }
  });
  $("avatar-input").addEventListener("change", async (event) => {
    const [file] = event.target.files;
    event.target.value = "";
    if (!file) {
      return;
    }
    try {
      renderProfile(await uploadAvatar(file));
      toast("Picture updated.");
    } catch (error) {
      failed(error);
    }
  });
  $("avatar-remove").addEventListener("click", async () => {
    try {
      await api.delete("/auth/me/avatar");
      renderProfile(await api.get("/auth/me"));
    } catch (error) {
      failed(error);
    }
  });
}

// --- notification preferences -------------------------------------------------------------------

function muteText(mute) {
  return mute.until ? `muted until ${fullWhen(mute.until)}` : "muted until you unmute it";
}

function renderPreferences() {
  if (!preferences) {
    return;
  }
  for (const box of document.querySelectorAll("#preferences-table input[type=checkbox]")) {
    const row = preferences.channels[box.dataset.type] || {};
    box.checked = Boolean(row[box.dataset.channel]);
    // Outbound channels hang off the in-app notification.
    box.disabled = box.dataset.channel !== "in_app" && !row.in_app;
  }
  const quiet = preferences.quiet_hours;
  $("quiet-enabled").checked = Boolean(quiet);
  if (quiet) {
    $("quiet-start").value = quiet.start;
    $("quiet-end").value = quiet.end;
  }
  $("time-zone").value = preferences.time_zone;
  $("sms-number").value = preferences.sms_number;
  $("read-receipts").checked = preferences.send_read_receipts;
  const mutes = preferences.mutes;
  $("mute-list").replaceChildren(
    ...mutes.map((mute) =>
      h(
        "li",
        { className: "settings-list-row", dataset: { conversationId: mute.conversation_id } },
        h("span", {}, h("strong", {}, conversationTitles.get(mute.conversation_id) || `Chat ${mute.conversation_id}`), " ", h("span", { className: "muted small" }, muteText(mute))),
        h(
          "button",
          {
            type: "button",
            className: "secondary",
            onclick: () => savePreferences({ mutes: mutesWith(mutes, mute.conversation_id, "unmute") }, "Unmuted."),
          },
          "Unmute",
        ),
      ),
    ),
  );
  $("mute-empty").hidden = mutes.length > 0;
}

// The chats the mute form offers: the user's conversations, by name.
function renderMuteChoices() {
  const byName = [...conversationTitles].sort(([, a], [, b]) => a.localeCompare(b));
  $("mute-conversation").replaceChildren(...byName.map(([id, title]) => h("option", { value: String(id) }, title)));
  $("mute-form").hidden = byName.length === 0;
}

function initPreferences() {
  $("preferences-table").addEventListener("change", (event) => {
    const box = event.target;
    if (!box.dataset || !box.dataset.type) {
      return;
    }
    savePreferences({ channels: { [box.dataset.type]: { [box.dataset.channel]: box.checked } } });
  });
  $("quiet-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const quiet = $("quiet-enabled").checked ? { start: $("quiet-start").value, end: $("quiet-end").value } : null;
    savePreferences({ quiet_hours: quiet, time_zone: $("time-zone").value }, "Quiet hours saved.");
  });
  $("sms-form").addEventListener("submit", (event) => {
    event.preventDefault();
    savePreferences({ sms_number: $("sms-number").value.trim() }, "Number saved.");
  });
  $("mute-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (!preferences) {
      return; // the list is replaced whole: never from an empty guess
    }
    const conversationId = Number($("mute-conversation").value);
    const mutes = mutesWith(preferences.mutes, conversationId, $("mute-length").value);
    savePreferences({ mutes }, "Chat muted.");
  });
  $("read-receipts").addEventListener("change", (event) => {
    savePreferences({ send_read_receipts: event.target.checked }, event.target.checked ? "Read receipts on." : "Read receipts off.");
  });
}

async function loadPreferences() {
  try {
    const [loaded, conversations] = await Promise.all([
      api.get("/notifications/preferences"),
      api.get("/conversations?page_size=200"),
    ]);
    conversationTitles = new Map(conversations.results.map((row) => [row.id, row.title]));
    renderMuteChoices();
    preferences = loaded;
    if (!preferences.quiet_hours) {
      // Offer the browser's own zone until the user picks one.
      const local = Intl.DateTimeFormat().resolvedOptions().timeZone;
      if (preferences.time_zone === "UTC" && local && $("time-zone").querySelector(`option[value="${CSS.escape(local)}"]`)) {
        preferences = { ...preferences, time_zone: local };
      }
    }
    renderPreferences();
  } catch (error) {
    failed(error);
  }
}

// --- this device: desktop notifications and web push ---------------------------------------------------

const PUSH_TEXT = {
  unsupported: "This browser cannot receive push notifications.",
  disabled: "Push is not set up on this server.",
  denied: "Blocked in this browser's site settings.",
  on: "On: this browser gets notifications even when Parley is closed.",
  off: "Off for this browser.",
};

async function renderPush(known) {
  let current = known;
  if (!current) {
    try {
      current = await pushState();
    } catch (error) {
      current = "unsupported";
    }
  }
  $("push-status").textContent = PUSH_TEXT[current] || current;
  $("push-status").dataset.state = current;
  const button = $("push-toggle");
  button.textContent = current === "on" ? "Turn off" : "Turn on";
  button.disabled = !["on", "off"].includes(current);
  button.dataset.state = current;
}

function renderDesktop() {
  const supported = "Notification" in window;
  const permission = supported ? Notification.permission : "unsupported";
  const text = { granted: "On while Parley is open in a tab.", denied: "Blocked in this browser's site settings.", default: "Off.", unsupported: "Not supported in this browser." };
  $("desktop-status").textContent = text[permission];
  $("desktop-toggle").hidden = permission !== "default";
}

function initDevice() {
  renderDesktop();
  renderPush();
  $("desktop-toggle").addEventListener("click", async () => {
    await Notification.requestPermission();
    renderDesktop();
  });
  $("push-toggle").addEventListener("click", async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    try {
      await renderPush(button.dataset.state === "on" ? await disablePush() : await enablePush());
    } catch (error) {
      toast("Could not change push notifications for this browser.", { kind: "error" });
      renderPush();
    }
  });
}

// --- privacy: blocked people ---------------------------------------------------------------------------

async function loadBlocked() {
  try {
    const page = await api.get("/users/blocked?page_size=200");
    $("blocked-list").replaceChildren(
      ...page.results.map((user) =>
        h(
          "li",
          { className: "settings-list-row", dataset: { userId: user.id } },
          h("span", {}, h("strong", {}, user.display_name || user.username), " ", h("span", { className: "muted small" }, `@${user.username}`)),
          h(
            "button",
            {
              type: "button",
              className: "secondary",
              onclick: async () => {
                try {
                  await api.delete(`/users/${user.id}/block`);
                  toast(`Unblocked ${user.display_name || user.username}.`);
                  loadBlocked();
                } catch (error) {
                  failed(error);
                }
              },
            },
            "Unblock",
          ),
        ),
      ),
    );
    $("blocked-empty").hidden = page.results.length > 0;
  } catch (error) {
    failed(error);
  }
}

// --- password, sessions, deletion ------------------------------------------------------------------------

function showError(id, error) {
  const box = $(id);
  const fields = (error && error.fields) || {};
  const first = Object.values(fields).flat()[0];
  box.textContent = first || (error && error.message) || "Something went wrong.";
  box.hidden = false;
}

function initSecurity() {
  $("password-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("password-error").hidden = true;
    if ($("new-password").value !== $("new-password-again").value) {
      showError("password-error", { message: "The two new passwords differ." });
      return;
    }
    try {
      await api.post("/auth/password", { old_password: $("old-password").value, new_password: $("new-password").value });
      event.target.reset();
      toast("Password changed. Your other devices are signed out.");
    } catch (error) {
      showError("password-error", error);
    }
  });
  $("logout-everywhere").addEventListener("click", async () => {
    if (!(await confirmAction("Log out of every device, this one included?", "Log out everywhere"))) {
      return;
    }
    try {
      await api.post("/auth/logout", { all: true });
    } catch (error) {
      // Even a failed request leaves nothing to do here but the login page.
    }
    window.location.assign("/login/");
  });
  $("delete-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("delete-error").hidden = true;
    if (!(await confirmAction("Delete your account for good? Your messages will show as from “Deleted user”.", "Delete my account"))) {
      return;
    }
    try {
      await api.delete("/auth/me", { password: $("delete-password").value });
      window.location.assign("/login/");
    } catch (error) {
      showError("delete-error", error);
    }
  });
}

function main() {
  initProfile(readJson("parley-me"));
  initPreferences();
  initDevice();
  initSecurity();
  loadPreferences();
  loadBlocked();
  document.documentElement.dataset.ready = "true";
}

main();
