// Sign-in: POST login as JSON; the server sets an HttpOnly session cookie; then open the console.
"use strict";
(function () {
  const t = window.HotlineI18n.t;
  window.HotlineI18n.apply();
  document.getElementById("lang-toggle").addEventListener("click", window.HotlineI18n.toggle);
  document.getElementById("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = document.getElementById("login-error");
    error.hidden = true;
    const response = await fetch("login", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({
        username: document.getElementById("username").value,
        password: document.getElementById("password").value,
      }),
    });
    if (response.ok) {
      window.location.assign("./");
      return;
    }
    const reason = { 401: "login_failed", 429: "login_throttled" }[response.status] || "error_generic";
    error.textContent = t(reason);
    error.hidden = false;
  });
})();
