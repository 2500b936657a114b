import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const children = new Set();

/** Every child still running gets SIGKILL: the last word on any exit path of a runner. */
export function killAll() {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
}

/** A server binary (redis-server, nats-server…) that {@link killAll} ends with the rest. */
export function spawnService(command, args) {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/**
 * Makes sure no child outlives the runner: on exit, SIGINT, SIGTERM and an uncaught error.
 * (Children also exit by themselves when their IPC channel closes.)
 */
export function killChildrenOnExit() {
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      killAll();
      process.exit(130);
    });
  }
  process.once('uncaughtException', (error) => {
    console.error(error);
    killAll();
    process.exit(1);
  });
}

/**
 * Starts `node <script>` (a file of bench/src) through a shell that raises the fd limit
 * (to 65,536 or else the hard limit), pinned to `cpu` when given, with `nodeFlags`, with IPC: `call(cmd, args)`
 * sends a command the script answers by id; `ready` resolves with its first `{ ready }` message.
 */
export function startProcess(script, args = [], { cpu, pin = false, nodeFlags = [] } = {}) {
  const taskset = pin && cpu !== undefined ? `taskset -c ${cpu} ` : '';
  const path = fileURLToPath(new URL(script, import.meta.url));
  const flags = ['--expose-gc', ...nodeFlags].join(' ');
  const command = `ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec ${taskset}"${process.execPath}" ${flags} "${path}" ${args.join(' ')}`;
  const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(child);
  const pending = new Map();
  let nextId = 0;
  let onReady;
  const ready = new Promise((resolve, reject) => {
    onReady = resolve;
    child.once('exit', (code, signal) => {
      children.delete(child);
      const error = new Error(`${script} ${args.join(' ')} exited with ${code ?? signal}`);
      reject(error);
      for (const call of pending.values()) call.reject(error);
      pending.clear();
    });
  });
  ready.catch(() => {});
  child.on('message', (message) => {
    if (message.ready) return onReady(message);
    const call = pending.get(message.id);
    pending.delete(message.id);
    if (message.error) call?.reject(new Error(message.error));
    else call?.resolve(message.result);
  });
  return {
    pid: child.pid,
    ready,
    call(cmd, callArgs = {}) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        if (!child.connected) return reject(new Error(`${script} is gone`));
        pending.set(id, { resolve, reject });
        child.send({ id, cmd, args: callArgs });
      });
    },
    /** SIGKILL, and resolves once it is gone. */
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.disconnect();
      await exited;
    },
  };
}

/** Answers the runner's IPC commands with `commands[cmd](args)`; exits when the runner goes. */
export function serveCommands(commands) {
  process.on('message', async ({ id, cmd, args }) => {
    try {
      process.send({ id, result: await commands[cmd](args) });
    } catch (error) {
      process.send({ id, error: String(error?.stack ?? error) });
    }
  });
  process.on('disconnect', () => process.exit(0));
}
