// Supervisor dashboard: figures from GET dashboard/data, drawn with the vendored Chart.js (no CDN).
"use strict";
(function () {
  const i18n = window.HotlineI18n;
  const t = i18n.t;
  const $ = (id) => document.getElementById(id);
  const COLORS = {answered: "#2e7d32", declined: "#c62828", helpful: "#1565c0", not_helpful: "#ef6c00",
                  used: "#6a1b9a", wrong: "#c62828", received: "#546e7a", in_progress: "#f9a825",
                  resolved: "#2e7d32", rejected: "#8d6e63"};
  const STATUSES = ["received", "in_progress", "resolved", "rejected"];
  const charts = {};
  let data = null;
  let categoryNames = {};

  function draw(id, config) {
    if (charts[id]) charts[id].destroy();
    config.options = Object.assign({responsive: true, maintainAspectRatio: false, animation: false}, config.options);
    charts[id] = new Chart($(id), config);
  }

  function stacked() {
    return {scales: {x: {stacked: true}, y: {stacked: true, beginAtZero: true, ticks: {precision: 0}}}};
  }

  function render() {
    if (!data) return;
    const channels = Object.keys(data.questions_by_channel);
    draw("chart-questions", {type: "bar", options: stacked(), data: {labels: data.days.map((d) => d.slice(5)), datasets: [
      {label: t("answered"), data: data.questions.answered, backgroundColor: COLORS.answered},
      {label: t("declined_short"), data: data.questions.declined, backgroundColor: COLORS.declined}]}});
    draw("chart-channels", {type: "bar", options: stacked(), data: {labels: channels, datasets: [
      {label: t("answered"), data: channels.map((c) => data.questions_by_channel[c].answered), backgroundColor: COLORS.answered},
      {label: t("declined_short"), data: channels.map((c) => data.questions_by_channel[c].declined), backgroundColor: COLORS.declined}]}});
    const feedbackChannels = Object.keys(data.satisfaction);
    draw("chart-satisfaction", {type: "bar", options: stacked(), data: {labels: feedbackChannels, datasets: [
      {label: t("thumbs_up"), data: feedbackChannels.map((c) => data.satisfaction[c].helpful), backgroundColor: COLORS.helpful},
      {label: t("thumbs_down"), data: feedbackChannels.map((c) => data.satisfaction[c].not_helpful), backgroundColor: COLORS.not_helpful}]}});
    const verdicts = ["used", "helpful", "wrong"];
    draw("chart-suggestions", {type: "doughnut", data: {labels: verdicts.map(t), datasets: [
      {data: verdicts.map((v) => data.suggestions.totals[v] || 0), backgroundColor: verdicts.map((v) => COLORS[v])}]}});
    const categories = Object.keys(data.reports.by_category);
    const categoryName = (code) => (categoryNames[code] ? categoryNames[code][i18n.lang] : code);
    draw("chart-reports", {type: "bar", options: stacked(), data: {labels: categories.map(categoryName), datasets: STATUSES.map((s) => (
      {label: t(`status_${s}`), data: categories.map((c) => data.reports.by_category[c][s] || 0), backgroundColor: COLORS[s]}))}});
    $("median-resolve").textContent = data.resolve.median_hours == null ? t("no_data") : `${data.resolve.median_hours} ${t("hours")}`;
    $("resolved-count").textContent = `${data.resolve.resolved} ${t("resolved_count")}`;
    $("calls-count").textContent = String(data.calls.count);
    $("calls-duration").textContent = data.calls.median_duration_s == null ? "" : `${t("duration")}: ${data.calls.median_duration_s} ${t("seconds")}`;
    $("most-wrong").replaceChildren(...data.suggestions.most_wrong.map((row) => {
      const item = document.createElement("li");
      item.textContent = `${row.entry_id} (${row.wrong})`;
      return item;
    }));
  }

  async function init() {
    i18n.onChange(render);
    i18n.apply();
    $("lang-toggle").addEventListener("click", i18n.toggle);
    const me = await fetch("me").then((r) => r.json());
    $("who").textContent = `${me.user} (${me.role})`;
    (await fetch("categories").then((r) => r.json())).forEach((c) => { categoryNames[c.code] = c; });
    const response = await fetch("dashboard/data?days=14");
    if (!response.ok) return;
    data = await response.json();
    render();
    window.hotlineCharts = charts;  // for the browser tests: the drawn Chart instances
    document.body.dataset.ready = "true";
  }

  init();
})();
