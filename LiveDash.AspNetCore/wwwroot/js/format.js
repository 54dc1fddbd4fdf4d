// Small shared helpers: element lookup, number and time formatting, the palette, the server's mode names.

export const $ = id => document.getElementById(id);

/** A new element with an optional class and text. */
export function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
}

/** A table cell. */
export const cell = (text, cls) => el('td', cls, text);

export const fmtMs = v => v == null ? '–' : v >= 1000 ? (v / 1000).toFixed(2) + ' s' : v >= 100 ? v.toFixed(0) + ' ms' : v.toFixed(1) + ' ms';

export const fmtTime = v => new Date(v).toLocaleTimeString([], { hour12: false });

export const COLORS = {
    p50: '#2563eb', p95: '#d97706', p99: '#dc2626',
    ok: '#16a34a', error: '#dc2626', inflight: '#64748b',
    threads: '#2563eb', queue: '#d97706', min: '#64748b',
    queued: '#f59e0b', running: '#2563eb', db: '#14b8a6',
    inapp: '#64748b', wait: '#ea580c', before: '#a8a29e',
    marker: '#7c3aed', hist: '#2563eb',
};

/** The mode names in the server's order (a tick's mode is an index into them), from the page. */
export function readModes(root) {
    const names = root.dataset.modes.split(',');
    // Short labels for crowded axes: long names keep their capitals (SyncOverAsync -> SOA).
    return { names, short: names.map(n => n.length > 6 ? n.replace(/[a-z]/g, '') : n) };
}

/** The server model a tick or setting names: 0 = the .NET thread pool, N = N store workers. */
export const serverModel = workers => !workers ? 'thread pool' : workers === 1 ? '1 worker' : `${workers} workers`;
