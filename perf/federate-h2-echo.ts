/**
 * Child process of `npm run perf:federate`'s transport floor: plain node:http2 over mutual TLS, no
 * gRPC. It connects to the parent's HTTP/2 server, sends a `bytes`-long body per request and reads
 * the same length back, `rounds` times, then prints its CPU milliseconds per round trip (after the
 * first, which warms the code up). What any HTTP/2 transport in Node costs on this machine, below
 * which gRPC cannot go. Arguments: <port> <certs dir> <bytes> <rounds>.
 */
import { connect } from 'node:http2';
import { loadCredentials } from '../src/distributed/credentials.js';
import { FLOW_CONTROL_WINDOW_BYTES } from '../src/distributed/protocol.js';

const [port, certs, bytesArg, roundsArg] = process.argv.slice(2);
const bytes = Number(bytesArg);
const rounds = Number(roundsArg);
const c = loadCredentials(certs, { role: 'site', id: 'echo' });
const session = connect(`https://127.0.0.1:${port}`, { ca: c.ca, cert: c.cert, key: c.key, checkServerIdentity: () => undefined, settings: { initialWindowSize: FLOW_CONTROL_WINDOW_BYTES } });
await new Promise<void>((resolve, reject) => {
  session.once('connect', () => resolve());
  session.once('error', reject);
});
session.setLocalWindowSize(FLOW_CONTROL_WINDOW_BYTES);
const body = Buffer.alloc(bytes, 7);
let cpu0 = process.cpuUsage();
for (let r = 0; r <= rounds; r++) {
  if (r === 1) cpu0 = process.cpuUsage();
  const req = session.request({ ':method': 'POST', ':path': '/echo' });
  req.end(body);
  let got = 0;
  for await (const part of req) got += (part as Buffer).length;
  if (got !== bytes) throw new Error(`echo returned ${got} bytes, sent ${bytes}`);
}
const cpu = process.cpuUsage(cpu0);
session.close();
process.stdout.write(`${JSON.stringify({ cpuMsPerRoundTrip: (cpu.user + cpu.system) / 1000 / rounds })}\n`);
