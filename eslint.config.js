// ESLint for the browser app (plain ES modules, no build step), the service worker and
// push client that Django serves from templates/notifications/, and the Node unit tests.
// `make lint` and `make test` run it; see README.md ("Tests").
import js from "@eslint/js";
import globals from "globals";

export default [
  // `eslint .` lints every script in the repository; these are installed or generated, not ours.
  { ignores: [".venv/", "staticfiles/", "var/", "artifacts/", "media/", "bench/results/"] },
  js.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // A catch that deliberately ignores its error still names it: `catch (error) { // why }`.
      "no-unused-vars": ["error", { caughtErrors: "none" }],
      eqeqeq: ["error", "always"],
      "no-var": "error",
      "prefer-const": "error",
    },
  },
  {
    files: ["static/js/**/*.js", "templates/notifications/push-client.js"],
    languageOptions: { sourceType: "module", globals: globals.browser },
  },
  {
    // Loaded as a classic blocking script from <head> (templates/base.html), not as a module.
    files: ["static/js/theme.js"],
    languageOptions: { sourceType: "script" },
  },
  {
    // A classic service-worker script; its "{{ ... }}" are Django template tags inside strings.
    files: ["templates/notifications/sw.js"],
    languageOptions: { sourceType: "script", globals: globals.serviceworker },
  },
  {
    files: ["tests/js/**/*.js", "eslint.config.js"],
    languageOptions: { sourceType: "module", globals: globals.node },
  },
];
