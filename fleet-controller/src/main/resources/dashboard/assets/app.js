// The ops dashboard: one page per route (#/fleet, #/devices, #/device/ID, #/rollouts, #/rollout/ID,
// #/exemptions, #/audit), each drawn from the admin API's JSON (POST /api/<Method>). Every value is
// set as text, never parsed as HTML. Buttons appear only for the permissions the session has; the
// server checks them again on every call.
'use strict';

let session = null;
let timers = [];
// Which route is showing: a page whose first answer comes after the next route started draws nothing.
let generation = 0;

// ---- talking to the server ----

async function api(method, request) {
  const response = await fetch('/api/' + method, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': session.csrfToken },
    body: JSON.stringify(request || {}),
  });
  const body = await response.json().catch(() => ({ error: { code: 'UNAVAILABLE', message: 'no answer from the controller' } }));
  if (response.status === 401) {
    location.href = '/signin';
  }
  if (!response.ok || body.error) {
    throw new Error(body.error ? body.error.code + ': ' + body.error.message : 'HTTP ' + response.status);
  }
  return body;
}

async function getJson(path) {
  const response = await fetch(path, { credentials: 'same-origin' });
  if (response.status === 401) {
    location.href = '/signin';
  }
  return response.json();
}

function may(permission) {
  return session.permissions.includes(permission);
}

function showError(error) {
  const box = document.getElementById('error');
  if (error) {
    box.textContent = error.message || String(error);
    box.hidden = false;
  } else {
    box.hidden = true;
    box.textContent = '';
  }
}

// ---- building the page ----

function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) element.addEventListener(key.substring(2), value);
    else element.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

function table(id, headings, rows) {
  return h('table', { id },
    h('thead', {}, h('tr', {}, headings.map(text => h('th', { scope: 'col' }, text)))),
    h('tbody', {}, rows));
}

function words(enumName, prefix) {
  if (!enumName) return '';
  return enumName.replace(prefix, '').toLowerCase().replace(/_/g, ' ');
}

function when(timestamp) {
  return timestamp ? new Date(timestamp).toLocaleString() : '—';
}

function policyText(version) {
  return version && version.policyName ? version.policyName + ' v' + version.version : 'none';
}

// Width through the CSSOM: the page's policy allows no inline style attributes.
function progressBar(percent) {
  const fill = h('span');
  fill.style.width = percent + '%';
  return h('span', { class: 'bar', role: 'progressbar', 'aria-valuenow': percent, 'aria-valuemin': 0, 'aria-valuemax': 100 }, fill);
}

// What a page draws with: both do nothing once another route has started, so a slow first answer
// or a timer of the page just left never draws over the page now showing.
function scopeOf(mine) {
  return {
    render: (...nodes) => {
      if (mine === generation) document.getElementById('page').replaceChildren(...nodes);
    },
    every: (millis, task) => {
      if (mine === generation) timers.push(setInterval(task, millis));
    },
  };
}

function lineChart(id, label, points) {
  const width = 640, height = 160, pad = 28;
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('id', id);
  svg.setAttribute('class', 'chart');
  svg.setAttribute('width', width);
  svg.setAttribute('height', height);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  const max = Math.max(1, ...points.map(p => p.y));
  const span = Math.max(1, points.length - 1);
  const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
  line.setAttribute('points', points.map((p, i) =>
    (pad + (width - 2 * pad) * i / span).toFixed(1) + ',' + (height - pad - (height - 2 * pad) * p.y / max).toFixed(1)).join(' '));
  svg.append(line);
  const caption = (x, y, text) => {
    const t = document.createElementNS('http://www.w3.org/2000/svg', 'text');
    t.setAttribute('x', x);
    t.setAttribute('y', y);
    t.textContent = text;
    svg.append(t);
  };
  caption(4, pad - 8, label + ' (max ' + max + ')');
  if (points.length > 0) {
    caption(pad, height - 8, points[0].label);
    caption(width - pad - 60, height - 8, points[points.length - 1].label);
  } else {
    caption(pad, height / 2, 'no points yet');
  }
  return svg;
}

// ---- pages ----

