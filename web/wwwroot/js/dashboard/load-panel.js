// The load panel (admins): start, steer and stop runs on the connected load agents via /admin/api/load.
import { $, cell, fmtMs } from '../../_content/LiveDash.AspNetCore/js/format.js';
import { adminJson } from './controls.js';

const API = '/admin/api/load';
let panel = null;
const chosen = new Set();       // agents ticked for the next run; empty = every idle agent
let current = null;             // the newest run, as GET /runs/{id} answers it

function say(text, bad) {
    const msg = $('load-msg');
    msg.textContent = text;
    msg.classList.toggle('bad', !!bad);
}

function amount() {
    const kind = $('load-kind').value;
    const value = Number($('load-amount').value);
    return kind === 'users' ? { users: Math.round(value) } : kind === 'rate' ? { rate: value } : {};
}

function syncInputs() {
    $('load-path').disabled = $('load-scenario').value !== 'url';
    const active = current && (current.state === 'running' || current.state === 'stopping');
    $('load-start').disabled = !!active;
    $('load-stop').disabled = !active;
    $('load-change').disabled = !active || (current.users == null && current.rate == null);
}

async function loadScenarios() {
    try {
        const list = await adminJson('GET', `${API}/scenarios`);
        const select = $('load-scenario');
        select.replaceChildren(...list.map(s => {
            const o = document.createElement('option');
            o.value = s.name;
            o.textContent = s.name;
            o.title = s.description;
            o.selected = s.name === 'url';
            return o;
        }));
    } catch (e) {
        say(e.message, true);
    }
    syncInputs();
}

function drawAgents(agents) {
    const body = $('load-agents').tBodies[0];
    if (!agents.length) {
        const tr = document.createElement('tr');
        const td = cell('No agent connected: start one with ./livedash agent --server ' + location.origin, 'muted');
        td.colSpan = 5;
        tr.append(td);
        body.replaceChildren(tr);
        return;
    }
    body.replaceChildren(...agents.map(a => {
        const tr = document.createElement('tr');
        tr.dataset.agent = a.name;
        tr.dataset.state = a.state;
        const use = document.createElement('input');
        use.type = 'checkbox';
        use.checked = chosen.has(a.name);
        use.disabled = a.state !== 'idle';
        use.setAttribute('aria-label', `use ${a.name}`);
        use.addEventListener('change', () => use.checked ? chosen.add(a.name) : chosen.delete(a.name));
        const useCell = document.createElement('td');
        useCell.append(use);
        tr.append(useCell, cell(a.name), cell(a.state, a.state === 'lost' ? 'bad' : ''), cell(String(Math.round(a.rps)), 'num'), cell(String(a.errors), 'num'));
        return tr;
    }));
}

function drawRun() {
    const line = $('load-run');
    panel.dataset.run = current?.id ?? '';
    panel.dataset.runState = current?.state ?? '';
    if (!current) {
        line.textContent = 'No run yet.';
        return;
    }
    const r = current;
    const load = r.users != null ? `${r.users} users` : r.rate != null ? `${r.rate}/s` : 'scenario load';
    const agents = r.agents.map(a => `${a.name} ${a.state === 'lost' ? 'lost' : Math.round(a.rps) + '/s'}`).join(', ');
    // The warm-up's load is sent first and counted nowhere; the run's seconds start after it.
    const progress = r.warmingUp
        ? `warming up (${r.warmUpSeconds} s, not counted)`
        : `${Math.max(0, Math.min(r.elapsedSeconds - r.warmUpSeconds, r.durationSeconds)).toFixed(0)} of ${r.durationSeconds} s`
          + (r.warmUpSeconds > 0 ? ` after a ${r.warmUpSeconds} s warm-up` : '');
    line.replaceChildren(document.createTextNode(
        `Run ${r.id} · ${r.scenario}${r.path ? ' ' + r.path : ''} · ${load} · ${r.state} · ${progress} · `
        + `${r.requests} requests · ${Math.round(r.rps)} req/s · p50 ${fmtMs(r.p50Ms)} · p99 ${fmtMs(r.p99Ms)} · ${r.errors} errors · agents: ${agents} · report `));
    for (const format of ['html', 'md', 'csv']) {
        const a = document.createElement('a');
        a.href = `${API}/runs/${r.id}/report?format=${format}`;
        a.textContent = format;
        a.className = 'load-report';
        a.download = `load-${r.id}.${format}`;
        line.append(a, document.createTextNode(' '));
    }
}

async function refresh() {
    try {
        const [agents, runs] = await Promise.all([adminJson('GET', `${API}/agents`), adminJson('GET', `${API}/runs`)]);
        drawAgents(agents);
        current = runs[0] ?? null;
        drawRun();
    } catch (e) {
        say(e.message, true);
    }
    syncInputs();
}

export function wireLoadPanel() {
    panel = $('load-panel');
    if (!panel) return;
    $('load-scenario').addEventListener('change', syncInputs);

    $('load-start').addEventListener('click', async () => {
        const body = { scenario: $('load-scenario').value, durationSeconds: Number($('load-duration').value), agentLines: $('load-lines').checked, ...amount() };
        if (body.scenario === 'url') body.path = $('load-path').value;
        if (chosen.size) body.agents = [...chosen];
        say('starting…');
        try {
            const { id } = await adminJson('POST', `${API}/runs`, body);
            say(`run ${id} started`);
        } catch (e) {
            say(e.message, true);
        }
        refresh();
    });

    $('load-change').addEventListener('click', async () => {
        if (!current) return;
        const change = amount();
        if (current.rate != null && change.users != null) { say('this run is open-model: change its arrivals/s', true); return; }
        if (current.users != null && change.rate != null) { say('this run is closed-model: change its users', true); return; }
        try {
            await adminJson('PATCH', `${API}/runs/${current.id}`, { ...change, agentLines: $('load-lines').checked });
            say('changed');
        } catch (e) {
            say(e.message, true);
        }
        refresh();
    });

    $('load-stop').addEventListener('click', async () => {
        if (!current) return;
        try {
            await adminJson('DELETE', `${API}/runs/${current.id}`);
            say('stopping');
        } catch (e) {
            say(e.message, true);
        }
        refresh();
    });

    loadScenarios();
    refresh();
    setInterval(refresh, 1000);
}
