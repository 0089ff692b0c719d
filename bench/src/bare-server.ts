/**
 * The ceiling for a Fastify route on this machine: no plugins, no validation schema, no database,
 * a small JSON body in and a small JSON body out, shaped like the public status answer.
 */
import Fastify from 'fastify';

const STATUS = {
  number: 'GEN-004',
  status: 'waiting',
  departmentName: 'General Medicine',
  position: 3,
  peopleAhead: 2,
  estimatedWait: { minMinutes: 10, maxMinutes: 20 },
  updatedAt: '2026-01-01T00:00:00.000Z',
};

const app = Fastify({ logger: false });
app.get('/ready', async () => ({ status: 'ok' }));
app.get('/status', async () => STATUS);
app.post('/status', async (request) => {
  const body = request.body as { token?: unknown };
  return { ...STATUS, number: typeof body.token === 'string' ? body.token : STATUS.number };
});

const address = await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 0) });
process.stdout.write(`bare fastify at ${address}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
