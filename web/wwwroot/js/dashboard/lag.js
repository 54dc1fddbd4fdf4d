// How live this view is. Every frame carries the server's send time (s) beside its tick's time (t). The smallest
// "received minus sent" seen since connecting is this browser's clock offset from the server's (plus the quickest
// delivery); a frame's "received minus made, minus that offset" is how far behind the server the view is. A browser
// timer, which no server load can hold up, also counts the silence since the last frame. Either one, when large, is
// said on the page: a starving server delays its own dashboard, and the page must not hide that.
const ShowBehindMs = 300, ShowSilentMs = 600;

export function wireLag(root, el) {
    let offset = Infinity, behind = 0, lastAt = 0;

    function show() {
        if (!lastAt) return;
        const silent = Date.now() - lastAt;
        root.dataset.behindMs = String(behind);
        root.dataset.silentMs = String(silent);
        let text = '';
        if (silent >= ShowSilentMs) text = `no frame for ${(silent / 1000).toFixed(1)} s: the server is too busy to send them; this view is frozen`;
        else if (behind >= ShowBehindMs) text = `this view is ${behind} ms behind the server (its frames wait for a thread there)`;
        el.hidden = text === '';
        el.textContent = text;
    }
    setInterval(show, 250);

    return function onFrame(frame) {
        const now = Date.now();
        lastAt = now;
        if (typeof frame.s === 'number' && frame.s > 0) offset = Math.min(offset, now - frame.s);
        if (Number.isFinite(offset)) behind = Math.max(0, Math.round(now - frame.k.t - offset));
        show();
    };
}
