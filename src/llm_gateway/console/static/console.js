// Shared console behaviour: the API helper (cookie session + CSRF header), language picker, copy.
// No inline scripts anywhere: the Content-Security-Policy allows only files from /ui/static.

const csrfToken = () => document.querySelector('meta[name="csrf-token"]').content;

let refreshing = null;

// One refresh at a time: parallel requests that all saw 401 share it (spending the refresh token
// twice would look like a stolen token and end the session).
function refreshSession() {
  if (!refreshing) {
    refreshing = fetch('/ui/auth/refresh', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'X-CSRF-Token': csrfToken() },
    }).finally(() => { setTimeout(() => { refreshing = null; }, 0); });
  }
  return refreshing;
}

// fetch() against /ui/api/<path>, refreshing the session once on 401.
export async function api(path, options = {}) {
  const send = () => fetch('/ui/api' + path, {
    ...options,
    credentials: 'same-origin',
    headers: { 'X-CSRF-Token': csrfToken(), ...(options.headers || {}) },
  });
  let response = await send();
  if (response.status === 401) {
    const renewed = await refreshSession();
    if (!renewed.ok) {
      window.location.assign('/ui/login');
      return response;
    }
    response = await send();
  }
  return response;
}

export function jsonBody(method, body) {
  return { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
}

function wireLanguagePicker() {
  for (const select of document.querySelectorAll('select[data-autosubmit]')) {
    select.addEventListener('change', () => select.form.submit());
  }
}

function wireCopyButtons() {
  for (const button of document.querySelectorAll('button[data-copy]')) {
    button.addEventListener('click', async () => {
      const source = document.querySelector(button.dataset.copy);
      const text = source.textContent.trim();
      try {
        await navigator.clipboard.writeText(text);
      } catch {
        const range = document.createRange();
        range.selectNodeContents(source);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
      }
      button.textContent = button.dataset.copied;
      button.dataset.done = 'true';
    });
  }
}

wireLanguagePicker();
wireCopyButtons();
