// Presence in a group's member list: asked for when the list opens, then pushed (the
// server's `presence` events) while it stays open, through a watch renewed every half of
// its lifetime and ended when the list closes. Closed lists cost the server nothing.

import { api } from "./api.js";
import { notify, state } from "./store.js";

let watching = null; // { groupId, timer }

async function renew(groupId) {
  try {
    const body = await api.put(`/groups/${groupId}/presence/watch`);
    if (watching && watching.groupId === groupId) {
      window.clearTimeout(watching.timer);
      watching.timer = window.setTimeout(() => renew(groupId), (body.expires_in * 1000) / 2);
    }
  } catch (error) {
    // No live dots until the next try; what was asked for on open still shows.
    if (watching && watching.groupId === groupId) {
      watching.timer = window.setTimeout(() => renew(groupId), 15000);
    }
  }
}

export async function watchGroupPresence(groupId) {
  if (watching && watching.groupId === groupId) {
    return;
  }
  stopGroupPresence();
  watching = { groupId, timer: null };
  renew(groupId);
  try {
    const body = await api.get(`/groups/${groupId}/presence`);
    for (const row of body.results) {
      state.presence.set(row.user_id, { online: row.online, last_seen: row.last_seen });
    }
    notify("presence", "header", "list");
  } catch (error) {
    // Presence is a nicety: the member list works without it.
  }
}

export function stopGroupPresence() {
  if (!watching) {
    return;
  }
  const { groupId, timer } = watching;
  watching = null;
  window.clearTimeout(timer);
  api.delete(`/groups/${groupId}/presence/watch`).catch(() => {});
}
