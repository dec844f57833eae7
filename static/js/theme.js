// Loaded as a classic, blocking script from <head>: applies the saved theme before first paint.
// "light" or "dark" overrides the system setting (prefers-color-scheme); nothing saved follows it.
(function () {
  try {
    const saved = window.localStorage.getItem("parley-theme");
    if (saved === "light" || saved === "dark") {
      document.documentElement.setAttribute("data-theme", saved);
    }
  } catch (error) {
    // Storage can be disabled; the system theme then applies.
  }
})();
