/**
 * The Lua scripts that make Redis a Tidings broker. Each runs atomically, which is what
 * gives the guarantees: one hub-wide sequence assigned together with the append, PUBLISH in
 * sequence order, and history read from a consistent snapshot of streams and trim marks.
 */

/** Shared helpers, prepended to every script. */
const HELPERS = `
-- '{prefix}:hub' → '{prefix}:'. Other key names are derived from the hub key (see keys.ts),
-- so a client-side ioredis keyPrefix, applied to KEYS, applies to them too.
local function baseOf(hubKey)
  return string.sub(hubKey, 1, #hubKey - 3)
end

local function seqOf(id)
  return tonumber(string.match(id, '^(%d+)'))
end

-- Drops the oldest entries of a topic's stream: the first \`excess\` ones (beyond maxEvents; none
-- when \`excess\` <= 0), then those older than \`oldest\` (ms) — always a prefix of the stream — and
-- remembers the highest dropped seq: a resume from before it must reset.
local function trim(trimmedKey, stream, topic, oldest, excess)
  local last = nil
  if excess > 0 then
    local gone = redis.call('XRANGE', stream, '-', '+', 'COUNT', excess)
    last = gone[#gone][1]
  end
  local from = '-'
  if last then from = '(' .. last end
  -- Age: one entry at a time from the oldest kept, so a publish usually reads just one.
  while true do
    local first = redis.call('XRANGE', stream, from, '+', 'COUNT', 1)
    if #first == 0 or tonumber(first[1][2][4]) >= oldest then break end
    last = first[1][1]
    from = '(' .. last
  end
  if last then
    local seq = seqOf(last)
    redis.call('XTRIM', stream, 'MINID', string.format('%d-0', seq + 1))
    redis.call('HSET', trimmedKey, topic, string.format('%d', seq))
  end
end

-- Makes sure the hub has an epoch; returns epoch, head seq, forgotten seq. A new epoch voids
-- whatever an older one left behind (a hub hash deleted or evicted without the rest): its
-- streams and marks would otherwise pass for history of the new epoch. Key names: keys.ts.
local function hubState(hubKey, newEpoch)
  if redis.call('HSETNX', hubKey, 'epoch', newEpoch) == 1 then
    local base = baseOf(hubKey)
    for _, topic in ipairs(redis.call('ZRANGE', base .. 'topics', 0, -1)) do
      redis.call('DEL', base .. 's:' .. topic)
    end
    redis.call('DEL', base .. 'topics', base .. 'trimmed', base .. 'tombstones')
  end
  local state = redis.call('HMGET', hubKey, 'epoch', 'seq', 'forgotten')
  return state[1], tonumber(state[2] or '0'), tonumber(state[3] or '0')
end
`;

/**
 * Appends a batch of events, in order, with consecutive hub-wide seqs.
 *
 * KEYS: hub, trimmed, topics, tombstones, publish id, then the stream of each topic below.
 * ARGV: newEpoch, now (the last event's time), maxEvents, maxAgeMs, maxTopics, maxTombstones, publish id TTL (ms),
 * channel prefix, topic count T, the T distinct topics, then 4 per event: topic number (1…T),
 * event ('' = none), data, time. Returns { epoch, seq of the first event }.
 *
 * Idempotent per publish id: the first run records `<epoch>\n<first seq>` under the id's key,
 * and a repeat (a retry after a lost reply) returns that instead of appending again. An id
 * that SETTLE abandoned runs nothing.
 *
 * A topic whose stream key holds another type refuses the whole batch with a WRONGTYPE error
 * before anything is written (the caller then sends the batch's events one by one).
 *
 * Per event it costs one XADD and one PUBLISH; the topic bookkeeping (length and age trimming,
 * the last-publish sorted set, tombstones) runs once per distinct topic of the batch.
 */
