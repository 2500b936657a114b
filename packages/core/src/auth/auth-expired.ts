/**
 * What a stream says before the server closes it because its token expired: an
 * `auth-expired` event without an id (the client's Last-Event-ID stays on the last real
 * event), so the client fetches a fresh token and resumes from there with no loss.
 */
export const AUTH_EXPIRED_FRAME = 'event: auth-expired\ndata: {"reason":"expired"}\n\n';
