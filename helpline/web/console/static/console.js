// The console's little JavaScript: live lists, confirmations, the studio's diagram
// and simulator. Pages work without it (forms post normally); this only refreshes.
"use strict";

function csrfToken() {
  const field = document.querySelector('input[name="csrf"]');
  return field ? field.value : "";
}

// Parts of a page that refresh themselves: data-refresh-url, every data-refresh-seconds.
function startRefreshing(element) {
  const url = element.dataset.refreshUrl;
  const every = Number(element.dataset.refreshSeconds || 5) * 1000;
  async function refresh() {
    if (document.visibilityState === "visible") {
      try {
        const response = await fetch(url, { credentials: "same-origin", redirect: "manual" });
        if (response.type === "opaqueredirect" || response.status === 401) {
          window.location.reload(); // the login ended: the page shows why
          return;
        }
        if (response.ok) {
          const html = await response.text();
          if (html !== element.dataset.lastHtml) {
            element.innerHTML = html;
            element.dataset.lastHtml = html;
          }
        }
      } catch (error) {
        // offline for a moment: try again next tick
      }
    }
    window.setTimeout(refresh, every);
  }
  window.setTimeout(refresh, every);
}

function confirmBeforeSubmit(form) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}

function confirmBeforeClick(button) {
  button.addEventListener("click", (event) => {
    if (!window.confirm(button.dataset.confirmClick)) event.preventDefault();
  });
}

async function drawDiagrams() {
  const diagrams = document.querySelectorAll("pre.mermaid");
  if (!diagrams.length || !window.mermaid) return;
  window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "neutral" });
  await window.mermaid.run({ nodes: diagrams });
}

// The studio's simulator: the real engine on the server, a phone-like log here.
function startSimulator(box) {
  const log = box.querySelector(".log");
  const form = box.querySelector("form");
  const input = form.querySelector("input[name=text]");
  const status = box.querySelector(".sim-status");
  const draft = document.getElementById(box.dataset.draft || "");
  function bubble(kind, text) {
    const item = document.createElement("div");
    item.className = "bubble " + kind;
    item.textContent = text;
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }
  async function send(action, text) {
    const body = new URLSearchParams({ action: action, text: text || "", simulation: box.dataset.simulation || "" });
    if (draft && box.querySelector("input[name=use_draft]:checked")) body.set("draft", draft.value);
    const response = await fetch(box.dataset.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrfToken() },
      body: body,
    });
    const data = await response.json().catch(() => ({ error: "The server did not answer." }));
    if (!response.ok) {
      bubble("event", data.error || "Something went wrong.");
      return;
    }
    box.dataset.simulation = data.simulation;
    if (action === "reset") log.innerHTML = "";
    for (const item of data.items) bubble(item.kind === "text" ? "them" : "event", item.text);
    status.textContent = data.status;
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value;
    if (!text.trim()) return;
    bubble("me", text);
    input.value = "";
    send("say", text);
  });
  box.querySelector("[data-action=timeout]").addEventListener("click", () => send("timeout"));
  box.querySelector("[data-action=reset]").addEventListener("click", () => send("reset"));
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-refresh-url]").forEach(startRefreshing);
  document.querySelectorAll("form[data-confirm]").forEach(confirmBeforeSubmit);
  document.querySelectorAll("button[data-confirm-click]").forEach(confirmBeforeClick);
  document.querySelectorAll(".sim[data-url]").forEach(startSimulator);
  drawDiagrams();
});