async function fleetPage(scope) {
  const draw = async () => {
    const [summary, history] = await Promise.all([api('GetFleetSummary'), getJson('/api/history')]);
    const card = (id, n, label) => h('div', { class: 'card' }, h('div', { class: 'n', id }, n), h('div', { class: 'l' }, label));
    const counts = (id, heading, map, name) => table(id, [heading, 'Devices'],
      Object.entries(map || {}).sort().map(([key, n]) => h('tr', {}, h('td', {}, name(key)), h('td', {}, n))));
    scope.render(
      h('h1', {}, 'Fleet'),
      h('div', { class: 'cards' },
        card('fleet-total', summary.total, 'devices'),
        card('fleet-online', summary.online, 'online'),
        card('fleet-stale', summary.stale, 'stale'),
        card('fleet-offline', summary.offline, 'offline')),
      h('h2', {}, 'Online devices, last hours'),
      lineChart('online-chart', 'online', history.points.map(p => ({ y: p.online, label: new Date(p.at).toLocaleTimeString() }))),
      h('h2', {}, 'Capture state'),
      counts('by-capture-state', 'State', summary.byCaptureState, key => words(key, 'CAPTURE_STATE_')),
      h('h2', {}, 'Applied policy'),
      table('by-policy', ['Policy', 'Devices'], (summary.byAppliedPolicy || []).map(c =>
        h('tr', {}, h('td', {}, policyText(c.policy)), h('td', {}, c.devices)))),
      h('h2', {}, 'Jurisdiction'), counts('by-jurisdiction', 'Jurisdiction', summary.byJurisdiction, key => key));
  };
  await draw();
  scope.every(5000, () => draw().then(() => showError(null), showError));
}

const CONNECTION_STATES = ['CONNECTION_STATE_ONLINE', 'CONNECTION_STATE_STALE', 'CONNECTION_STATE_OFFLINE'];
const CAPTURE_STATES = ['CAPTURE_STATE_ACTIVE', 'CAPTURE_STATE_PAUSED', 'CAPTURE_STATE_EXEMPT', 'CAPTURE_STATE_REGION_BLOCKED',
  'CAPTURE_STATE_OUTSIDE_SCHEDULE', 'CAPTURE_STATE_BATTERY_LOW', 'CAPTURE_STATE_BANDWIDTH_CAPPED',
  'CAPTURE_STATE_OFFLINE_FAIL_CLOSED', 'CAPTURE_STATE_NO_POLICY', 'CAPTURE_STATE_NOTICE_PENDING'];

function select(id, label, values, prefix, chosen) {
  return h('div', {}, h('label', { for: id }, label),
    h('select', { id }, h('option', { value: '' }, 'any'),
      values.map(v => h('option', { value: v, selected: v === chosen }, words(v, prefix)))));
}

async function devicesPage(params, scope) {
  const minutesAgo = name => params.get(name)
    ? new Date(Date.now() - Number(params.get(name)) * 60000).toISOString() : undefined;
  const filters = {
    connectionState: params.get('connection') || undefined,
    captureState: params.get('capture') || undefined,
    jurisdiction: params.get('jurisdiction') || undefined,
    labels: params.get('label') ? [params.get('label')] : undefined,
    appliedPolicy: params.get('policy')
      ? { policyName: params.get('policy'), version: params.get('version') || '0' } : undefined,
    lastSeenBefore: minutesAgo('unseen'),
    lastSeenAfter: minutesAgo('seen'),
    pageSize: 50,
    pageToken: params.get('page') || undefined,
  };
  const listing = await api('ListDevices', filters);
  const field = (id, label, name, size) => h('div', {}, h('label', { for: id }, label),
    h('input', { id, value: params.get(name) || '', size }));
  const form = h('form', { class: 'filters', id: 'device-filters', onsubmit: event => {
    event.preventDefault();
    const query = new URLSearchParams();
    for (const [name, id] of [['connection', 'filter-connection'], ['capture', 'filter-capture'],
      ['jurisdiction', 'filter-jurisdiction'], ['label', 'filter-label'], ['policy', 'filter-policy'],
      ['version', 'filter-version'], ['unseen', 'filter-unseen'], ['seen', 'filter-seen']]) {
      const value = document.getElementById(id).value.trim();
      if (value) query.set(name, value);
    }
    location.hash = '#/devices?' + query;
  } },
  select('filter-connection', 'Connection', CONNECTION_STATES, 'CONNECTION_STATE_', filters.connectionState),
  select('filter-capture', 'Capture', CAPTURE_STATES, 'CAPTURE_STATE_', filters.captureState),
  field('filter-jurisdiction', 'Jurisdiction', 'jurisdiction', 6),
  field('filter-label', 'Label (key=value)', 'label', 14),
  field('filter-policy', 'Applied policy', 'policy', 10),
  field('filter-version', 'Version (any: empty)', 'version', 4),
  field('filter-unseen', 'Not seen for (min)', 'unseen', 5),
  field('filter-seen', 'Seen within (min)', 'seen', 5),
  h('button', { id: 'apply-filters', type: 'submit', class: 'primary' }, 'Filter'));
  const next = new URLSearchParams(params);
  next.set('page', listing.nextPageToken);
  scope.render(
    h('h1', {}, 'Devices'),
    form,
    h('p', { class: 'muted', id: 'device-count' }, listing.totalSize + ' match'),
    table('devices-table', ['Device', 'Owner', 'Connection', 'Capture', 'Why', 'Policy', 'Last seen'],
      listing.devices.map(d => h('tr', { 'data-device': d.deviceId },
        h('td', {}, h('a', { href: '#/device/' + encodeURIComponent(d.deviceId) }, d.deviceId)),
        h('td', {}, d.owner),
        h('td', { class: 'state-' + d.connectionState }, words(d.connectionState, 'CONNECTION_STATE_')),
        h('td', {}, words(d.captureState, 'CAPTURE_STATE_')),
        h('td', {}, d.captureStateReason),
        h('td', {}, policyText(d.appliedPolicy)),
        h('td', {}, when(d.lastSeenTime))))),
    listing.nextPageToken ? h('a', { id: 'next-page', href: '#/devices?' + next }, 'Next page') : null);
}

