import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RegistryContext } from './services/context.js';

/** The registry's Prometheus metrics (`/metrics`): one prom-client registry per app, never the global one. */
export interface RegistryMetrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  latency: Histogram<'method' | 'route'>;
  publishes: Counter<'status'>;
}

export function createMetrics(ctx: RegistryContext): RegistryMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'aam_registry_' });
  const requests = new Counter({
    name: 'aam_registry_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'aam_registry_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method and route template',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const publishes = new Counter({
    name: 'aam_registry_publishes_total',
    help: 'Publish requests, by status code (201 stored, 200 replay, 422 rejected by policy, 503 a part down, ...)',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  let lastSize = 0;
  new Gauge({
    name: 'aam_registry_audit_log_entries',
    help: "The audit log's size (entries in its latest signed checkpoint)",
    registers: [registry],
    async collect() {
      try {
        lastSize = (await ctx.db.read((q) => ctx.audit.head(q))).size;
      } catch {
        // The database is down: the last size read stays, and /readyz says why.
      }
      this.set(lastSize);
    },
  });
  return { registry, requests, latency, publishes };
}
