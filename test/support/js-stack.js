// @ts-check
'use strict';
/* global fetch, WebSocket */
/**
 * Prints the JavaScript stack of the process whose inspector listens on 127.0.0.1:9229 (a Node
 * process opens it on SIGUSR1), then lets it go on: suite-clock-thread.js runs it, with Node's
 * `--experimental-websocket`, on a suite that takes too long.
 */
const PORT = Number(process.env.LIDEX_INSPECT_PORT ?? 9229);

async function main() {
  const targets = await (
    await fetch(`http://127.0.0.1:${PORT}/json/list`)
  ).json();
  const socket = new WebSocket(targets[0].webSocketDebuggerUrl);
  let id = 0;
  const send = (method, params = {}) =>
    socket.send(JSON.stringify({ id: ++id, method, params }));
  // Jest's scripts carry their file names in the events that announce them, not in the frames.
  const urls = new Map();
  const where = (scriptId, url) =>
    url || urls.get(scriptId) || `script ${scriptId}`;
  socket.onmessage = (event) => {
    const message = JSON.parse(String(event.data));
    if (message.method === 'Debugger.scriptParsed') {
      urls.set(message.params.scriptId, message.params.url);
    }
    if (message.method !== 'Debugger.paused') return;
    const frames = message.params.callFrames.map(
      (frame) =>
        `at ${frame.functionName || '(anonymous)'} ${where(frame.location.scriptId, frame.url)}:${frame.location.lineNumber + 1}`,
    );
    let parent = message.params.asyncStackTrace;
    while (parent) {
      frames.push(`-- ${parent.description ?? 'async'}`);
      for (const frame of parent.callFrames.slice(0, 10))
        frames.push(
          `at ${frame.functionName || '(anonymous)'} ${where(frame.scriptId, frame.url)}:${frame.lineNumber + 1}`,
        );
      parent = parent.parent;
    }
    process.stdout.write(
      `JavaScript stack of the main thread:\n${frames.slice(0, 60).join('\n')}\n`,
    );
    send('Debugger.resume');
    send('Debugger.disable');
    setTimeout(() => process.exit(0), 200);
  };
  socket.onopen = () => {
    send('Debugger.enable');
    send('Debugger.setAsyncCallStackDepth', { maxDepth: 8 });
    send('Debugger.pause');
  };
}

main().catch((error) => {
  process.stderr.write(`no stack: ${error}\n`);
  process.exit(1);
});