async function devicePage(deviceId, scope) {
  const samples = [];
  const draw = async () => {
    const answer = await api('GetDevice', { deviceId });
    const d = answer.device;
    const t = d.latestTelemetry || {};
    // A laptop that does not know its battery (a desktop, a VM) plots nothing rather than zeros.
    if (t.batteryKnown && d.lastSeenTime && (samples.length === 0 || samples[samples.length - 1].at !== d.lastSeenTime)) {
      samples.push({ at: d.lastSeenTime, y: t.batteryPercent,
        label: new Date(d.lastSeenTime).toLocaleTimeString() });
      if (samples.length > 720) samples.shift();
    }
    const health = d.health || {};
    scope.render(
      h('h1', {}, 'Device ', h('span', { id: 'device-id' }, d.deviceId)),
      h('dl', { class: 'facts', id: 'device-facts' },
        h('dt', {}, 'Owner'), h('dd', {}, d.owner),
        h('dt', {}, 'Connection'), h('dd', { id: 'device-connection' }, words(d.connectionState, 'CONNECTION_STATE_')),
        h('dt', {}, 'Capture'), h('dd', { id: 'device-capture' }, words(d.captureState, 'CAPTURE_STATE_')),
        h('dt', {}, 'Why'), h('dd', { id: 'device-reason' }, d.captureStateReason),
        h('dt', {}, 'Paused'), h('dd', {}, d.activePause ? 'until ' + when(d.activePause.endTime) : 'no'),
        h('dt', {}, 'Pauses today'), h('dd', {}, d.pausesTakenToday),
        h('dt', {}, 'Policy'), h('dd', {}, policyText(d.appliedPolicy) + ' (target ' + policyText(d.targetPolicy) + ')'),
        h('dt', {}, 'Jurisdiction'), h('dd', {}, d.jurisdiction),
        h('dt', {}, 'Identity'), h('dd', {}, words(d.identityState, 'IDENTITY_STATE_')),
        h('dt', {}, 'Last seen'), h('dd', {}, when(d.lastSeenTime)),
        h('dt', {}, 'Battery'), h('dd', {}, t.batteryKnown ? t.batteryPercent + ' %' + (t.charging ? ', charging' : '') : 'unknown'),
        h('dt', {}, 'Network'), h('dd', {}, t.meteredNetwork ? 'metered' : 'unmetered'),
        h('dt', {}, 'Agent'), h('dd', {}, (t.agentCpuPercent || 0).toFixed(1) + ' % CPU, '
          + Math.round((t.agentRssBytes || 0) / 1048576) + ' MiB, ' + (t.agentErrorCount || 0) + ' errors')),
      h('h2', {}, 'Health, last hour'),
      h('dl', { class: 'facts', id: 'device-health' },
        h('dt', {}, 'Heartbeats'), h('dd', {}, health.samplesLastHour || 0),
        h('dt', {}, 'Battery drain'), h('dd', {}, health.batteryDrainPercentPerHour === undefined
          ? 'not seen discharging' : health.batteryDrainPercentPerHour.toFixed(1) + ' %/h'),
        h('dt', {}, 'Upload'), h('dd', {}, Math.round((health.uploadedBytesPerHour || 0) / 1024) + ' KiB/h'),
        h('dt', {}, 'Agent errors'), h('dd', {}, health.agentErrorsLastHour || 0),
        h('dt', {}, 'Agent CPU (mean)'), h('dd', {}, (health.agentCpuPercentMean || 0).toFixed(2) + ' %')),
      lineChart('battery-chart', 'battery % while this page is open', samples),
      h('h2', {}, 'Exemptions'),
      table('device-exemptions', ['Scope', 'Reason', 'Status', 'Expires', 'Decided by'], (d.exemptions || []).map(e =>
        h('tr', {}, h('td', {}, words(e.scope, 'EXEMPTION_SCOPE_')), h('td', {}, words(e.reason, 'EXEMPTION_REASON_')),
          h('td', {}, words(e.status, 'EXEMPTION_STATUS_')), h('td', {}, when(e.expireTime)), h('td', {}, e.decidedBy)))),
      h('h2', {}, 'History'),
      table('device-history', ['When', 'Who', 'What', 'Detail'], (answer.history || []).slice().reverse().map(e =>
        h('tr', {}, h('td', {}, when(e.eventTime)), h('td', {}, e.actor), h('td', {}, e.action), h('td', {}, e.detail)))));
  };
  await draw();
  scope.every(5000, () => draw().then(() => showError(null), showError));
}

