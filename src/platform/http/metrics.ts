// Prometheus metrics: request counts and latency by route, job queue depth,
// and the process's own figures. One registry per app, so tests stay apart.
import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Jobs } from '../jobs/jobs.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The app's registry: a module adds its own gauges with a collect callback. */
    metricsRegistry: Registry;
  }
}

export function installMetrics(app: FastifyInstance, options: { jobs?: Jobs; token?: string }) {
  const registry = new Registry();
  app.decorate('metricsRegistry', registry);
  collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'status_code'] as const;
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by route pattern and status',
    labelNames,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by route pattern',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const { jobs } = options;
  new Gauge({
    name: 'job_queue_depth',
    help: 'Background jobs waiting (state=queued) or running (state=active), by queue',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const d of (await jobs?.depths()) ?? []) {
        this.set({ queue: d.queue, state: 'queued' }, d.queued);
        this.set({ queue: d.queue, state: 'active' }, d.active);
      }
    },
  });

  app.addHook('onResponse', async (req, reply) => {
    const labels = {
      method: req.method,
      route: req.routeOptions.url ?? '(no route)',
      status_code: String(reply.statusCode),
    };
    requests.inc(labels);
    latency.observe(labels, reply.elapsedTime / 1000);
  });

  app.get(
    '/metrics',
    { config: { access: 'public' }, schema: { hide: true } },
    async (req, reply) => {
      // Figures only, no patient data; an operator token keeps them private when set.
      if (options.token && req.headers.authorization !== `Bearer ${options.token}`)
        return reply.status(401).send({
          error: { code: 'unauthorized', message: 'Send the metrics token as a Bearer token.' },
        });
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  );
}

/** Counts what an in-memory copy answered (hits) and what it had to read (misses), as `name{label="memory"|"database"}`. */
export function countMemory(
  app: FastifyInstance,
  m: { name: string; help: string; label: string },
  counts: { hits: number; misses: number },
) {
  new Counter({
    name: m.name,
    help: m.help,
    labelNames: [m.label],
    registers: [app.metricsRegistry],
    collect() {
      this.reset();
      this.inc({ [m.label]: 'memory' }, counts.hits);
      this.inc({ [m.label]: 'database' }, counts.misses);
    },
  });
}
