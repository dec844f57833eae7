// Web Push for the browser app: `import { enablePush, disablePush, pushState } from "/notifications/push-client.js"`.
// Registers /sw.js, subscribes with the server's VAPID key and registers the subscription
// with the API (session auth; the CSRF token comes from the csrftoken cookie).

const API = "/api/v1/notifications";

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

async function call(method, path, body) {
  const response = await fetch(`${API}${path}`, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok && response.status !== 404) {
    throw new Error(`${method} ${path}: ${response.status}`);
  }
  return response.status === 204 ? null : response.json();
}

function keyBytes(base64url) {
  const padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (char) => char.charCodeAt(0));
}

export function pushSupported() {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

/** "unsupported", "disabled" (no VAPID key on the server), "denied", "on" or "off". */
export async function pushState() {
  if (!pushSupported()) return "unsupported";
  const config = await call("GET", "/push-config");
  if (!config.enabled) return "disabled";
  if (Notification.permission === "denied") return "denied";
  const registration = await navigator.serviceWorker.getRegistration("/");
  const subscription = registration && (await registration.pushManager.getSubscription());
  return subscription ? "on" : "off";
}

/** Ask for permission, subscribe this browser and tell the server. Returns pushState(). */
export async function enablePush() {
  if (!pushSupported()) return "unsupported";
  const config = await call("GET", "/push-config");
  if (!config.enabled) return "disabled";
  if ((await Notification.requestPermission()) !== "granted") return "denied";
  const registration = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
  await navigator.serviceWorker.ready;
  const subscription =
    (await registration.pushManager.getSubscription()) ||
    (await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: keyBytes(config.vapid_public_key),
    }));
  await call("POST", "/push-subscriptions", subscription.toJSON());
  return "on";
}

/** Unsubscribe this browser here and on the server. */
export async function disablePush() {
  const registration = pushSupported() && (await navigator.serviceWorker.getRegistration("/"));
  const subscription = registration && (await registration.pushManager.getSubscription());
  if (subscription) {
    await call("DELETE", "/push-subscriptions", { endpoint: subscription.endpoint });
    await subscription.unsubscribe();
  }
  return "off";
}
