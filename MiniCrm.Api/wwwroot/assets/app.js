// The few things a server-rendered page needs the browser for: its time zone, the sign-in and sign-out
// calls (JSON endpoints of the Api), and a CSV upload that streams the file with progress.
window.minicrm = {
  // The page answers clicks from here on (its circuit is connected): tests and scripts wait for this.
  ready: () => { document.documentElement.dataset.interactive = 'true'; },

  timeZone: () => Intl.DateTimeFormat().resolvedOptions().timeZone || null,

  signOut: async () => {
    await fetch('/auth/signout', { method: 'POST', credentials: 'same-origin' });
    location.assign('/signin');
  },

  // Sends the chosen file as the body of POST url (text/csv), reporting progress to the component.
  upload: (input, url, component) => new Promise((resolve) => {
    const file = input.files && input.files[0];
    if (!file) { resolve({ status: 0, body: null }); return; }
    const request = new XMLHttpRequest();
    request.open('POST', url);
    request.setRequestHeader('Content-Type', 'text/csv');
    request.setRequestHeader('X-File-Name', file.name.replace(/[^\x20-\x7e]/g, '_'));
    request.upload.onprogress = (e) => { if (e.lengthComputable) component.invokeMethodAsync('Uploaded', e.loaded, e.total); };
    request.onload = () => resolve({ status: request.status, body: request.responseText });
    request.onerror = () => resolve({ status: 0, body: null });
    request.send(file);
  }),
};

// The development sign-in form (a plain page: there is no session yet for an interactive one).
document.addEventListener('submit', async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || form.id !== 'development-signin') return;
  event.preventDefault();
  const error = form.querySelector('[data-error]');
  error.textContent = '';
  const body = { email: form.email.value, name: form.elements['name'].value || null, role: form.elements['role'].value };
  const response = await fetch('/auth/development/signin', {
    method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
  });
  if (response.ok) { location.assign(form.dataset.returnUrl || '/'); return; }
  let message = 'Sign-in did not work (' + response.status + ').';
  try {
    const problem = await response.json();
    message = problem.errors ? Object.values(problem.errors).flat().join(' ') : (problem.detail || problem.title || message);
  } catch { /* not JSON: keep the status */ }
  error.textContent = message;
  form.email.focus();
});

// Puts a placeholder where the caret is in a textarea and answers the new text.
window.minicrm.insertAtCaret = (id, text) => {
  const area = document.getElementById(id);
  const start = area.selectionStart ?? area.value.length, end = area.selectionEnd ?? area.value.length;
  area.value = area.value.slice(0, start) + text + area.value.slice(end);
  area.selectionStart = area.selectionEnd = start + text.length;
  area.focus();
  return area.value;
};

// A dialog's first control gets the focus, and Tab stays inside the dialog while it is open.
window.minicrm.focusFirst = (box) => {
  const controls = () => [...box.querySelectorAll('button:not([disabled]), a[href], input, select, textarea')];
  controls()[0]?.focus();
  box.addEventListener('keydown', (e) => {
    if (e.key !== 'Tab') return;
    const all = controls(); if (all.length === 0) return;
    const first = all[0], last = all[all.length - 1];
    if (e.shiftKey && document.activeElement === first) { last.focus(); e.preventDefault(); }
    else if (!e.shiftKey && document.activeElement === last) { first.focus(); e.preventDefault(); }
  });
};

// Moves the focus to a field the page says needs attention (and into view).
window.minicrm.focusId = (id) => { const element = document.getElementById(id); element?.focus(); element?.scrollIntoView({ block: 'center' }); };
