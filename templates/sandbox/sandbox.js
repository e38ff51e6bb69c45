// The sandbox page: a small chat client over /sandbox/api. Everything shown is built from text
// with escaping first; nothing from a message is ever inserted as markup.
'use strict';

const $ = (id) => document.getElementById(id);
const { esc, mrkdwn, textHtml } = SlackText;
const state = { user: localStorage.getItem('sandbox.user') || 'U0ALICE01', channel: null, view: 'chat', version: '', data: null, modalKey: '', queue: Promise.resolve() };
/** Stands for "the Home tab" where a button's message would be: its buttons are view actions, not message ones. */
const HOME = Object.freeze({ home: true });

const userName = (id) => state.data?.users.find((u) => u.id === id)?.name ?? id;
const channelName = (id) => state.data?.channels.find((c) => c.id === id)?.name ?? id;
SlackText.names.user = userName;
SlackText.names.channel = channelName;

// ---- DOM helpers --------------------------------------------------------------------------------

function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'html') node.innerHTML = v; // only ever output of mrkdwn()/textHtml(), escaped above
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) node.addEventListener(ev, fn);
    else if (k === 'class') node.className = v;
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of [].concat(children)) if (c) node.append(c);
  return node;
}

async function api(path, body) {
  const res = await fetch(`/sandbox/api/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(json.message || `HTTP ${res.status}`);
  return json;
}

function notice(text) {
  const n = $('notice');
  n.textContent = text || '';
  n.hidden = !text;
}

// ---- Blocks -------------------------------------------------------------------------------------

function button(b, message) {
  const cls = `btn${b.style ? ` ${b.style}` : ''}`;
  return el('button', { type: 'button', class: cls, 'data-action': b.action_id, on: { click: () => press(b, message) } }, b.text?.text ?? 'Button');
}

const BLOCKS = {
  section: (b, m) => el('div', { class: 'b-section' }, [
    b.text ? el('div', { html: textHtml(b.text) }) : null,
    b.fields ? el('div', { class: 'b-fields' }, b.fields.map((f) => el('div', { html: textHtml(f) }))) : null,
    b.accessory?.type === 'button' ? button(b.accessory, m) : null,
  ]),
  context: (b) => el('div', { class: 'b-context' }, (b.elements || []).filter((e) => e.type !== 'image').map((e) => el('span', { html: textHtml(e) }))),
  actions: (b, m) => el('div', { class: 'b-actions' }, (b.elements || []).filter((e) => e.type === 'button').map((e) => button({ ...e, block_id: b.block_id }, m))),
  header: (b) => el('div', { class: 'b-header', html: textHtml(b.text) }),
  divider: () => el('hr'),
};

function renderBlocks(blocks, message) {
  return blocks.map((b) => (BLOCKS[b.type] ? BLOCKS[b.type](b, message) : el('div', { class: 'muted' }, `[${b.type} block]`)));
}

function renderMessage(m) {
  const who = userName(m.user);
  const body = m.blocks && m.blocks.length ? renderBlocks(m.blocks, m) : [el('div', { html: mrkdwn(m.text) })];
  const meta = el('div', { class: 'meta' }, [
    el('b', {}, who),
    m.ephemeral ? el('span', { class: 'tag' }, 'Only visible to you') : null,
    m.pinned ? el('span', { class: 'tag pin', title: 'Pinned' }, '📌 Pinned') : null,
    el('span', { class: 'muted' }, new Date(Number(m.ts.split('.')[0]) * 1000).toLocaleTimeString()),
    m.edited ? el('span', { class: 'muted' }, '(edited)') : null,
  ]);
  const replies = m.replies?.length ? el('ol', { class: 'thread' }, m.replies.map(renderMessage)) : null;
  return el('li', { class: `msg${m.ephemeral ? ' ephemeral' : ''}${m.pinned ? ' pinned' : ''}`, 'data-ts': m.ts }, [meta, ...body, replies]);
}

// ---- Buttons, confirm dialogs, modals -----------------------------------------------------------

function confirmFirst(c) {
  return new Promise((resolve) => {
    $('confirm-title').textContent = c.title?.text ?? 'Are you sure?';
    $('confirm-text').textContent = c.text?.text ?? '';
    $('confirm-ok').textContent = c.confirm?.text ?? 'Yes';
    $('confirm-deny').textContent = c.deny?.text ?? 'Cancel';
    $('confirm').hidden = false;
    const done = (yes) => {
      $('confirm').hidden = true;
      $('confirm-ok').onclick = $('confirm-deny').onclick = null;
      resolve(yes);
    };
    $('confirm-ok').onclick = () => done(true);
    $('confirm-deny').onclick = () => done(false);
  });
}

async function press(b, message) {
  if (b.confirm && !(await confirmFirst(b.confirm))) return;
  if (message === HOME) return act(() => api('home-click', { user: state.user, action_id: b.action_id, value: b.value ?? '' }));
  await act(() => api('click', { user: state.user, channel: state.channel, ts: message.ts, action_id: b.action_id, value: b.value ?? '', block_id: b.block_id }));
}

function inputElement(block, users) {
  const e = block.element;
  const name = block.block_id;
  const opt = (o, selected) => el('option', { value: o.value, selected }, o.text?.text ?? o.value);
  switch (e.type) {
    case 'plain_text_input':
      return e.multiline
        ? el('textarea', { name, rows: 4, maxlength: e.max_length, placeholder: e.placeholder?.text, required: !block.optional }, e.initial_value ?? '')
        : el('input', { name, maxlength: e.max_length, placeholder: e.placeholder?.text, value: e.initial_value ?? '', required: !block.optional });
    case 'static_select':
      return el('select', { name }, [el('option', { value: '' }, 'Choose…'), ...(e.options || []).map((o) => opt(o, o.value === e.initial_option?.value))]);
    case 'multi_static_select':
      return el('select', { name, multiple: true, size: Math.min(6, (e.options || []).length) }, (e.options || []).map((o) => opt(o, (e.initial_options || []).some((i) => i.value === o.value))));
    case 'users_select':
      return el('select', { name }, [el('option', { value: '' }, 'Nobody picked'), ...users.map((u) => el('option', { value: u.id, selected: u.id === e.initial_user }, u.name))]);
    case 'checkboxes':
    case 'radio_buttons':
      return el('div', { class: 'choices' }, (e.options || []).map((o) =>
        el('label', {}, [el('input', { type: e.type === 'checkboxes' ? 'checkbox' : 'radio', name, value: o.value }), ' ', o.text?.text ?? o.value])));
    default:
      return el('div', { class: 'muted' }, `[${e.type} input]`);
  }
}

function renderModal(modal) {
  const key = modal ? `${modal.id}:${JSON.stringify(modal.view)}` : '';
  if (key === state.modalKey) return;
  state.modalKey = key;
  $('modal').hidden = !modal;
  if (!modal) return;
  const v = modal.view;
  $('modal-title').textContent = v.title?.text ?? 'Form';
  $('modal-submit').textContent = v.submit?.text ?? 'Submit';
  $('modal-submit').hidden = !v.submit;
  $('modal-close').textContent = v.close?.text ?? 'Cancel';
  $('modal-error').hidden = true;
  const users = state.data.users.filter((u) => !u.bot);
  $('modal-body').replaceChildren(...(v.blocks || []).map((b) =>
    b.type === 'input'
      ? el('div', { class: 'field', 'data-block': b.block_id }, [
          el('label', {}, [b.label?.text ?? b.block_id, b.optional ? el('span', { class: 'muted' }, ' (optional)') : null]),
          inputElement(b, users),
          b.hint ? el('div', { class: 'muted' }, b.hint.text) : null,
          el('div', { class: 'field-error', hidden: true }),
        ])
      : (BLOCKS[b.type] ?? (() => null))(b, null)));
  $('modal-body').querySelector('input, textarea, select')?.focus();
}

function formFields() {
  const fields = {};
  for (const field of $('modal-body').querySelectorAll('.field')) {
    const name = field.dataset.block;
    const input = field.querySelector('input, textarea, select');
    if (!input) continue;
    if (input.tagName === 'SELECT' && input.multiple) fields[name] = [...input.selectedOptions].map((o) => o.value);
    else if (input.type === 'checkbox' || input.type === 'radio') fields[name] = [...field.querySelectorAll('input:checked')].map((i) => i.value);
    else fields[name] = input.value;
  }
  return fields;
}

function showErrors(errors) {
  for (const field of $('modal-body').querySelectorAll('.field')) {
    const box = field.querySelector('.field-error');
    box.textContent = errors[field.dataset.block] ?? '';
    box.hidden = !errors[field.dataset.block];
  }
  const general = errors._ ?? Object.entries(errors).filter(([k]) => !$('modal-body').querySelector(`[data-block="${CSS.escape(k)}"]`)).map(([, v]) => v).join(' ');
  $('modal-error').textContent = general;
  $('modal-error').hidden = !general;
}

// ---- Rendering the whole page -------------------------------------------------------------------

function render(d) {
  const switched = state.shown !== d.channel?.id;
  state.shown = d.channel?.id;
  state.data = d;
  state.channel = d.channel?.id ?? null;
  $('user').replaceChildren(...d.users.filter((u) => !u.bot).map((u) => el('option', { value: u.id, selected: u.id === state.user }, `@${u.name}`)));
  const home = state.view === 'home';
  $('home').hidden = !home;
  $('chat').hidden = home;
  $('home-link').className = home ? 'active' : '';
  // Slack draws the Home tab from the view the bot published; until it has, there is nothing to show.
  $('home-body').replaceChildren(...(d.home ? renderBlocks(d.home.blocks || [], HOME) : [el('p', { class: 'muted' }, 'Opening the Home tab…')]));
  $('channels').replaceChildren(...d.channels.map((c) =>
    el('li', {}, el('a', { href: `#${c.id}`, class: `${c.id === state.channel && !home ? 'active' : ''}${c.archived ? ' archived' : ''}`, 'data-channel': c.name, on: { click: (e) => { e.preventDefault(); select(c.id); } } }, `${c.private ? '\u{1F512}' : '#'} ${c.name}${c.archived ? ' (archived)' : ''}`))));
  $('chan-name').textContent = d.channel ? `#${d.channel.name}` : '';
  $('chan-topic').innerHTML = d.channel ? mrkdwn(d.channel.topic || '') : '';
  $('chan-members').textContent = d.channel ? `${d.channel.members.length} members: ${d.channel.members.join(', ')}` : '';
  const list = $('messages');
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.replaceChildren(...d.messages.map(renderMessage));
  // After your own action, show its outcome, as a chat client does after you send.
  if (atBottom || switched || state.follow) list.scrollTop = list.scrollHeight;
  state.follow = false;
  $('postmortems').replaceChildren(...(d.postmortems.length
    ? d.postmortems.map((p) => el('li', {}, el('a', { href: p.url, target: '_blank', rel: 'noopener', class: 'postmortem-link' }, `#${p.number} ${p.title}`)))
    : [el('li', { class: 'muted' }, 'None yet: resolve an incident.')]));
  $('issues').replaceChildren(...d.issues.map((i) => el('li', {}, el('a', { href: i.url, target: '_blank', rel: 'noopener' }, `#${i.number} ${i.title}`))));
  $('issues-head').hidden = d.issues.length === 0;
  $('composer').querySelector('input').disabled = Boolean(d.channel?.archived);
  renderModal(d.modal);
}

async function refresh(full = false) {
  const q = new URLSearchParams({ user: state.user, since: full ? '' : state.version });
  if (state.channel) q.set('channel', state.channel);
  const res = await fetch(`/sandbox/api/state?${q}`);
  if (res.status === 204) return;
  if (!res.ok) throw new Error(`state: HTTP ${res.status}`);
  const d = await res.json();
  state.version = d.version;
  render(d);
}

function select(channel) {
  state.view = 'chat';
  state.channel = channel;
  location.hash = channel;
  void refresh(true);
}

/** Opens the app's Home tab as the person chosen: Slack tells the bot, which publishes it. */
function openHome() {
  state.view = 'home';
  location.hash = 'home';
  return act(() => api('home', { user: state.user }));
}

/**
 * Runs one action after those already on their way, shows its refusal if any, and refreshes at once
 * rather than at the next poll. Actions queue rather than being dropped while one is in flight: the
 * composer has already cleared what was typed, so a dropped send would be a message lost.
 */
function act(run) {
  const done = state.queue.then(() => attempt(run));
  state.queue = done;
  return done;
}

async function attempt(run) {
  notice('');
  try {
    const result = await run();
    if (result && result.errors) showErrors(result.errors);
    if (result && 'modal' in result && !result.errors) state.modalKey = '__changed__';
    state.follow = true;
    await refresh(true);
    return result;
  } catch (error) {
    notice(error.message);
  }
}

function wire() {
  $('user').addEventListener('change', (e) => {
    state.user = e.target.value;
    localStorage.setItem('sandbox.user', state.user);
    state.modalKey = '__changed__';
    // Someone else now: their Home tab is theirs, opened anew.
    if (state.view === 'home') void openHome();
    else void refresh(true);
  });
  $('home-link').addEventListener('click', (e) => {
    e.preventDefault();
    void openHome();
  });
  $('page').addEventListener('click', () => act(() => api('page', {})));
  $('page-disk').addEventListener('click', () => act(() => api('page', { alert: 'disk' })));
  $('composer').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $('text');
    const text = input.value.trim();
    if (!text || !state.channel) return;
    const m = /^\/incident(?:\s+([\s\S]*))?$/.exec(text);
    // Slack's own /invite and /leave: who is in a channel decides who sees a private incident.
    const invite = /^\/invite\s+@?([\w.-]{1,80})\s*$/.exec(text);
    if (invite) {
      const who = state.data?.users.find((u) => !u.bot && u.name === invite[1]);
      if (!who) return notice(`No one called @${invite[1]} here.`);
      input.value = '';
      return void act(() => api('invite', { user: state.user, channel: state.channel, invitee: who.id }));
    }
    if (text === '/leave') {
      input.value = '';
      return void act(() => api('leave', { user: state.user, channel: state.channel }));
    }
    if (text.startsWith('/') && !m) return notice('Only /incident, /invite @someone and /leave work in this workspace.');
    input.value = '';
    void act(() => (m ? api('command', { user: state.user, channel: state.channel, text: m[1] ?? '' }) : api('say', { user: state.user, channel: state.channel, text })));
  });
  $('modal-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void act(() => api('submit', { user: state.user, fields: formFields() }));
  });
  $('modal-close').addEventListener('click', () => act(() => api('close', { user: state.user })));
  if (location.hash === '#home') void openHome();
  else if (location.hash.length > 1) state.channel = location.hash.slice(1);
}

async function poll() {
  try {
    await refresh();
  } catch (error) {
    notice(`Lost touch with the bot (${error.message}); retrying…`);
  }
  setTimeout(poll, 700);
}

wire();
void poll();
