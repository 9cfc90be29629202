/**
 * The stage runner behind `npm start`: stages run one after another against the local
 * cloud, each reporting live progress (stderr) and a summary (JSON for `--once`, lines for
 * people). A stage may also keep something running after the pipeline (feeding rounds,
 * serving the site) until Ctrl-C. Adding a stage = adding an entry to stages/index.ts.
 */
import type { LocalCloud } from './cloud.ts';

export interface PipelineOptions {
  /** Demo users (`--users`). */
  readonly users: number;
  /** Demo weeks. */
  readonly weeks: number;
  /** `--once`: run, summarise, exit; no long-running extras. */
  readonly once: boolean;
  /** Seed of the demo generator. */
  readonly seed: number;
  /** Share of malformed lines in the demo data (`--dirty`). */
  readonly dirty?: number;
}

export interface StageContext {
  readonly cloud: LocalCloud;
  readonly options: PipelineOptions;
  /** Summaries of the stages already run, by stage name. */
  readonly results: Readonly<Record<string, unknown>>;
  /** One live status line (overwritten in a terminal, throttled otherwise). */
  progress(text: string): void;
  /** A line for people (stderr), kept on screen. */
  log(text: string): void;
  /** Aborted at Ctrl-C. */
  readonly signal: AbortSignal;
}

interface StageResult {
  /** What the stage did, as JSON (goes into the `--once` summary). */
  readonly summary: unknown;
  /** The same for people. */
  readonly lines: string[];
  /** False when the stage ran but its outcome is a failure (the pipeline stops, exit 1). */
  readonly ok?: boolean;
}

export interface Stage {
  /** Key in the JSON summary, e.g. "extraction". */
  readonly name: string;
  /** Heading for people, e.g. "Extraction (S3 → extract Lambda)". */
  readonly title: string;
  run(context: StageContext): Promise<StageResult>;
  /**
   * Optional: started after every stage succeeded, when not `--once`; runs until the signal
   * aborts (Ctrl-C). For example: feed prediction rounds, serve the dashboard.
   */
  background?(context: StageContext): Promise<void>;
}

interface StageReport {
  readonly name: string;
  /** 'aborted': Ctrl-C came while it ran; 'skipped': an earlier stage failed or was aborted. */
  readonly status: 'ok' | 'failed' | 'skipped' | 'aborted';
  readonly durationMs: number;
  readonly summary?: unknown;
  readonly error?: string;
}

export interface PipelineReport {
  readonly ok: boolean;
  readonly stages: StageReport[];
}

export interface Console {
  /** Human output (stderr). */
  line(text: string): void;
  /** The live status line (stderr). */
  status(text: string): void;
}

/** Progress on stderr: rewritten in place in a terminal, one line a second otherwise. */
export function stderrConsole(stream: NodeJS.WriteStream = process.stderr): Console {
  let lastStatus = 0;
  let showing = false;
  return {
    line(text) {
      if (showing && stream.isTTY) stream.write('\r\x1b[2K');
      showing = false;
      stream.write(`${text}\n`);
    },
    status(text) {
      if (stream.isTTY) {
        stream.write(`\r\x1b[2K  ${text.slice(0, (stream.columns ?? 100) - 3)}`);
        showing = true;
      } else if (Date.now() - lastStatus > 1000) {
        lastStatus = Date.now();
        stream.write(`  … ${text}\n`);
      }
    },
  };
}

/** Runs the stages in order; stops at the first failure. Never throws for a stage's error. */
export async function runStages(
  stages: readonly Stage[],
  base: { cloud: LocalCloud; options: PipelineOptions; signal: AbortSignal; console: Console },
): Promise<PipelineReport> {
  const results: Record<string, unknown> = {};
  const reports: StageReport[] = [];
  let failed = false;
  for (const stage of stages) {
    if (failed || base.signal.aborted) {
      reports.push({ name: stage.name, status: 'skipped', durationMs: 0 });
      continue;
    }
    base.console.line(`\n▸ ${stage.title}`);
    const started = Date.now();
    try {
      const result = await stage.run(stageContext(base, results));
      const ok = result.ok ?? true;
      results[stage.name] = result.summary;
      for (const line of result.lines) base.console.line(`  ${line}`);
      reports.push({
        name: stage.name,
        status: ok ? 'ok' : 'failed',
        durationMs: Date.now() - started,
        summary: result.summary,
      });
      failed = !ok;
    } catch (error) {
      const message = (error as Error).message;
      failed = true;
      if (base.signal.aborted) {
        // Stopping pulls the local cloud away under the stage: its error is not news.
        reports.push({ name: stage.name, status: 'aborted', durationMs: Date.now() - started });
        continue;
      }
      base.console.line(`  ✗ ${message}`);
      reports.push({ name: stage.name, status: 'failed', durationMs: Date.now() - started, error: message });
    }
  }
  return { ok: !failed && !base.signal.aborted, stages: reports };
}

/** Starts every stage's background work; resolves when all of them have ended. */
export async function runBackground(
  stages: readonly Stage[],
  report: PipelineReport,
  base: { cloud: LocalCloud; options: PipelineOptions; signal: AbortSignal; console: Console },
): Promise<void> {
  const results = Object.fromEntries(report.stages.map((s) => [s.name, s.summary]));
  const started: Promise<void>[] = [];
  for (const s of stages) {
    if (!s.background) continue;
    started.push(
      s
        .background(stageContext(base, results))
        .catch((error: Error) => base.console.line(`  ✗ ${s.title}: ${error.message}`)),
    );
  }
  await Promise.allSettled(started);
}

function stageContext(
  base: { cloud: LocalCloud; options: PipelineOptions; signal: AbortSignal; console: Console },
  results: Record<string, unknown>,
): StageContext {
  return {
    cloud: base.cloud,
    options: base.options,
    results,
    signal: base.signal,
    progress: (text) => base.console.status(text),
    log: (text) => base.console.line(`  ${text}`),
  };
}
