import { randomBytes } from 'node:crypto';

/**
 * Publish ids for brokers that resend a publish whose reply was lost: unique per publish
 * across every node of a hub (a random part per generator and a counter), cheap to make. The
 * broker stores the id with the event so that a resend is answered, not appended twice
 * (Redis: a short-lived key checked by the publish script; NATS: `Nats-Msg-Id`).
 */
export class PublishIds {
  private readonly node = randomBytes(9).toString('base64url');
  private counter = 0;

  next(): string {
    return `${this.node}.${(this.counter++).toString(36)}`;
  }
}
