/**
 * Child process of `npm run perf:federate`'s transport floor: one site that joins and answers every
 * task by sending its vectors straight back (no training), then prints its CPU milliseconds per task.
 * Arguments: <server host:port> <certs dir>.
 */
import { PROTOCOL_VERSION } from '../src/distributed/protocol.js';
import { nextTask, siteClient, submit } from '../src/distributed/site-process.js';
import { encodeMessage } from '../src/distributed/codec.js';

const [server, certs] = process.argv.slice(2);
const client = siteClient(server, certs, 'echo');
await new Promise<void>((resolve, reject) =>
  client.Join({ site_id: 'echo', protocol_version: PROTOCOL_VERSION, fedage_version: 'perf' }, { deadline: Date.now() + 10_000 }, (err) => (err ? reject(err) : resolve())),
);
let tasks = 0;
let cpu0 = process.cpuUsage();
for (;;) {
  const task = await nextTask(client, 'echo', 30_000);
  if (task.kind === 'done') break;
  if (task.kind === 'idle') continue;
  if (tasks === 0) cpu0 = process.cpuUsage(); // the first task warms the code up
  await submit(client, encodeMessage({ taskId: task.taskId, siteId: 'echo', kind: 'ok', header: {}, vectors: { params: task.vectors.globalParams } }));
  tasks++;
}
const cpu = process.cpuUsage(cpu0);
process.stdout.write(`${JSON.stringify({ tasks: tasks - 1, cpuMsPerTask: (cpu.user + cpu.system) / 1000 / Math.max(1, tasks - 1) })}\n`);
client.close();
