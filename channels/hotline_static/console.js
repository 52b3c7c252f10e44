// The agent-assist console: one call at a time; utterances go to the server, which answers with the
// intent, entities, top-3 suggestions and a next step. Utterances from the transcript feed arrive by
// polling. Everything is built with textContent (never innerHTML) so caller text cannot inject markup.
"use strict";
(function () {
  const i18n = window.HotlineI18n;
  const t = i18n.t;
  const $ = (id) => document.getElementById(id);
  const state = {call: null, lastSeq: 0, poller: null, categories: [], reportKey: null, lastStep: null,
                 lastEvent: null};

  async function api(path, {method = "GET", body} = {}) {
    const options = {method, headers: {}};
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(path, options);
    if (response.status === 401) {
      window.location.assign("login");
      throw new Error("signed out");
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.error || t("error_generic"));
    return data;
  }

  function el(tag, props = {}, children = []) {
    const node = document.createElement(tag);
    Object.entries(props).forEach(([key, value]) => {
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else if (key.startsWith("data-")) node.setAttribute(key, value);
      else node[key] = value;
    });
    children.forEach((child) => node.appendChild(child));
    return node;
  }

  function randomKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  }

  // -- calls ---------------------------------------------------------------------------------------
  async function startCall() {
    try {
      const call = await api("calls", {method: "POST", body: {phone: $("caller-phone").value || null}});
      state.call = {id: call.call_id, phone: $("caller-phone").value, started: Date.now()};
      state.lastSeq = 0;
      state.reportKey = randomKey();
      $("transcript").replaceChildren();
      $("summary").hidden = true;
      $("report-result").hidden = true;
      $("report-phone").value = $("caller-phone").value;
      $("end-call").disabled = false;
      $("start-call").disabled = true;
      renderCallStatus();
      state.poller = window.setInterval(poll, 1500);
      $("utterance").focus();
    } catch (error) {
      showError(error);
    }
  }

  function renderCallStatus() {
    const status = $("call-status");
    if (!state.call) {
      status.textContent = t("no_call");
      return;
    }
    status.textContent = `${t("call_running")}: ${state.call.id}`;
    status.dataset.callId = state.call.id;
  }

  async function endCall() {
    if (!state.call) return;
    window.clearInterval(state.poller);
    try {
      const summary = await api(`calls/${state.call.id}/end`, {method: "POST", body: {}});
      renderSummary(summary);
    } catch (error) {
      showError(error);
    }
    state.call = null;
    $("end-call").disabled = true;
    $("start-call").disabled = false;
    renderCallStatus();
  }

  function renderSummary(summary) {
    const rows = [
      ["call", summary.call_id], ["duration", `${summary.duration_s} ${t("seconds")}`],
      ["utterances", String(summary.utterances)], ["topics", summary.topics.join(", ") || "–"],
      ["entries_used", summary.entries_used.join(", ") || "–"],
      ["report_codes", summary.report_codes.join(", ") || "–"],
    ];
    $("summary-list").replaceChildren(...rows.flatMap(([key, value]) => [
      el("dt", {text: t(key), "data-i18n": key}), el("dd", {text: value, "data-field": key})]));
    $("summary").hidden = false;
  }

  // -- utterances ----------------------------------------------------------------------------------
  async function sendUtterance(event) {
    event.preventDefault();
    const text = $("utterance").value.trim();
    if (!text) return;
    if (!state.call) return showError(new Error(t("need_call")));
    $("send-utterance").disabled = true;
    try {
      const result = await api("webhook", {method: "POST", body: {call_id: state.call.id, text}});
      $("utterance").value = "";
      renderEvent(result);
    } catch (error) {
      showError(error);
    } finally {
      $("send-utterance").disabled = false;
    }
  }

  async function poll() {
    if (!state.call) return;
    try {
      const {events} = await api(`calls/${state.call.id}/events?after=${state.lastSeq}`);
      events.forEach(renderEvent);
    } catch (error) { /* the next poll retries */ }
  }

  function renderEvent(event) {
    if (event.seq <= state.lastSeq) return;
    state.lastSeq = event.seq;
    state.lastEvent = event;
    const item = el("li", {className: event.source === "transcript" ? "from-feed" : ""}, [
      el("span", {className: "utterance-text", text: event.text}),
      el("span", {className: "tag", text: event.intent.name || "?"}),
    ]);
    if (event.source === "transcript") item.appendChild(el("span", {className: "muted", text: ` (${t("from_feed")})`}));
    $("transcript").appendChild(item);
    const confidence = event.intent.confidence == null ? "" : ` (${Math.round(event.intent.confidence * 100)}%)`;
    $("intent").textContent = `${event.intent.name || "–"}${confidence}`;
    $("entities").textContent = event.entities.length
      ? event.entities.map((e) => `${e.entity}=${e.value}`).join(", ") : "–";
    renderSuggestions(event.suggestions);
    renderNextStep(event.next_step);
  }

  function renderNextStep(step) {
    state.lastStep = step;
    $("next-step").hidden = !step;
    if (!step) return;
    $("next-step-text").textContent = t(`step_${step.action}`);
    $("next-step").dataset.action = step.action;
    $("prefill-report").hidden = step.action !== "file_report";
  }

  function prefillReport() {
    const step = state.lastStep;
    if (!step || step.action !== "file_report") return;
    $("report-category").value = step.category || "other";
    $("report-place").value = step.place || "";
    $("report-description").value = step.description || "";
    if (state.call) $("report-phone").value = state.call.phone || "";
    $("report-description").focus();
  }

  // -- suggestions ---------------------------------------------------------------------------------
  function renderSuggestions(result) {
    $("declined").hidden = result.answered || !result.items.length;
    if (!result.items.length) {
      $("suggestions").replaceChildren(el("li", {className: "muted", text: t("no_suggestions")}));
      return;
    }
    // Surest first (the server sorts too); under 50 % a card is marked uncertain.
    const items = [...result.items].sort((a, b) => b.confidence - a.confidence);
    $("suggestions").replaceChildren(...items.map(suggestionCard));
  }

  function suggestionCard(item) {
    const source = el("a", {href: item.source_url, target: "_blank", rel: "noopener noreferrer",
                            className: "source", text: item.source_url});
    const status = el("span", {className: "feedback-status muted", role: "status"});
    const button = (key, className, handler) => {
      const b = el("button", {type: "button", className: `small ${className}`, text: t(key), "data-i18n": key});
      b.addEventListener("click", () => handler(b));
      return b;
    };
    const uncertain = item.confidence < 0.5;
    const card = el("li", {className: uncertain ? "suggestion uncertain" : "suggestion", "data-entry": item.entry_id}, [
      el("div", {className: "suggestion-head"}, [
        el("strong", {className: "title", text: item.title}),
        el("span", {className: "confidence", title: t("confidence"),
                    text: `${Math.round(item.confidence * 100)}%`}),
        ...(uncertain ? [el("span", {className: "uncertain-label", text: t("uncertain"), "data-i18n": "uncertain"})] : []),
      ]),
      el("p", {className: "short-answer", text: item.short_answer}),
      el("p", {className: "source-line"}, [el("span", {text: `${t("source")}: `, "data-i18n": "source"}), source]),
      el("div", {className: "actions"}, [
        button("copy", "copy", (b) => copyAnswer(item, b, status)),
        button("used", "fb-used", () => sendFeedback(item, "used", status)),
        button("helpful", "fb-helpful", () => sendFeedback(item, "helpful", status)),
        button("wrong", "fb-wrong", () => sendFeedback(item, "wrong", status)),
        status,
      ]),
    ]);
    return card;
  }

  async function copyAnswer(item, button, status) {
    const text = `${item.title}\n\n${item.answer}`;
    try {
      await navigator.clipboard.writeText(text);
    } catch (error) {  // no clipboard API (plain http on a LAN): the old way
      const area = el("textarea", {value: text});
      document.body.appendChild(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    button.textContent = t("copied");
    if (state.call) sendFeedback(item, "used", status);
  }

  async function sendFeedback(item, verdict, status) {
    if (!state.call) return showError(new Error(t("need_call")));
    try {
      await api("feedback", {method: "POST", body: {call_id: state.call.id, entry_id: item.entry_id, verdict}});
      status.textContent = `${t("thanks")}: ${t(verdict)}`;
      status.dataset.verdict = verdict;
    } catch (error) {
      showError(error);
    }
  }

  async function manualSearch(event) {
    event.preventDefault();
    const query = $("manual-query").value.trim();
    if (!query) return;
    try {
      renderSuggestions(await api("search", {method: "POST", body: {query}}));
    } catch (error) {
      showError(error);
    }
  }

  // -- reports -------------------------------------------------------------------------------------
  function renderCategories() {
    const select = $("report-category");
    const chosen = select.value;
    select.replaceChildren(...state.categories.map((c) => el("option", {value: c.code, text: c[i18n.lang]})));
    if (chosen) select.value = chosen;
  }

  async function fileReport(event) {
    event.preventDefault();
    $("report-error").hidden = true;
    if (!state.call) return showError(new Error(t("need_call")), "report-error");
    try {
      const report = await api("reports", {method: "POST", body: {
        call_id: state.call.id, key: state.reportKey, category: $("report-category").value,
        description: $("report-description").value, location_text: $("report-place").value || null,
        phone: $("report-phone").value || null, language: (state.lastEvent && state.lastEvent.language) || "vi",
      }});
      $("report-code").textContent = report.code;
      $("report-result").hidden = false;
      state.reportKey = randomKey();  // the next report of this call is a new one
    } catch (error) {
      showError(error, "report-error");
    }
  }

  function showError(error, target = "report-error") {
    const box = $(target);
    box.textContent = error.message;
    box.hidden = false;
    window.setTimeout(() => { box.hidden = true; }, 6000);
  }

  // -- start ---------------------------------------------------------------------------------------
  async function init() {
    i18n.onChange(() => { renderCategories(); renderCallStatus(); if (state.lastStep) renderNextStep(state.lastStep); });
    i18n.apply();
    $("lang-toggle").addEventListener("click", i18n.toggle);
    $("logout").addEventListener("click", async () => {
      await api("logout", {method: "POST", body: {}}).catch(() => {});
      window.location.assign("login");
    });
    $("start-call").addEventListener("click", startCall);
    $("end-call").addEventListener("click", endCall);
    $("utterance-form").addEventListener("submit", sendUtterance);
    $("utterance").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) sendUtterance(event);
    });
    $("manual-search-form").addEventListener("submit", manualSearch);
    $("prefill-report").addEventListener("click", prefillReport);
    $("report-form").addEventListener("submit", fileReport);
    const me = await api("me");
    $("who").textContent = `${me.user} (${me.role})`;
    $("dashboard-link").hidden = me.role !== "supervisor";
    state.categories = await api("categories");
    renderCategories();
    document.body.dataset.ready = "true";
  }

  init();
})();