async function rolloutsPage(scope) {
  const listing = await api('ListRollouts', { pageSize: 100 });
  scope.render(
    h('h1', {}, 'Rollouts'),
    table('rollouts-table', ['Rollout', 'Policy', 'Status', 'Wave', 'Started'], listing.rollouts.map(r =>
      h('tr', {},
        h('td', {}, h('a', { href: '#/rollout/' + encodeURIComponent(r.rolloutId) }, r.rolloutId)),
        h('td', {}, r.policyName + ' v' + r.policyVersion),
        h('td', {}, words(r.status, 'ROLLOUT_STATUS_')),
        h('td', {}, (r.currentWave + 1) + ' of ' + r.waves.length),
        h('td', {}, when(r.createTime))))));
}

async function rolloutPage(rolloutId, scope) {
  const act = (method, label, style) => h('button', { id: 'rollout-' + label.toLowerCase(), class: style, onclick: async () => {
    try {
      await api(method, { rolloutId });
      showError(null);
      await draw();
    } catch (error) {
      showError(error);
    }
  } }, label);
  const draw = async () => {
    const r = (await api('GetRollout', { rolloutId })).rollout;
    scope.render(
      h('h1', {}, 'Rollout ', r.rolloutId),
      h('p', {}, 'Policy ', h('strong', {}, r.policyName + ' v' + r.policyVersion), ' · status ',
        h('strong', { id: 'rollout-status' }, words(r.status, 'ROLLOUT_STATUS_')),
        r.statusMessage ? ' · ' + r.statusMessage : ''),
      may('manage-policies') ? h('div', { class: 'actions', id: 'rollout-actions' },
        act('PauseRollout', 'Pause'), act('ResumeRollout', 'Resume'),
        act('AbortRollout', 'Abort', 'danger'), act('RollbackRollout', 'Rollback', 'danger')) : null,
      table('rollout-waves', ['Wave', 'Share', 'Devices', 'Acknowledged', 'Progress', 'State', 'Gate'], r.waves.map((w, i) => {
        const done = w.deviceCount > 0 ? Math.round(100 * w.ackedCount / w.deviceCount) : 0;
        return h('tr', { 'data-wave': i },
          h('td', {}, i + 1), h('td', {}, w.percent + ' %'), h('td', {}, w.deviceCount),
          h('td', { class: 'acked' }, w.ackedCount),
          h('td', {}, progressBar(done)),
          h('td', {}, w.state), h('td', {}, w.gateMessage));
      })),
      h('p', { class: 'muted' }, 'Updated ', h('span', { id: 'rollout-updated' }, new Date().toLocaleTimeString()),
        '; this page refreshes every second.'));
  };
  await draw();
  scope.every(1000, () => draw().then(() => showError(null), showError));
}

