import { tidingsPackage } from './tidings-package.mjs';

const { createHub, formatEventId } = await tidingsPackage('core');

/** A hub sized for the bench (defaults otherwise, `options` on top) plus the hooks the bench server drives. */
export function benchHub(options = {}) {
  const hub = createHub({ retention: { maxTopics: 100_000 }, ...options });
  return {
    hub,
    async head() {
      const { epoch, seq } = await hub.broker.head();
      return formatEventId(epoch, seq);
    },
    waiting: () => hub.stats().connections.longPoll,
    publish: (topic, data) => hub.publish(topic, data),
  };
}
