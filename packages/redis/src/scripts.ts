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

-- Drops the oldest entries of a topic's stream beyond maxEvents or older than \`oldest\` (ms),
-- always a prefix of the stream, and remembers the highest dropped seq: a resume from before
-- it must reset.
local function trim(trimmedKey, stream, topic, oldest, maxEvents)
  local last = nil
  local excess = redis.call('XLEN', stream) - maxEvents
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
 * KEYS: hub, trimmed, topics, stream, tombstones, publish id.
 * ARGV: newEpoch, topic, event ('' = none), data, now, maxEvents, maxAgeMs, maxTopics,
 * channel, maxTombstones, publish id TTL (ms). Returns { epoch, seq }.
 *
 * Idempotent per publish id: the first run records `<epoch>\n<seq>` under the id's key, and a
 * repeat (a retry after a lost reply) returns that instead of appending again. An id that
 * SETTLE abandoned runs nothing.
 */
export const PUBLISH = `${HELPERS}
local hubKey, trimmedKey, topicsKey, stream, tombstonesKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local done = redis.call('GET', KEYS[6])
if done == 'x' then return redis.error_reply('ABANDONED publish id') end
if done then return { string.match(done, '^(.*)\\n(%d+)$') } end
local topic, event, data, nowText = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local now, maxEvents, maxAge, maxTopics = tonumber(nowText), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local epoch = hubState(hubKey, ARGV[1])
local seq = string.format('%d', redis.call('HINCRBY', hubKey, 'seq', 1))
local entry = { 'XADD', stream, seq .. '-0', 'd', data, 't', nowText }
if event ~= '' then
  entry[#entry + 1] = 'e'
  entry[#entry + 1] = event
end
local added = redis.pcall(unpack(entry))
if type(added) == 'table' and added.err and string.find(added.err, 'equal or smaller', 1, true) then
  -- An untracked leftover of an older epoch, with higher ids: void it and append again.
  redis.call('DEL', stream)
  redis.call('HDEL', trimmedKey, topic)
  redis.call(unpack(entry))
elseif type(added) == 'table' and added.err then
  return redis.error_reply(added.err)
end
-- A new stream of a topic without a trim mark: whatever it had before the hub-wide watermark
-- may be gone (its tombstone was evicted), so that watermark becomes its mark.
if redis.call('XLEN', stream) == 1 and not redis.call('HGET', trimmedKey, topic) then
  local _, _, forgotten = hubState(hubKey, ARGV[1])
  if forgotten > 0 then redis.call('HSET', trimmedKey, topic, string.format('%d', forgotten)) end
end
trim(trimmedKey, stream, topic, now - maxAge, maxEvents)
redis.call('ZADD', topicsKey, now, topic)
-- A topic published again is no tombstone any more (its trim mark stays: older seqs are gone).
redis.call('ZREM', tombstonesKey, topic)
-- Forget at most two idle (all events aged out) or surplus topics per publish: amortized upkeep.
-- A forgotten topic keeps a tombstone: its trim mark set to its newest seq, so a resume on it
-- stays exact; only the oldest tombstones beyond maxTombstones fold into the hub-wide watermark.
local oldest = redis.call('ZRANGE', topicsKey, 0, 1, 'WITHSCORES')
for i = 1, #oldest, 2 do
  local victim, lastPublish = oldest[i], tonumber(oldest[i + 1])
  if victim ~= topic and (lastPublish < now - maxAge or redis.call('ZCARD', topicsKey) > maxTopics) then
    local victimStream = baseOf(hubKey) .. 's:' .. victim
    local lastSeq = tonumber(redis.call('HGET', trimmedKey, victim) or '0')
    local newest = redis.call('XREVRANGE', victimStream, '+', '-', 'COUNT', 1)
    if #newest > 0 then lastSeq = seqOf(newest[1][1]) end
    redis.call('DEL', victimStream)
    redis.call('ZREM', topicsKey, victim)
    redis.call('HSET', trimmedKey, victim, string.format('%d', lastSeq))
    redis.call('ZADD', tombstonesKey, now, victim)
  end
end
local surplus = redis.call('ZCARD', tombstonesKey) - tonumber(ARGV[10])
if surplus > 0 then
  local _, _, forgotten = hubState(hubKey, ARGV[1])
  local popped = redis.call('ZPOPMIN', tombstonesKey, math.min(surplus, 2))
  for i = 1, #popped, 2 do
    local lastSeq = tonumber(redis.call('HGET', trimmedKey, popped[i]) or '0')
    if lastSeq > forgotten then forgotten = lastSeq end
    redis.call('HDEL', trimmedKey, popped[i])
  end
  redis.call('HSET', hubKey, 'forgotten', string.format('%d', forgotten))
end
-- Inside the script, so every node receives a topic's events in sequence order.
redis.call('PUBLISH', ARGV[9], epoch .. '\\n' .. seq .. '\\n' .. nowText .. '\\n' .. event .. '\\n' .. data)
redis.call('SET', KEYS[6], epoch .. '\\n' .. seq, 'PX', ARGV[11])
return { epoch, seq }
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
    trim(trimmedKey, stream, topic, oldest, math.huge)
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
