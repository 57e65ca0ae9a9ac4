// The chat playground: conversations (list, search, rename, delete) and streaming turns over /chat.
import { api, jsonBody } from './console.js';

const text = JSON.parse(document.getElementById('chat-text').textContent);
const list = document.getElementById('conversation-list');
const search = document.getElementById('conversation-search');
const messages = document.getElementById('messages');
const form = document.getElementById('chat-form');
const input = document.getElementById('chat-input');
const picker = document.getElementById('model-picker');
const useTools = document.getElementById('use-tools');
const sendButton = document.getElementById('chat-send');

let current = null; // the open conversation's id (null: the next message starts one)

function el(tag, attrs = {}, content = '') {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (content) node.textContent = content;
  return node;
}

function addMessage(role, content) {
  const box = el('div', { class: `message ${role}` });
  box.append(el('span', { class: 'who' }, role === 'user' ? text.you : text.assistant));
  const body = el('div', { class: 'body' }, content);
  if (role === 'assistant') body.setAttribute('data-testid', 'assistant-message');
  box.append(body);
  messages.append(box);
  messages.scrollTop = messages.scrollHeight;
  return body;
}

function addEvent(kind, detail, flag = '') {
  const note = el('div', { class: `agent-event ${kind} ${flag}`.trim(), 'data-testid': 'agent-event', 'data-kind': kind });
  note.textContent = `${text[kind] || kind}: ${detail}`;
  messages.append(note);
}

function describe(name, data) {
  if (name === 'meta') {
    const parts = [];
    if (data.intent) parts.push(`${data.intent.label} (${data.intent.complexity})`);
    if (data.model) parts.push(`→ ${data.model}${data.route_reason ? ` · ${data.route_reason}` : ''}`);
    return parts.length ? ['intent', parts.join(' ')] : null;
  }
  if (name === 'tool') {
    return ['tool', data.phase === 'start' ? `${data.name}…` : `${data.name}: ${data.summary || (data.ok ? text.tool_ok : text.tool_failed)}`];
  }
  if (name === 'guardrail') {
    return ['guardrail', `${data.stage} ${data.action} ${data.rules.join(', ')}`.trim(), data.action === 'allow' ? '' : 'acted'];
  }
  return null;
}

// Parse a text/event-stream body as it arrives; calls onEvent(name, data) per event.
async function readEvents(response, onEvent) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let name = 'message';
      let data = '';
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) name = line.slice(7);
        else if (line.startsWith('data: ')) data += line.slice(6);
      }
      if (data) onEvent(name, JSON.parse(data));
    }
  }
}

async function send(message) {
  addMessage('user', message);
  const reply = addMessage('assistant', '');
  messages.setAttribute('aria-busy', 'true');
  sendButton.disabled = true;
  const finish = (code) => {
    if (code) { reply.dataset.error = code; }
    reply.dataset.done = 'true';
    messages.setAttribute('aria-busy', 'false');
    sendButton.disabled = false;
  };
  try {
    const body = { message, model: picker.value, stream: true, use_tools: useTools.checked };
    if (current) body.conversation_id = current;
    const response = await api('/chat', jsonBody('POST', body));
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      reply.textContent = problem.error ? problem.error.message : text.error;
      finish(problem.error ? problem.error.code : 'http_' + response.status);
      return;
    }
    let ended = false;
    await readEvents(response, (name, data) => {
      if (name === 'token') { reply.textContent += data.text; return; }
      if (name === 'meta' && data.conversation_id) current = data.conversation_id;
      if (name === 'done') {
        ended = true;
        const cost = data.cost_usd == null ? '' : ` · $${Number(data.cost_usd).toFixed(6)}`;
        const used = data.usage ? ` · ${data.usage.total_tokens} ${text.tokens}` : '';
        messages.append(el('div', { class: 'turn-meta' }, `${data.model || ''}${used}${cost}`));
        finish();
        return;
      }
      if (name === 'error') {
        ended = true;
        addEvent('error', data.message, 'acted');
        finish(data.code);
        return;
      }
      const event = describe(name, data);
      if (event) addEvent(...event);
    });
    if (!ended) finish('stream_ended');
    loadConversations();
  } catch (error) {
    reply.textContent += ` ${text.error}`;
    finish('network');
  }
}

async function openConversation(id) {
  current = id;
  messages.replaceChildren();
  const response = await api(`/conversations/${id}/messages?limit=100`);
  if (!response.ok) return;
  const page = await response.json();
  for (const message of page.data) {
    if (message.role !== 'user' && message.role !== 'assistant') continue;
    if (!message.content) continue;
    const body = addMessage(message.role, message.content);
    if (message.role === 'assistant') body.dataset.done = 'true';
  }
  for (const item of list.querySelectorAll('li')) {
    item.classList.toggle('current', item.dataset.id === id);
  }
}

function startRename(item, conversation) {
  const field = el('input', { 'data-testid': 'conversation-title-input', 'aria-label': text.rename, maxlength: '200' });
  field.value = conversation.title || '';
  item.replaceChildren(field);
  field.focus();
  field.addEventListener('keydown', async (event) => {
    if (event.key === 'Escape') { loadConversations(); return; }
    if (event.key !== 'Enter') return;
    event.preventDefault();
    await api(`/conversations/${conversation.id}`, jsonBody('PATCH', { title: field.value.trim() }));
    loadConversations();
  });
}

function renderConversation(conversation) {
  const item = el('li', { 'data-testid': 'conversation-item', 'data-id': conversation.id });
  if (conversation.id === current) item.classList.add('current');
  const open = el('button', { type: 'button', class: 'open' }, conversation.title || text.untitled);
  open.addEventListener('click', () => openConversation(conversation.id));
  const rename = el('button', { type: 'button', class: 'icon', 'data-testid': 'conversation-rename', 'aria-label': `${text.rename}: ${conversation.title || text.untitled}` }, '✎');
  rename.addEventListener('click', () => startRename(item, conversation));
  const remove = el('button', { type: 'button', class: 'icon danger', 'data-testid': 'conversation-delete', 'aria-label': `${text.delete}: ${conversation.title || text.untitled}` }, '✕');
  remove.addEventListener('click', async () => {
    await api(`/conversations/${conversation.id}`, { method: 'DELETE' });
    if (current === conversation.id) { current = null; messages.replaceChildren(); }
    loadConversations();
  });
  item.append(open, rename, remove);
  return item;
}

let listing = 0;
async function loadConversations() {
  const ticket = ++listing;
  const q = search.value.trim();
  const response = await api(`/conversations?limit=50${q ? `&q=${encodeURIComponent(q)}` : ''}`);
  if (!response.ok || ticket !== listing) return;
  const page = await response.json();
  list.replaceChildren(...page.data.map(renderConversation));
  if (!page.data.length) list.append(el('li', { class: 'muted' }, text.none));
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const message = input.value.trim();
  if (!message || sendButton.disabled) return;
  input.value = '';
  send(message);
});
input.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    form.requestSubmit();
  }
});
document.getElementById('new-chat').addEventListener('click', () => {
  current = null;
  messages.replaceChildren();
  for (const item of list.querySelectorAll('li')) item.classList.remove('current');
  input.focus();
});
let searchTimer = null;
search.addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(loadConversations, 200);
});
loadConversations();
