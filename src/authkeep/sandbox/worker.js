'use strict';
// authkeep's script sandbox worker (docs/security.md, "Scripts"). Started by sandbox/__init__.py
// as `node --experimental-permission -e <this file>`: no fs, child_process, worker or addon
// access, an empty environment, a capped heap and OS rlimits. Each run gets a fresh vm context
// whose globals are the JavaScript built-ins plus a JSON-only `fetch` and a silent `console`;
// nothing from this realm is handed to the script except primitives. The host (Python) kills the
// process when a run overruns its wall clock, so async loops are bounded too.
const vm = require('node:vm');
const { types } = require('node:util');

const MAX_BODY = 1024 * 1024; // bytes a fetch may read

let pending = Buffer.alloc(0);
let queue = Promise.resolve();

const send = (text) => {
  const body = Buffer.from(text, 'utf8');
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length, 0);
  process.stdout.write(Buffer.concat([head, body]));
};

const describe = (error) => {
  try {
    if (types.isNativeError(error)) {
      return { name: String(error.name), message: String(error.message), stack: typeof error.stack === 'string' ? error.stack : undefined };
    }
    return { name: 'Error', message: String(error) };
  } catch {
    return { name: 'Error', message: 'The script threw a value that could not be described.' };
  }
};

// Host side of `fetch`: strings in, a JSON string out (primitives only cross the boundary).
const hostFetch = async (url, method, headersJson, body) => {
  const response = await fetch(String(url), {
    method: String(method),
    headers: JSON.parse(String(headersJson)),
    body: body === null ? undefined : String(body),
    redirect: 'follow',
  });
  const reader = response.body ? response.body.getReader() : null;
  const chunks = [];
  let size = 0;
  while (reader) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > MAX_BODY) {
      await reader.cancel();
      throw new Error('The response body is too large.');
    }
    chunks.push(Buffer.from(value));
  }
  return JSON.stringify({
    status: response.status,
    statusText: response.statusText,
    url: response.url,
    headers: [...response.headers.entries()],
    body: Buffer.concat(chunks).toString('utf8'),
  });
};

// Evaluated inside each fresh context, before the script. Script code can reach only
// functions made in its own realm; they hand primitives (strings) to the host, never objects.
const BOOT = `(function (hostFetch, report, payloadJson, withApi) {
  'use strict';
  const { parse, stringify } = JSON;
  const entries = Object.entries;
  const freeze = Object.freeze;
  class DenyAccessSignal extends Error {
    constructor(message) { super(message); this.name = 'DenyAccessSignal'; }
  }
  const makeResponse = (raw) => {
    const data = parse(raw);
    const headers = new Map(data.headers);
    const key = (name) => String(name).toLowerCase();
    return freeze({
      ok: data.status >= 200 && data.status < 300,
      status: data.status,
      statusText: data.statusText,
      url: data.url,
      headers: freeze({ get: (name) => headers.get(key(name)) ?? null, has: (name) => headers.has(key(name)) }),
      text: async () => data.body,
      json: async () => parse(data.body),
    });
  };
  const fetch = async (input, init) => {
    const options = init && typeof init === 'object' ? init : {};
    const headers = {};
    if (options.headers && typeof options.headers === 'object') {
      for (const [k, v] of entries(options.headers)) headers[String(k)] = String(v);
    }
    const body = options.body === undefined || options.body === null ? null : String(options.body);
    let raw;
    try {
      raw = await hostFetch(String(input), String(options.method || 'GET'), stringify(headers), body);
    } catch (error) {
      throw new TypeError('fetch failed: ' + String(error && error.message));
    }
    return makeResponse(raw);
  };
  const silent = () => undefined;
  globalThis.fetch = fetch;
  globalThis.console = freeze({ log: silent, info: silent, warn: silent, error: silent, debug: silent });
  const input = parse(payloadJson);
  if (withApi) {
    input.api = freeze({
      denyAccess: (message = 'Access denied') => { throw new DenyAccessSignal(String(message)); },
    });
  }
  const describe = (error) => {
    try {
      if (error instanceof Error) {
        return { name: String(error.name), message: String(error.message), stack: typeof error.stack === 'string' ? error.stack : undefined };
      }
      return { name: 'Error', message: String(error) };
    } catch (_) {
      return { name: 'Error', message: 'The script threw a value that could not be described.' };
    }
  };
  const settle = (value) => {
    let text;
    try {
      text = stringify(value);
    } catch (_) {
      return report(stringify({ ok: false, kind: 'type', message: 'The script return value must be JSON-serializable.' }));
    }
    report(text === undefined ? '{"ok":true}' : '{"ok":true,"value":' + text + '}');
  };
  const fail = (error) => {
    if (error instanceof DenyAccessSignal) {
      return report(stringify({ ok: false, kind: 'denied', message: String(error.message) }));
    }
    report(stringify({ ok: false, kind: 'runtime', ...describe(error) }));
  };
  return (entry) => {
    (async () => entry(input))().then(settle, fail);
  };
})`;