export const PUBLISH = `${HELPERS}
local hubKey, trimmedKey, topicsKey, tombstonesKey, idKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local done = redis.call('GET', idKey)
if done == 'x' then return redis.error_reply('ABANDONED publish id') end
if done then return { string.match(done, '^(.*)\\n(%d+)$') } end
local now, maxEvents, maxAge, maxTopics = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local topicCount = tonumber(ARGV[9])
-- A stream key of another type (a collision under the prefix) would fail the script halfway,
-- after earlier events of the batch were appended: refuse the batch before writing anything.
for n = 1, topicCount do
  local kind = redis.call('TYPE', KEYS[5 + n]).ok
  if kind ~= 'stream' and kind ~= 'none' then
    return redis.error_reply('WRONGTYPE the stream key of topic "' .. ARGV[9 + n] .. '" holds a ' .. kind)
  end
end
local firstEvent = 10 + topicCount
local count = (#ARGV - firstEvent + 1) / 4
local epoch, _, forgotten = hubState(hubKey, ARGV[1])
local firstSeq = redis.call('HINCRBY', hubKey, 'seq', count) - count + 1
-- A new stream of a topic without a trim mark: whatever it had before the hub-wide watermark
-- may be gone (its tombstone was evicted), so that watermark becomes its mark.
local function markNew(topic)
  if forgotten > 0 and not redis.call('HGET', trimmedKey, topic) then
    redis.call('HSET', trimmedKey, topic, string.format('%d', forgotten))
  end
end
local function append(call, stream, id, data, time, event)
  if event == '' then return call('XADD', stream, id, 'd', data, 't', time) end
  return call('XADD', stream, id, 'd', data, 't', time, 'e', event)
end
-- Per topic number: its stream's length (read before its first event of the batch), its
-- channel, and the position of its last event in the batch.
local lengths, channels, lastAt = {}, {}, {}
local seq = firstSeq
for i = firstEvent, #ARGV, 4 do
  local n = tonumber(ARGV[i])
  local topic, stream, event, data, time = ARGV[9 + n], KEYS[5 + n], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  if not lengths[n] then
    lengths[n] = redis.call('XLEN', stream)
    if lengths[n] == 0 then markNew(topic) end
    channels[n] = ARGV[8] .. topic
  end
  local seqText = string.format('%d', seq)
  local id = seqText .. '-0'
  local added = append(redis.pcall, stream, id, data, time, event)
  if type(added) == 'table' and added.err then
    if not string.find(added.err, 'equal or smaller', 1, true) then return redis.error_reply(added.err) end
    -- An untracked leftover of an older epoch, with higher ids: void it and append again.
    redis.call('DEL', stream)
    redis.call('HDEL', trimmedKey, topic)
    markNew(topic)
    append(redis.call, stream, id, data, time, event)
    lengths[n] = 0
  end
  lengths[n] = lengths[n] + 1
  lastAt[n] = i
  -- Inside the script, in seq order, so every node receives the events in sequence order.
  redis.call('PUBLISH', channels[n], epoch .. '\\n' .. seqText .. '\\n' .. time .. '\\n' .. event .. '\\n' .. data)
  seq = seq + 1
end
local oldest = now - maxAge
local published = { 'ZADD', topicsKey }
local revived = { 'ZREM', tombstonesKey }
local inBatch = {}
for n = 1, topicCount do
  local topic = ARGV[9 + n]
  trim(trimmedKey, KEYS[5 + n], topic, oldest, lengths[n] - maxEvents)
  published[#published + 1] = now
  published[#published + 1] = topic
  revived[#revived + 1] = topic
  inBatch[topic] = true
end
redis.call(unpack(published))
-- A topic published again is no tombstone any more (its trim mark stays: older seqs are gone).
redis.call(unpack(revived))
-- Forget at most two idle (all events aged out) or surplus topics per event: amortized upkeep.
-- A forgotten topic keeps a tombstone: its trim mark set to its newest seq, so a resume on it
-- stays exact; only the oldest tombstones beyond maxTombstones fold into the hub-wide watermark.
local budget = 2 * count
local live = redis.call('ZCARD', topicsKey)
local function forget(victim)
  local victimStream = baseOf(hubKey) .. 's:' .. victim
  local lastSeq = tonumber(redis.call('HGET', trimmedKey, victim) or '0')
  local newest = redis.call('XREVRANGE', victimStream, '+', '-', 'COUNT', 1)
  if #newest > 0 then lastSeq = seqOf(newest[1][1]) end
  redis.call('DEL', victimStream)
  redis.call('ZREM', topicsKey, victim)
  redis.call('HSET', trimmedKey, victim, string.format('%d', lastSeq))
  redis.call('ZADD', tombstonesKey, now, victim)
  live = live - 1
  budget = budget - 1
end
-- Other topics first, least recently published first (this batch's topics are the newest).
local candidates
if live > maxTopics then
  candidates = redis.call('ZRANGE', topicsKey, 0, budget - 1, 'WITHSCORES')
else
  candidates = redis.call('ZRANGEBYSCORE', topicsKey, '-inf', '(' .. oldest, 'WITHSCORES', 'LIMIT', 0, budget)
end
for i = 1, #candidates, 2 do
  local victim = candidates[i]
  if budget > 0 and not inBatch[victim] and (tonumber(candidates[i + 1]) < oldest or live > maxTopics) then
    forget(victim)
  end
end
-- Still too many: this batch's topics, as if published one at a time — the one whose last
-- event came first goes first, and never the topic of the batch's last event.
if live > maxTopics and budget > 0 then
  local order = {}
  for n = 1, topicCount do
    if lastAt[n] < #ARGV - 3 then order[#order + 1] = n end
  end
  table.sort(order, function(a, b) return lastAt[a] < lastAt[b] end)
  for _, n in ipairs(order) do
    if live <= maxTopics or budget <= 0 then break end
    forget(ARGV[9 + n])
  end
end
local surplus = redis.call('ZCARD', tombstonesKey) - tonumber(ARGV[6])
if surplus > 0 then
  local popped = redis.call('ZPOPMIN', tombstonesKey, math.min(surplus, 2 * count))
  for i = 1, #popped, 2 do
    local lastSeq = tonumber(redis.call('HGET', trimmedKey, popped[i]) or '0')
    if lastSeq > forgotten then forgotten = lastSeq end
    redis.call('HDEL', trimmedKey, popped[i])
  end
  redis.call('HSET', hubKey, 'forgotten', string.format('%d', forgotten))
end
local first = string.format('%d', firstSeq)
redis.call('SET', idKey, epoch .. '\\n' .. first, 'PX', ARGV[7])
return { epoch, first }
`;