async function exemptionsPage(scope) {
  const listing = await api('ListExemptions', { status: 'EXEMPTION_STATUS_REQUESTED', pageSize: 100 });
  const decide = may('decide-exemptions');
  scope.render(
    h('h1', {}, 'Exemption requests'),
    listing.exemptions.length === 0 ? h('p', { id: 'no-requests' }, 'No requests wait for a decision.') : null,
    table('exemptions-table', ['Device', 'Scope', 'Reason', 'Comment', 'Asked', decide ? 'Decision' : ''],
      listing.exemptions.map(e => {
        const key = e.exemptionId;
        const hours = h('select', { id: 'expiry-' + key, 'aria-label': 'Approve for' },
          [[8, '8 hours'], [24, '1 day'], [168, '1 week'], [720, '30 days']].map(([n, text]) => h('option', { value: n }, text)));
        const reason = h('input', { id: 'deny-reason-' + key, 'aria-label': 'Reason to deny', placeholder: 'reason to deny' });
        const approve = h('button', { class: 'primary approve', id: 'approve-' + key, onclick: async () => {
          const expires = new Date(Date.now() + Number(hours.value) * 3600 * 1000).toISOString();
          await run(() => api('ApproveExemption', { deviceId: e.deviceId, exemptionId: key, expireTime: expires }));
        } }, 'Approve');
        const deny = h('button', { class: 'danger deny', id: 'deny-' + key, onclick: async () => {
          await run(() => api('DenyExemption', { deviceId: e.deviceId, exemptionId: key, reason: reason.value }));
        } }, 'Deny');
        return h('tr', { 'data-exemption': key, 'data-device': e.deviceId },
          h('td', {}, h('a', { href: '#/device/' + encodeURIComponent(e.deviceId) }, e.deviceId)),
          h('td', {}, words(e.scope, 'EXEMPTION_SCOPE_')), h('td', {}, words(e.reason, 'EXEMPTION_REASON_')),
          h('td', {}, e.comment), h('td', {}, when(e.requestTime)),
          decide ? h('td', {}, hours, ' ', approve, ' ', reason, ' ', deny) : h('td', {}));
      })));
}

async function run(action) {
  try {
    await action();
    showError(null);
    await route();
  } catch (error) {
    showError(error);
  }
}

async function auditPage(params, scope) {
  const request = {
    deviceId: params.get('device') || undefined,
    action: params.get('action') || undefined,
    actor: params.get('actor') || undefined,
    pageSize: 100,
    pageToken: params.get('page') || undefined,
  };
  const listing = await api('ListAuditEvents', request);
  const field = (id, label, value) => h('div', {}, h('label', { for: id }, label), h('input', { id, value: value || '' }));
  const next = new URLSearchParams(params);
  next.set('page', listing.nextPageToken);
  scope.render(
    h('h1', {}, 'Audit'),
    h('form', { class: 'filters', onsubmit: event => {
      event.preventDefault();
      const query = new URLSearchParams();
      for (const name of ['device', 'action', 'actor']) {
        const value = document.getElementById('audit-' + name).value.trim();
        if (value) query.set(name, value);
      }
      location.hash = '#/audit?' + query;
    } },
    field('audit-device', 'Device', request.deviceId), field('audit-action', 'Action (e.g. pause.started)', request.action),
    field('audit-actor', 'Actor', request.actor), h('button', { type: 'submit', class: 'primary', id: 'apply-audit' }, 'Filter')),
    table('audit-table', ['When', 'Actor', 'Action', 'Device', 'Detail'], listing.events.map(e =>
      h('tr', {}, h('td', {}, when(e.eventTime)), h('td', {}, e.actor), h('td', {}, e.action),
        h('td', {}, e.deviceId), h('td', {}, e.detail)))),
    listing.nextPageToken ? h('a', { id: 'next-page', href: '#/audit?' + next }, 'Older') : null);
}

// ---- routing ----

async function route() {
  timers.forEach(clearInterval);
  timers = [];
  const scope = scopeOf(++generation);
  const hash = location.hash || '#/fleet';
  const [path, query] = hash.substring(1).split('?');
  const params = new URLSearchParams(query || '');
  const parts = path.split('/').filter(Boolean);
  document.querySelectorAll('header nav a').forEach(a => {
    if (a.getAttribute('href') === '#/' + (parts[0] || 'fleet')) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  try {
    switch (parts[0]) {
      case 'devices': await devicesPage(params, scope); break;
      case 'device': await devicePage(decodeURIComponent(parts[1] || ''), scope); break;
      case 'rollouts': await rolloutsPage(scope); break;
      case 'rollout': await rolloutPage(decodeURIComponent(parts[1] || ''), scope); break;
      case 'exemptions': await exemptionsPage(scope); break;
      case 'audit': await auditPage(params, scope); break;
      default: await fleetPage(scope);
    }
    showError(null);
  } catch (error) {
    showError(error);
  }
}

async function start() {
  session = await getJson('/api/session');
  document.getElementById('who').textContent = session.name + ' (' + session.role + ')';
  document.getElementById('signout-form').addEventListener('submit', async event => {
    event.preventDefault();
    await fetch('/signout', { method: 'POST', credentials: 'same-origin', headers: { 'X-CSRF-Token': session.csrfToken } });
    location.href = '/signin';
  });
  window.addEventListener('hashchange', route);
  await route();
}

start();
