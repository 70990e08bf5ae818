// The employee page: every figure comes from the agent on this laptop through POST /api/call (an
// EmployeeCall as protobuf JSON in, an EmployeeAnswer out). Text is set with textContent only: the
// policy's words come from an administrator and are never read as HTML.
"use strict";

const STATUS_EVERY_MS = 2000;
const POLICY_EVERY_MS = 30000;
const LONGEST_PAUSE_MINUTES = 30;
const PAUSE_CHOICES = [5, 10, 15, 20, 30];

const KIND_WORDS = {
  CAPTURE_KIND_POINTER: "pointer movement",
  CAPTURE_KIND_CLICKS: "clicks",
  CAPTURE_KIND_KEYSTROKES: "keystrokes",
  CAPTURE_KIND_MENU_SELECTIONS: "menu selections",
  CAPTURE_KIND_CLIPBOARD: "the clipboard",
  CAPTURE_KIND_SCREENSHOTS: "screenshots",
};
const SCOPE_WORDS = {
  EXEMPTION_SCOPE_FULL: "all capture",
  EXEMPTION_SCOPE_NO_SCREENSHOTS: "no screenshots",
  EXEMPTION_SCOPE_NO_KEYSTROKES: "no keystrokes",
};
const REASON_WORDS = {
  EXEMPTION_REASON_BANDWIDTH: "bandwidth",
  EXEMPTION_REASON_SENSITIVE_WORK: "sensitive work",
  EXEMPTION_REASON_BATTERY: "battery",
  EXEMPTION_REASON_OTHER: "other",
};
const STATUS_WORDS = {
  EXEMPTION_STATUS_REQUESTED: "waiting for an approver",
  EXEMPTION_STATUS_APPROVED: "approved",
  EXEMPTION_STATUS_DENIED: "denied",
  EXEMPTION_STATUS_REVOKED: "revoked",
  EXEMPTION_STATUS_EXPIRED: "expired",
};
const METERED_WORDS = {
  METERED_NETWORK_ACTION_DEFER: "uploads wait for an unmetered network",
  METERED_NETWORK_ACTION_BLOCK: "capture stops on a metered network",
  METERED_NETWORK_ACTION_ALLOW: "uploads go ahead on a metered network",
};
const DAY_WORDS = ["", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

const $ = (id) => document.getElementById(id);

/** The last get_status answer, for the notice's policy version and the pause's end. */
let lastStatus = null;

const SESSION_KEY = "fleet-employee-session";

/**
 * Trades the link's one-time code (its fragment: the browser sends it nowhere) for a session kept
 * in this tab's sessionStorage, which no other port or site can read. Then the code leaves the
 * address bar.
 */
async function signInFromLink() {
  const match = location.hash.match(/^#code=([A-Za-z0-9_-]+)$/);
  history.replaceState(null, "", location.pathname);
  if (!match) return;
  const response = await fetch("/api/signin", {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Fleet-Page": "1" },
    body: match[1],
    credentials: "omit",
    cache: "no-store",
  });
  if (response.ok) {
    sessionStorage.setItem(SESSION_KEY, await response.text());
  } else {
    const refusal = await response.json().catch(() => null);
    throw new Error(refusal && refusal.error ? refusal.error.message : "The sign-in link did not work.");
  }
}

/** One call to the agent; resolves to the answer's own message, or throws an Error with the refusal. */
async function call(request) {
  let response;
  try {
    response = await fetch("/api/call", {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-Fleet-Page": "1",
        "X-Fleet-Session": sessionStorage.getItem(SESSION_KEY) || "",
      },
      body: JSON.stringify(request),
      credentials: "omit",
      cache: "no-store",
    });
  } catch (e) {
    throw new Error("The agent on this laptop is not answering. Is it running? (" + e.message + ")");
  }
  let answer;
  try {
    answer = await response.json();
  } catch (e) {
    throw new Error("The agent answered " + response.status + " with something that is not JSON.");
  }
  if (answer.error) {
    const signIn = response.status === 401 ? " Run `fleet-agent page` in a terminal to sign in again." : "";
    throw new Error(answer.error.message + signIn);
  }
  const key = Object.keys(answer)[0];
  return answer[key];
}

function showError(message) {
  const area = $("error");
  area.textContent = message;
  area.hidden = false;
}

function clearError() {
  $("error").hidden = true;
  $("error").textContent = "";
}

function setText(id, text) {
  $(id).textContent = text;
}

function when(timestamp) {
  if (!timestamp) return "never";
  return new Date(timestamp).toLocaleString();
}

function minutesLeft(endTimestamp) {
  const ms = new Date(endTimestamp).getTime() - Date.now();
  const minutes = Math.max(0, Math.ceil(ms / 60000));
  return minutes === 1 ? "1 minute" : minutes + " minutes";
}

/** Protobuf JSON writes int64 as a string. */
function bytes(value) {
  const n = Number(value || 0);
  if (n < 1024) return n + " B";
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + " KiB";
  if (n < 1024 * 1024 * 1024) return (n / 1024 / 1024).toFixed(1) + " MiB";
  return (n / 1024 / 1024 / 1024).toFixed(2) + " GiB";
}

/** "1800s" (protobuf JSON's Duration) in minutes. */
function durationMinutes(duration) {
  return duration ? Math.floor(parseFloat(duration) / 60) : null;
}

function showStatus(status) {
  lastStatus = status;
  const on = status.captureState === "CAPTURE_STATE_ACTIVE";
  const state = $("capture-state");
  state.textContent = on ? "Capture is ON" : "Capture is OFF";
  state.className = "state " + (on ? "on" : "off");
  setText("capture-reason", status.reason || "");

  const connected = status.connection === "connected";
  setText("connection", connected ? "online" : "offline (" + status.connection + "); the agent goes by what it last heard");
  setText("last-contact", when(status.lastControllerContact));
  setText("offline-limit", status.offlineLimitTime ? when(status.offlineLimitTime) : "no limit known");

  const t = status.telemetry || {};
  setText("battery", t.batteryKnown ? t.batteryPercent + "%" + (t.charging ? ", charging" : ", on battery") : "not known");
  setText("network", t.meteredNetwork ? "metered" : "not metered");
  setText("uploaded-today", bytes(status.uploadedBytesToday));
  setText("uploaded-month", bytes(status.uploadedBytesThisMonth));
  setText("policy-name", status.policyName ? status.policyName + " (version " + status.policyVersion + ")" : "none yet");
  $("last-problem").hidden = !status.lastProblem;
  setText("last-problem", status.lastProblem ? "Last problem: " + status.lastProblem : "");

  const paused = Boolean(status.activePause && status.activePause.endTime);
  setText("pause-state", paused ? "Paused; capture resumes in " + minutesLeft(status.activePause.endTime)
      + " (at " + when(status.activePause.endTime) + ")." : "Not paused.");
  $("resume-button").hidden = !paused;
  setText("pauses-left", status.pausesLeftToday < 0 ? "No daily limit on pauses."
      : "Pauses left today: " + status.pausesLeftToday + ".");
  $("pause-button").disabled = status.pausesLeftToday === 0;

  const notice = $("notice");
  if (status.pendingNotice) {
    setText("notice-text", status.pendingNotice);
    notice.hidden = false;
  } else {
    notice.hidden = true;
  }
}

function target(rule) {
  const what = rule.appId ? "the app " + rule.appId : "the site " + rule.sitePattern;
  const kinds = (rule.kinds || []).map((k) => KIND_WORDS[k] || k);
  return what + (kinds.length ? " (" + kinds.join(", ") + ")" : "");
}

function policyLines(answer) {
  const p = answer.policy;
  if (!p) return ["No policy is in force on this laptop yet: nothing is captured."];
  const lines = [];
  if (p.description) lines.push(p.description);
  const kinds = (p.captureKinds || []).map((k) => KIND_WORDS[k] || k);
  lines.push(kinds.length ? "What may be captured: " + kinds.join(", ") + "." : "Nothing is captured.");
  if ((p.allowlist || []).length) lines.push("Only in: " + p.allowlist.map(target).join("; ") + ".");
  if ((p.denylist || []).length) lines.push("Never in: " + p.denylist.map(target).join("; ") + ".");
  const s = p.schedule;
  if (s && (s.days || []).length) {
    lines.push("Hours: " + s.days.map((d) => DAY_WORDS[d] || d).join(", ") + ", " + s.startLocalTime
        + " to " + s.endLocalTime + " (" + (answer.timeZone || "local time") + ").");
  } else {
    lines.push("Hours: any time.");
  }
  const pause = p.pause || {};
  const longest = durationMinutes(pause.maxPause) || LONGEST_PAUSE_MINUTES;
  lines.push("Pauses: up to " + longest + " minutes each"
      + (pause.pausesPerDay ? ", " + pause.pausesPerDay + " a day" : ", as many as you need")
      + (answer.pausesLeftToday >= 0 ? "; " + answer.pausesLeftToday + " left today." : "."));
  const b = p.bandwidth || {};
  const today = bytes(answer.uploadedBytesToday);
  const month = bytes(answer.uploadedBytesThisMonth);
  lines.push("Uploads: " + today + " today" + (Number(b.dailyUploadCapBytes) ? " of " + bytes(b.dailyUploadCapBytes) : "")
      + ", " + month + " this month" + (Number(b.monthlyUploadCapBytes) ? " of " + bytes(b.monthlyUploadCapBytes) : "")
      + (Number(b.uploadRateLimitBytesPerSecond) ? "; at most " + bytes(b.uploadRateLimitBytesPerSecond) + "/s" : "") + ".");
  if (METERED_WORDS[b.meteredNetworkAction]) lines.push("On a metered network: " + METERED_WORDS[b.meteredNetworkAction] + ".");
  const battery = p.battery || {};
  if (battery.minPercentUnplugged) lines.push("Battery: no capture below " + battery.minPercentUnplugged + "% while unplugged.");
  if (battery.screenshotsOnlyWhileCharging) lines.push("Screenshots only while charging.");
  if ((p.jurisdictions || []).length) lines.push("Only in: " + p.jurisdictions.join(", ") + " (countries).");
  if (p.offlineLimit) lines.push("Offline: capture stops after " + durationMinutes(p.offlineLimit) + " minutes without the controller.");
  return lines;
}

function showPolicy(answer) {
  fillList("policy", policyLines(answer));
  fillPauseChoices(((answer.policy && answer.policy.pause) || {}).maxPause);
}

/** Up to what the policy allows, and never over 30 minutes. */
function fillPauseChoices(maxPause) {
  const longest = Math.min(durationMinutes(maxPause) || LONGEST_PAUSE_MINUTES, LONGEST_PAUSE_MINUTES);
  const select = $("pause-minutes");
  const chosen = select.value;
  const choices = PAUSE_CHOICES.filter((m) => m <= longest);
  if (!choices.includes(longest)) choices.push(longest);
  select.replaceChildren(...choices.map((m) => new Option(m + " minutes", String(m))));
  if (choices.includes(Number(chosen))) select.value = chosen;
}

function showExemptions(answer) {
  const lines = (answer.exemptions || []).map((e) => SCOPE_WORDS[e.scope] + " for " + REASON_WORDS[e.reason]
      + ": " + (STATUS_WORDS[e.status] || e.status)
      + (e.expireTime ? ", until " + when(e.expireTime) : "")
      + (e.decisionReason ? " (" + e.decisionReason + ")" : ""));
  (answer.unsent || []).forEach((r) => lines.push(SCOPE_WORDS[r.scope] + " for " + REASON_WORDS[r.reason]
      + ": not sent yet; it goes to the approvers when the controller is reached"));
  fillList("exemptions", lines.length ? lines : ["None."]);
}

function fillList(id, lines) {
  $(id).replaceChildren(...lines.map((line) => {
    const item = document.createElement("li");
    item.textContent = line;
    return item;
  }));
}

async function refreshStatus() {
  try {
    showStatus(await call({ getStatus: {} }));
    clearStaleAgentError();
  } catch (e) {
    showError(e.message);
  }
}

async function refreshDetails() {
  try {
    showPolicy(await call({ getPolicy: {} }));
    showExemptions(await call({ listExemptions: {} }));
  } catch (e) {
    showError(e.message);
  }
}

/** An "agent not answering" error goes once the agent answers again; a refusal stays until the next action. */
function clearStaleAgentError() {
  if ($("error").textContent.startsWith("The agent on this laptop is not answering")) clearError();
}

/** Runs an action from a button: errors shown, everything refreshed after. */
async function act(button, action) {
  clearError();
  button.disabled = true;
  try {
    return await action();
  } catch (e) {
    showError(e.message);
    return null;
  } finally {
    button.disabled = false;
    await refreshStatus();
    await refreshDetails();
  }
}

function wire() {
  $("pause-button").addEventListener("click", () => act($("pause-button"), () =>
      call({ startPause: { duration: Number($("pause-minutes").value) * 60 + "s" } })));
  $("resume-button").addEventListener("click", () => act($("resume-button"), () => call({ endPause: {} })));
  $("accept-notice").addEventListener("click", () => act($("accept-notice"), () =>
      call({ acknowledgeNotice: { policyVersion: lastStatus ? String(lastStatus.policyVersion) : "0" } })));
  $("exemption-form").addEventListener("submit", (event) => {
    event.preventDefault();
    act($("request-exemption"), async () => {
      const answer = await call({ requestExemption: {
        scope: $("exemption-scope").value,
        reason: $("exemption-reason").value,
        comment: $("exemption-comment").value,
      } });
      setText("exemption-result", "Exemption " + answer.message + ".");
      $("exemption-comment").value = "";
    });
  });
}

wire();
fillPauseChoices(null);
signInFromLink().catch((e) => showError(e.message)).finally(() => {
  refreshStatus();
  refreshDetails();
  setInterval(refreshStatus, STATUS_EVERY_MS);
  setInterval(refreshDetails, POLICY_EVERY_MS);
});
