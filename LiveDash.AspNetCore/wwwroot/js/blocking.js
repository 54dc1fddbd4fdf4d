// "Find the blocking code": runs a capture (POST {path}/api/blocking/capture?seconds=N), shows its progress, then per
// endpoint its top blocking sites: the app's own frame, the blocking call beneath it, its share of the blocked time.
// The panel's data-url is the capture's URL; data-state (idle, running, done, failed) and data-sites are for tests and tools.
import { el, cell } from './format.js';

/**
 * Wires the panel. `headers` go with the POST (a host that guards changes with an antiforgery token passes it here).
 */
export function wireBlockingPanel(panel, { headers = {} } = {}) {
    if (!panel) return;
    const url = panel.dataset.url;
    const button = panel.querySelector('#blocking-start');
    const seconds = panel.querySelector('#blocking-seconds');
    const progress = panel.querySelector('#blocking-progress');
    const message = panel.querySelector('#blocking-msg');
    const result = panel.querySelector('#blocking-result');
    let timer = null;

    const state = s => { panel.dataset.state = s; };
    const say = text => { message.textContent = text; };

    function showProgress(n) {
        const started = Date.now();
        // Sampling for n s, then the rundown and reading the trace: about a second or two more.
        const expected = (n + 2) * 1000;
        progress.hidden = false;
        progress.value = 0;
        timer = setInterval(() => {
            const elapsed = Date.now() - started;
            progress.value = Math.min(99, 100 * elapsed / expected);
            say(elapsed < n * 1000 ? `sampling every thread… ${Math.ceil(n - elapsed / 1000)} s left` : 'reading the stacks…');
        }, 200);
    }

    function stopProgress() {
        clearInterval(timer);
        timer = null;
        progress.hidden = true;
    }

    async function run() {
        const n = Math.round(Number(seconds.value) || 5);
        button.disabled = true;
        state('running');
        showProgress(n);
        try {
            const response = await fetch(`${url}?seconds=${n}`, {
                method: 'POST', credentials: 'same-origin', headers: { 'Accept': 'application/json', ...headers },
            });
            const body = await response.json().catch(() => ({}));
            if (!response.ok) {
                state('failed');
                say(body.error ?? body.detail ?? `the capture answered ${response.status}`);
                return;
            }
            render(body);
        } catch (e) {
            state('failed');
            say(`the capture could not be reached: ${e.message}`);
        } finally {
            stopProgress();
            button.disabled = false;
        }
    }

    function render(report) {
        result.replaceChildren();
        const endpoints = report.endpoints ?? [];
        panel.dataset.sites = String(endpoints.reduce((n, e) => n + e.sites.length, 0));
        const when = new Date(report.startedAt).toLocaleTimeString([], { hour12: false });
        say(report.error ? `capture at ${when} failed: ${report.error}`
            : `${report.seconds} s captured at ${when}, ${(report.tookMs / 1000).toFixed(1)} s in all` + (report.note ? ` — ${report.note}` : ''));
        state(report.error ? 'failed' : 'done');
        if (endpoints.length === 0) return;
        const table = el('table', 'grid blocking-sites');
        const head = el('tr');
        for (const [text, cls] of [['Endpoint'], ['App frame'], ['Blocking call'], ['Share', 'num'], ['Samples', 'num'], ['Stack']])
            head.append(el('th', cls, text));
        table.append(el('thead'), el('tbody'));
        table.tHead.append(head);
        for (const endpoint of endpoints) {
            endpoint.sites.forEach((site, i) => {
                const row = el('tr');
                row.dataset.route = endpoint.route;
                row.append(
                    cell(i === 0 ? endpoint.route : '', 'route'),
                    cell(site.appFrame, 'app-frame'),
                    cell(site.blockingFrame, 'blocking-frame'),
                    cell(`${(site.share * 100).toFixed(0)}%`, 'num'),
                    cell(String(site.samples), 'num'),
                    stackCell(site.stack));
                table.tBodies[0].append(row);
            });
        }
        result.append(table);
    }

    function stackCell(stack) {
        const details = el('details');
        details.append(el('summary', null, `${stack.length} frames`), el('pre', 'stack', stack.join('\n')));
        const td = el('td');
        td.append(details);
        return td;
    }

    button.addEventListener('click', run);
    // The last capture's result, if any (204 before the first).
    fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
        .then(r => r.status === 200 ? r.json() : null)
        .then(report => { if (report && panel.dataset.state === 'idle') render(report); })
        .catch(() => { });
}
