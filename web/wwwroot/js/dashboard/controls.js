// For signed-in admins, the quick settings (the toolbar is the library's).
import { $ } from '../../_content/LiveDash.AspNetCore/js/format.js';

/** A cookie-authenticated admin API call: a JSON body and the antiforgery header the server asks of every change. */
function adminFetch(method, url, body) {
    return fetch(url, {
        method, credentials: 'same-origin',
        headers: {
            'Accept': 'application/json', 'X-CSRF-TOKEN': document.querySelector('meta[name="csrf-token"]')?.content ?? '',
            ...(body ? { 'Content-Type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
    });
}

/** An admin API call's JSON answer; a refusal throws with the server's message. */
export async function adminJson(method, url, body) {
    const res = await adminFetch(method, url, body);
    const json = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(json.error ?? `HTTP ${res.status}`);
    return json;
}

/** An admin API call whose answer is shown in #admin-msg. */
async function adminSend(method, url, body) {
    const msg = $('admin-msg');
    msg.textContent = '…';
    try {
        await adminJson(method, url, body);
        msg.textContent = 'applied';
        msg.classList.remove('bad');
        return true;
    } catch (e) {
        msg.textContent = e.message;
        msg.classList.add('bad');
        return false;
    }
}

export function wireAdminControls() {
    document.querySelectorAll('.set-mode').forEach(b => b.addEventListener('click', () => adminSend('PUT', '/admin/api/settings', { mode: b.dataset.mode })));
    $('apply-settings').addEventListener('click', () => adminSend('PUT', '/admin/api/settings', {
        dbLatencyMs: Number($('set-lat').value), minThreads: Number($('set-min').value), workers: Number($('set-workers').value),
    }));
    $('reset').addEventListener('click', () => adminSend('POST', '/admin/api/reset'));
}
