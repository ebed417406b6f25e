/**
 * The dashboard's only scripts, sent inline with its pages: they read the API and build the DOM with `textContent`,
 * never with markup from data. In Azure the API routes need a function key: the operator may paste one, kept in
 * this tab's session storage only.
 */

const COMMON = String.raw`
var KEY_NAME = "cluedin-upgrade.functions-key";
function apiHeaders(extra) {
  var headers = Object.assign({ accept: "application/json" }, extra || {});
  var key = sessionStorage.getItem(KEY_NAME);
  if (key) headers["x-functions-key"] = key;
  return headers;
}
function el(tag, text, className) {
  var node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}
function duration(ms) {
  var s = Math.max(0, Math.round(ms / 1000));
  var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return (h ? h + " h " : "") + (h || m ? m + " min " : "") + r + " s";
}
function tickElapsed() {
  document.querySelectorAll("[data-since]").forEach(function (node) {
    var until = node.getAttribute("data-until");
    var end = until ? Date.parse(until) : Date.now();
    node.textContent = duration(end - Date.parse(node.getAttribute("data-since")));
  });
}
setInterval(tickElapsed, 1000);
tickElapsed();
var keyInput = document.getElementById("functions-key");
if (keyInput) {
  keyInput.value = sessionStorage.getItem(KEY_NAME) || "";
  keyInput.addEventListener("change", function () {
    if (keyInput.value) sessionStorage.setItem(KEY_NAME, keyInput.value);
    else sessionStorage.removeItem(KEY_NAME);
  });
}
`;

/** Polls the run through the API and, when it changed, swaps in the freshly rendered live section. */
export const RUN_PAGE_SCRIPT = `${COMMON}
(function () {
  var live = document.getElementById("live");
  var said = document.getElementById("live-status");
  if (!live) return;
  var id = live.getAttribute("data-run");
  function finished() { return live.getAttribute("data-finished") === "true"; }
  async function refresh() {
    var page = await fetch(location.pathname + location.search, { cache: "no-store" });
    if (!page.ok) return;
    var doc = new DOMParser().parseFromString(await page.text(), "text/html");
    var next = doc.getElementById("live");
    if (!next) return;
    // The page of a run that did not exist yet has nothing but this section: load the whole page once it does.
    if (live.getAttribute("data-status") === "") return location.reload();
    var focused = document.activeElement && document.activeElement.id;
    live.replaceWith(next);
    live = next;
    if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
    tickElapsed();
  }
  async function poll() {
    if (finished()) return;
    try {
      var reply = await fetch("/api/upgrades/" + encodeURIComponent(id), { headers: apiHeaders(), cache: "no-store" });
      if (reply.ok) {
        var run = await reply.json();
        if (run.updatedAt !== live.getAttribute("data-updated") || run.status !== live.getAttribute("data-status") || run.finished) {
          await refresh();
          if (said) said.textContent = "Status " + run.status + (run.stage ? ", stage " + run.stage : "");
        }
      }
    } catch (error) {
      if (said) said.textContent = "Cannot reach the API: " + error;
    }
    setTimeout(poll, 1500);
  }
  setTimeout(poll, 1500);
})();
`;

/** The start form: plan first (POST /api/plans), then offer Start (POST /api/upgrades). */
export const START_SCRIPT = `${COMMON}
(function () {
  var form = document.getElementById("start-form");
  if (!form) return;
  var out = document.getElementById("plan-result");
  var start = document.getElementById("start-button");
  var error = document.getElementById("start-error");
  function body() {
    var data = { cluster: form.cluster.value, targetRelease: form.targetRelease.value };
    if (form.requester.value) {
      data.requestedBy = { name: form.requester.value };
      if (form.email.value) data.requestedBy.email = form.email.value;
    }
    return data;
  }
  function fail(reply, json) {
    var e = json && json.error;
    error.textContent = e ? e.message + (e.details ? " " + JSON.stringify(e.details) : "") : "HTTP " + reply.status;
  }
  function list(title, items, text) {
    if (!items || items.length === 0) return;
    out.appendChild(el("h3", title));
    var ul = el("ul");
    items.forEach(function (item) { ul.appendChild(el("li", text(item))); });
    out.appendChild(ul);
  }
  form.cluster.addEventListener("change", function () { start.disabled = true; });
  form.targetRelease.addEventListener("change", function () { start.disabled = true; });
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    error.textContent = "";
    out.replaceChildren(el("p", "Planning…", "muted"));
    start.disabled = true;
    var payload = body();
    var reply = await fetch("/api/plans", { method: "POST", headers: apiHeaders({ "content-type": "application/json" }), body: JSON.stringify({ cluster: payload.cluster, targetRelease: payload.targetRelease }) });
    var json = await reply.json().catch(function () { return null; });
    out.replaceChildren();
    if (!reply.ok) return fail(reply, json);
    var plan = json.plan;
    out.appendChild(el("h3", plan ? "Plan: " + plan.fromRelease + " → " + plan.toRelease : "No plan"));
    if (plan) {
      var facts = el("dl", null, "facts");
      [["Cluster", json.cluster], ["Mode", plan.mode], ["Chart", plan.fromChart + " → " + plan.toChart], ["Values file", plan.valuesFile],
       ["Expected downtime", "about " + plan.expectedDowntimeMinutes + " min"], ["Diff sha256", plan.diffSha256]].forEach(function (f) {
        facts.appendChild(el("dt", f[0])); facts.appendChild(el("dd", f[1]));
      });
      out.appendChild(facts);
      list("Changes", plan.changes, function (c) { return c.path + ": " + (c.from || "∅") + " → " + (c.to || "∅") + " (" + c.reason + ")"; });
      list("Warnings", plan.warnings, function (w) { return w.message; });
    }
    list("Blockers", json.blockers, function (b) { return b.message; });
    if (plan && plan.diff) {
      var pre = el("pre");
      pre.setAttribute("aria-label", "Values diff (secrets redacted)");
      plan.diff.split("\\n").forEach(function (line) {
        var kind = line.startsWith("+") && !line.startsWith("+++") ? "add" : line.startsWith("-") && !line.startsWith("---") ? "del" : "";
        pre.appendChild(el("span", line + "\\n", kind));
      });
      out.appendChild(pre);
    }
    start.disabled = !json.ok;
    if (json.ok) start.focus();
  });
  start.addEventListener("click", async function () {
    error.textContent = "";
    start.disabled = true;
    var reply = await fetch("/api/upgrades", { method: "POST", headers: apiHeaders({ "content-type": "application/json" }), body: JSON.stringify(body()) });
    var json = await reply.json().catch(function () { return null; });
    if (reply.status !== 202) { start.disabled = false; return fail(reply, json); }
    location.assign(start.getAttribute("data-runs") + "/" + encodeURIComponent(json.id));
  });
})();
`;