/**
 * KEYS: publish id. ARGV: TTL (ms). After a publish whose reply was lost: returns its
 * { epoch, seq } if it ran; otherwise marks the id abandoned, so that no copy of the command
 * still on its way can run later, and returns {}.
 */
export const SETTLE = `
local done = redis.call('GET', KEYS[1])
if done and done ~= 'x' then return { string.match(done, '^(.*)\\n(%d+)$') } end
redis.call('SET', KEYS[1], 'x', 'PX', ARGV[1])
return {}
`;

/**
 * KEYS: hub, trimmed.
 * ARGV: newEpoch, after epoch, after seq, count per topic, now, maxAgeMs, topics….
 * Returns { epoch, head, verdict ('' | 'expired' | 'unknown'), entries of each topic… }.
 */
export const HISTORY = `${HELPERS}
local hubKey, trimmedKey = KEYS[1], KEYS[2]
local epoch, head, forgotten = hubState(hubKey, ARGV[1])
local after = tonumber(ARGV[3])
if ARGV[2] ~= epoch or after > head then return { epoch, head, 'unknown' } end
local oldest = tonumber(ARGV[5]) - tonumber(ARGV[6])
local result = { epoch, head, '' }
local base = baseOf(hubKey)
for i = 7, #ARGV do
  local topic = ARGV[i]
  local stream = base .. 's:' .. topic
  -- A topic's trim mark (also kept by its tombstone). Without one, a topic with a stream never
  -- lost an event (see PUBLISH); a topic with neither may have: the hub-wide watermark applies.
  local trimmedSeq = forgotten
  if redis.call('EXISTS', stream) == 1 then
    trim(trimmedKey, stream, topic, oldest, 0)
    trimmedSeq = 0
  end
  local mark = redis.call('HGET', trimmedKey, topic)
  if mark then trimmedSeq = tonumber(mark) end
  if after < trimmedSeq then return { epoch, head, 'expired' } end
  result[#result + 1] = redis.call('XRANGE', stream, '(' .. ARGV[3] .. '-0', '+', 'COUNT', ARGV[4])
end
return result
`;

/** KEYS: hub. ARGV: newEpoch. Returns { epoch, head }. */
export const HEAD = `${HELPERS}
local epoch, head = hubState(KEYS[1], ARGV[1])
return { epoch, head }
`;
