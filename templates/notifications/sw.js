// Parley's service worker: shows Web Push notifications (payload from
// notifications/providers/push.py) and opens the right chat when one is clicked.
// Served at /sw.js so that it controls the whole site.

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = { title: "{{ site_name|escapejs }}", body: event.data ? event.data.text() : "" };
  }
  const title = data.title || "{{ site_name|escapejs }}";
  event.waitUntil(
    self.registration.showNotification(title, {
      body: data.body || "",
      tag: data.tag,
      renotify: Boolean(data.tag),
      icon: "{{ icon_url|escapejs }}",
      data: { url: data.url || "/", notificationId: data.notification_id },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin);
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      for (const client of windows) {
        if (new URL(client.url).origin === target.origin && "focus" in client) {
          return client.navigate(target.href).then((navigated) => (navigated || client).focus());
        }
      }
      return self.clients.openWindow(target.href);
    }),
  );
});
