/**
 * Stage "dashboard": serves the built site and the site bucket's `data/` documents the way
 * CloudFront would (infra/local/site-server.ts). With `--once` it serves on a free port just
 * long enough to check that the page and the documents answer, then closes; otherwise
 * it stays up at http://localhost:7777 (RETENTION_DASHBOARD_PORT to change) until Ctrl-C.
 */
import type { Stage, StageContext } from '#infra/local/pipeline.ts';
import { DEFAULT_SITE_PORT, startSiteServer, type SiteServer } from '#infra/local/site-server.ts';
import { siteBucket } from './resources.ts';

const DOCUMENTS = ['data/trees.json', 'data/card.json', 'data/trends.json', 'data/outcomes.json'] as const;

interface DashboardSummary {
  url: string;
  /** `url` with a one-time sign-in token (absent with --once: the server is closed by then). */
  signInUrl?: string;
  /** HTTP status of the page and of each document when the stage checked them. */
  status: Record<string, number>;
}

let server: SiteServer | undefined;

function port(context: StageContext): number {
  if (context.options.once) return 0;
  const fromEnv = Number(process.env.RETENTION_DASHBOARD_PORT ?? DEFAULT_SITE_PORT);
  return Number.isInteger(fromEnv) && fromEnv >= 0 ? fromEnv : DEFAULT_SITE_PORT;
}

export const dashboard: Stage = {
  name: 'dashboard',
  title: 'Dashboard (site bucket → local CloudFront stand-in)',
  async run(context) {
    const bucket = siteBucket(context.cloud).name;
    context.progress('building the site and starting the server');
    server = await startSiteServer({ port: port(context), s3: context.cloud.clients.s3, bucket });
    const status: Record<string, number> = {};
    for (const path of ['', ...DOCUMENTS]) {
      const response = await fetch(new URL(path, `${server.url.replace(/\/?$/, '/')}`));
      status[`/${path}`] = response.status;
      await response.body?.cancel(); // only the status is checked: leave nothing half-read
    }
    const url = server.url;
    const signInUrl = context.options.once ? undefined : server.signInUrl;
    if (context.options.once) {
      await server.close();
      server = undefined;
    }
    const missing = Object.entries(status)
      .filter(([, code]) => code !== 200)
      .map(([path]) => path);
    const summary: DashboardSummary = { url, status, ...(signInUrl ? { signInUrl } : {}) };
    return {
      summary,
      ok: status['/'] === 200,
      lines: [
        context.options.once
          ? `served and checked at ${url} (closed: --once)`
          : `dashboard: ${url} (users at risk only after signing in with the one-time address below)`,
        missing.length === 0
          ? 'page, trees, model card, trends and outcomes all answer 200'
          : `not there yet: ${missing.join(', ')}`,
      ],
    };
  },
  async background(context) {
    if (!server) return;
    await new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve(), { once: true }));
    await server.close();
    server = undefined;
  },
};
