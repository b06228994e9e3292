/**
 * A child process that opens `count` TCP connections to host:port and never sends a byte, as a
 * hostile instance would to exhaust the collector's file descriptors. It prints one JSON line
 * when all are open (`{"opened":N,"failed":F}`), then one when the server has closed them all
 * (`{"closed":N}`), then exits. Run: node connection-flood.ts HOST PORT COUNT
 */
import { connect, type Socket } from 'node:net';

const [host = '127.0.0.1', portText = '0', countText = '0'] = process.argv.slice(2);
const port = Number(portText);
const count = Number(countText);
const sockets: Socket[] = [];
let opened = 0;
let failed = 0;
let closed = 0;
let reportedOpen = false;

function settle(): void {
  if (!reportedOpen && opened + failed === count) {
    reportedOpen = true;
    process.stdout.write(`${JSON.stringify({ opened, failed })}\n`);
  }
  if (reportedOpen && closed === opened) {
    process.stdout.write(`${JSON.stringify({ closed })}\n`);
    process.exit(0);
  }
}

// Open in waves, so the kernel's accept queue is not what refuses them.
async function open(): Promise<void> {
  for (let i = 0; i < count; i++) {
    const socket = connect({ host, port });
    let wasOpen = false;
    socket.on('connect', () => {
      wasOpen = true;
      opened++;
      settle();
    });
    socket.on('error', () => {});
    // Read (and drop) anything: a paused socket would never see the server's FIN.
    socket.resume();
    socket.on('close', () => {
      if (wasOpen) closed++;
      else failed++;
      settle();
    });
    sockets.push(socket);
    if (i % 500 === 499) await new Promise((r) => setTimeout(r, 20));
  }
}

void open();
process.on('SIGTERM', () => {
  process.stdout.write(`${JSON.stringify({ opened, failed, closed, interrupted: true })}\n`);
  process.exit(0);
});