const run = ({ script, entry, payload, timeoutMs, withApi }) =>
  new Promise((resolve) => {
    let done = false;
    // The only host function the script's realm can call with its result: strings only.
    const report = (text) => {
      if (done || typeof text !== 'string') return;
      done = true;
      resolve(text);
    };
    const failWith = (result) => report(JSON.stringify(result));
    const context = vm.createContext({}, { codeGeneration: { strings: false, wasm: false } });
    let compiled;
    try {
      compiled = new vm.Script(`${script}\n;typeof ${entry} === 'function' ? ${entry} : undefined;`, {
        filename: 'user-script.js',
      });
    } catch (error) {
      const d = describe(error);
      return failWith({ ok: false, kind: d.name === 'SyntaxError' ? 'syntax' : 'runtime', message: d.message, stack: d.stack });
    }
    const guardedFetch = (url, method, headersJson, body) => {
      if (typeof url !== 'string' || typeof method !== 'string' || typeof headersJson !== 'string' || (body !== null && typeof body !== 'string')) {
        return Promise.reject(new Error('invalid fetch arguments'));
      }
      return hostFetch(url, method, headersJson, body);
    };
    try {
      const setup = vm.runInContext(BOOT, context, { timeout: timeoutMs });
      const invoke = setup(guardedFetch, report, JSON.stringify(payload), Boolean(withApi));
      const fn = compiled.runInContext(context, { timeout: timeoutMs });
      if (typeof fn !== 'function') {
        return failWith({ ok: false, kind: 'type', message: `The script does not have a function named \`${entry}\`` });
      }
      invoke(fn);
    } catch (error) {
      const d = describe(error);
      if (d.message.startsWith('Script execution timed out')) {
        return failWith({ ok: false, kind: 'timeout' });
      }
      failWith({ ok: false, kind: 'runtime', name: d.name, message: d.message, stack: d.stack });
    }
  });

const handle = async (request) => {
  const text = await run(request);
  let result;
  try {
    result = JSON.parse(text);
  } catch {
    result = { ok: false, kind: 'type', message: 'The script return value must be JSON-serializable.' };
  }
  send(JSON.stringify({ id: request.id, result }));
};

process.stdin.on('data', (chunk) => {
  pending = Buffer.concat([pending, chunk]);
  while (pending.length >= 4) {
    const size = pending.readUInt32BE(0);
    if (pending.length < 4 + size) break;
    const request = JSON.parse(pending.subarray(4, 4 + size).toString('utf8'));
    pending = pending.subarray(4 + size);
    queue = queue.then(() => handle(request)).catch(() => send(JSON.stringify({ id: request.id, result: { ok: false, kind: 'runtime', name: 'Error', message: 'The script runner failed.' } })));
  }
});
process.stdin.on('end', () => process.exit(0));
send('{"ready":true}');
