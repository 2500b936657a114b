// Subscribes with @tidings/client: SSE first, falling back to long-poll and adaptive polling
// behind proxies that buffer, resuming without loss or duplicates; tabs share one connection.
// Try ?transport=poll (or long-poll, eventsource) in the page URL to force a transport.
import { subscribe } from '/vendor/tidings-client.js';

const list = document.getElementById('notifications');
const state = document.getElementById('state');
const transport = document.getElementById('transport');
document.getElementById('origin').textContent = location.origin;

const showState = (current, via) => {
  state.textContent = current;
  transport.textContent = via;
};

const subscription = subscribe('/realtime', {
  topics: ['notifications'],
  transport: new URLSearchParams(location.search).get('transport') ?? 'auto',
  onStateChange: showState,
  onEvent({ event, data }) {
    if (event !== 'notification') return;
    const item = document.createElement('li');
    item.textContent = data.text;
    const time = document.createElement('time');
    time.dateTime = data.at;
    time.textContent = new Date(data.at).toLocaleTimeString();
    item.append(time);
    list.prepend(item);
  },
  onReset() {
    list.replaceChildren(); // a real app would refetch its state here
  },
});
showState(subscription.state, subscription.transport);

document.getElementById('publish').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = document.getElementById('text');
  await fetch('/api/notify', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: input.value }),
  });
  input.value = '';
});
