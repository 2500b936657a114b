import { createHub, formatEventId } from '@tidings/core';

/** A hub sized for the bench (defaults otherwise) plus the hooks the bench server drives. */
export function benchHub() {
  const hub = createHub({ retention: { maxTopics: 100_000 } });
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
