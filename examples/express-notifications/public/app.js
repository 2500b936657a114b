// Subscribes with the browser's native EventSource; resume after a drop is automatic
// (the browser re-sends Last-Event-ID and the server replays what was missed).
const list = document.getElementById('notifications');
const state = document.getElementById('state');
document.getElementById('origin').textContent = location.origin;
document.getElementById('transport').textContent = 'sse (EventSource)';

const source = new EventSource('/realtime?topic=notifications');
source.addEventListener('open', () => {
  state.textContent = 'open';
});
source.addEventListener('error', () => {
  state.textContent = source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting';
});
source.addEventListener('notification', (message) => {
  const { text, at } = JSON.parse(message.data);
  const item = document.createElement('li');
  item.textContent = text;
  const time = document.createElement('time');
  time.dateTime = at;
  time.textContent = new Date(at).toLocaleTimeString();
  item.append(time);
  list.prepend(item);
});
source.addEventListener('reset', () => {
  list.replaceChildren(); // a real app would refetch its state here
});

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
