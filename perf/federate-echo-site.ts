/**
 * Child process of `npm run perf:federate`'s transport measure: one site that joins and answers every
 * task on its Session stream by sending its vectors straight back (no training), then prints its
 * CPU milliseconds per task. Arguments: <server host:port> <certs dir>.
 */
import { PROTOCOL_VERSION } from '../src/distributed/protocol.js';
import { serveSession, siteClient } from '../src/distributed/site-process.js';

const [server, certs] = process.argv.slice(2);
const client = siteClient(server, certs, 'echo');
await new Promise<void>((resolve, reject) =>
  client.Join({ site_id: 'echo', protocol_version: PROTOCOL_VERSION, fedage_version: 'perf' }, { deadline: Date.now() + 10_000 }, (err) => (err ? reject(err) : resolve())),
);
let tasks = 0;
let cpu0 = process.cpuUsage();
await serveSession(client, 'echo', {
  deadlineMs: 600_000,
  chunkBytes: 1 << 20,
  answer: (task) => {
    if (tasks++ === 0) cpu0 = process.cpuUsage(); // the first task warms the code up
    return { kind: 'ok', header: {}, vectors: { params: task.vectors.globalParams } };
  },
});
const cpu = process.cpuUsage(cpu0);
process.stdout.write(`${JSON.stringify({ tasks: tasks - 1, cpuMsPerTask: (cpu.user + cpu.system) / 1000 / Math.max(1, tasks - 1) })}\n`);
client.close();
