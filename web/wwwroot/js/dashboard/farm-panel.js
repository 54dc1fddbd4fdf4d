// The farm panel: reads the farm frames from /hubs/farm (every instance on the database with this farm
// name) and draws the farm's totals, one line per instance on request, and each instance's thread pool.
import { $, cell, fmtMs } from '../../_content/LiveDash.AspNetCore/js/format.js';
import { connectHub } from '../../_content/LiveDash.AspNetCore/js/hub.js';
import { line as chartLine, push, timeOptions } from '../../_content/LiveDash.AspNetCore/js/time-charts.js';

export function wireFarmPanel(view, modes) {
    const panel = $('farm');
    if (!panel) return;
    const Chart = globalThis.Chart;
    const MODES = modes.names;
    const PALETTE = ['#2563eb', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#475569'];

    const farm = { frames: 0, last: null, colors: new Map(), perInstance: false };

    const colorOf = name => {
        if (!farm.colors.has(name)) farm.colors.set(name, PALETTE[farm.colors.size % PALETTE.length]);
        return farm.colors.get(name);
    };
    // Gaps, not joined lines, where an instance was gone.
    const line = (label, color, extra = {}) => chartLine(label, color, { spanGaps: false, ...extra });
    const options = (yTitle, extraScales = {}) => {
        const o = timeOptions(yTitle);
        Object.assign(o.scales, extraScales);
        return o;
    };

    // Farm req/s and end-to-end p99 from the merged histograms; instance req/s lines are added on request.
    const rpsChart = new Chart($('c-farm-rps'), {
        type: 'line',
        data: { datasets: [line('farm req/s', '#0f172a', { borderWidth: 2 }), line('farm p99 (ms)', '#dc2626', { yAxisID: 'ms', borderDash: [4, 3] })] },
        options: options('req/s', { ms: { position: 'right', beginAtZero: true, title: { display: true, text: 'p99 ms' }, grid: { display: false } } }),
    });
    // The thread pool per instance: where a farm of Sync instances each starves on its own.
    const threadsChart = new Chart($('c-farm-threads'), {
        type: 'line',
        data: { datasets: [] },
        options: options('threads / queued'),
    });

    const instanceSets = new Map();   // name -> { rps, threads, queued } datasets
    function datasetsFor(name) {
        let sets = instanceSets.get(name);
        if (sets) return sets;
        const color = colorOf(name);
        sets = {
            rps: line(name + ' req/s', color, { borderWidth: 1, hidden: !farm.perInstance }),
            threads: line(name + ' threads', color),
            queued: line(name + ' queued', color, { borderDash: [2, 2], borderWidth: 1 }),
        };
        rpsChart.data.datasets.push(sets.rps);
        threadsChart.data.datasets.push(sets.threads, sets.queued);
        instanceSets.set(name, sets);
        return sets;
    }


    // One instance: a single line instead of the panel, unless asked for; more than one: the panel.
    const single = $('farm-single');
    let expanded = false;
    $('farm-show')?.addEventListener('click', () => { expanded = true; showPanel(farm.last); });
    function showPanel(frame) {
        const one = !frame || frame.live <= 1;
        panel.hidden = one && !expanded;
        if (!single) return;
        single.hidden = !panel.hidden;
        if (frame) $('farm-single-text').textContent = `Farm ${$('farm-name').textContent}: one instance (${frame.i.find(l => !l.gone)?.name ?? panel.dataset.instance}), ${frame.rps.toFixed(0)} req/s.`;
    }

    function onFrame(frame) {
        panel.dispatchEvent(new CustomEvent('livedash:farm', { detail: frame }));   // the lesson's farm row records them
        showPanel(frame);
        farm.frames++;
        farm.last = frame;
        panel.dataset.frames = String(farm.frames);
        panel.dataset.rps = String(frame.rps);
        const t = frame.t;
        push(rpsChart.data.datasets[0], t, frame.rps);
        push(rpsChart.data.datasets[1], t, frame.p.length ? frame.p[2] : null);
        for (const l of frame.i) {
            const sets = datasetsFor(l.name);
            // A gone instance gets a gap, not a flat line at its last value.
            push(sets.rps, t, l.gone ? null : l.rps);
            push(sets.threads, t, l.gone ? null : l.th);
            push(sets.queued, t, l.gone ? null : l.q);
        }
        scheduleRender();
    }

    let renderPending = false;
    function scheduleRender() {
        if (renderPending || view.paused) return;
        renderPending = true;
        requestAnimationFrame(() => { renderPending = false; render(); });
    }

    function render() {
        const frame = farm.last;
        if (!frame) return;
        const max = frame.t, min = max - view.windowMin * 60_000;
        for (const chart of [rpsChart, threadsChart]) {
            const first = chart.data.datasets[0]?.data[0]?.x ?? max;
            chart.options.scales.x.min = Math.max(min, first);
            chart.options.scales.x.max = max;
            chart.update('none');
        }
        $('farm-live').textContent = frame.live + (frame.gone ? ` live, ${frame.gone} gone` : ' live');
        $('farm-rps').textContent = frame.rps.toFixed(0);
        $('farm-p').textContent = frame.p.length ? `${fmtMs(frame.p[0])} / ${fmtMs(frame.p[2])}` : '–';
        $('farm-inflight').textContent = String(frame.if);
        renderTable(frame);
    }

    // One row per instance, made once and updated in place: a row rebuilt four times a second would drop
    // a click on its link half way and any text being selected.
    const rowsByName = new Map();   // name -> { tr, cells }
    const NUMBERS = 10;
    function rowFor(l) {
        let row = rowsByName.get(l.name);
        if (row) return row;
        const tr = document.createElement('tr');
        tr.dataset.instance = l.name;
        const name = cell('', '');
        const swatch = document.createElement('span');
        swatch.style.cssText = `display:inline-block;width:.7em;height:.7em;margin-right:.35em;background:${colorOf(l.name)}`;
        name.append(swatch);
        if (l.url) {
            const a = document.createElement('a');
            a.href = l.url + '/dashboard';
            a.textContent = l.name;
            a.title = l.url + ' — its own dashboard and waterfall';
            name.append(a);
        } else {
            name.append(l.name);
        }
        if (l.name === panel.dataset.instance) name.append(' (this one)');
        const mode = cell('', 'mode');
        const cells = Array.from({ length: NUMBERS }, () => cell('', 'num'));
        cells[NUMBERS - 1].classList.add('seen');
        tr.append(name, mode, ...cells);
        row = { tr, mode, cells };
        rowsByName.set(l.name, row);
        return row;
    }

    const setText = (node, text) => { if (node.textContent !== text) node.textContent = text; };
    function renderTable(frame) {
        const body = $('farm-instances').tBodies[0];
        const rows = frame.i.map(l => {
            const row = rowFor(l);
            row.tr.classList.toggle('gone', !!l.gone);
            const modeName = MODES[l.m] ?? String(l.m);
            setText(row.mode, modeName);
            row.mode.className = 'mode mode-' + (MODES[l.m] ?? '');
            const texts = [
                l.gone ? '–' : l.rps.toFixed(0),
                l.p.length ? fmtMs(l.p[0]) : '–',
                l.p.length ? fmtMs(l.p[2]) : '–',
                l.pa.length > 1 ? fmtMs(l.pa[1]) : '–',
                fmtMs(l.wt),
                String(l.th),
                String(l.q),
                l.db ? l.db.join(' / ') : '–',
                l.cpu.toFixed(0) + ' %',
                l.gone ? `gone (${(l.age / 1000).toFixed(0)} s)` : (l.age / 1000).toFixed(1) + ' s ago',
            ];
            texts.forEach((text, i) => setText(row.cells[i], text));
            return row.tr;
        });
        if (rows.length === 0) {
            const tr = document.createElement('tr');
            tr.append(cell('No instance has published yet.', 'muted'));
            rows.push(tr);
        }
        // Only when the set or order of instances changed is the body re-laid.
        const current = body.rows;
        if (current.length !== rows.length || rows.some((tr, i) => current[i] !== tr)) body.replaceChildren(...rows);
        renderPicker(frame);
    }

    // The waterfall is per instance: the picker opens the chosen instance's own dashboard.
    function renderPicker(frame) {
        const picker = $('farm-waterfall');
        const others = frame.i.filter(l => !l.gone && l.url && l.name !== panel.dataset.instance);
        const key = others.map(l => l.name + l.url).join('|');
        if (picker.dataset.key === key) return;
        picker.dataset.key = key;
        picker.replaceChildren(picker.options[0], ...others.map(l => new Option(l.name, l.url + '/dashboard')));
    }

    $('farm-waterfall').addEventListener('change', e => { if (e.target.value) window.location.href = e.target.value; });

    $('farm-lines').addEventListener('change', e => {
        farm.perInstance = e.target.checked;
        for (const sets of instanceSets.values()) sets.rps.hidden = !farm.perInstance;
        rpsChart.update('none');
    });

    connectHub(panel.dataset.hub, { stream: 'Frames', onItem: onFrame, onStatus: () => { } });
}
