// How long the built-in demo EHR takes to start (first start from the
// fixtures, later starts from its saved state), what memory it adds, and how
// fast typical portal searches answer over HTTP. Each start runs in a fresh
// process, so loading the FHIR definitions is counted.
// Run: node bench/demo-ehr.ts   (writes its section of bench/RESULTS.md)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

interface Run {
  startMs: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  heapAfterMb: number;
  searches: Record<string, number>;
}

const SEARCHES: Record<string, string> = {
  'Patient by MRN': '/Patient?identifier=urn:patient-portal:mrn:riverside|RFM-100201',
  "a patient's medications":
    '/MedicationRequest?patient=Patient/c4b7d178-c437-4202-9fb0-1b64afb8bc09',
  "a patient's labs":
    '/Observation?patient=Patient/c4b7d178-c437-4202-9fb0-1b64afb8bc09&category=laboratory',
  "a clinician's free slots, first page":
    '/Slot?schedule=Schedule/schedule-riverside-1&status=free',
  '/metadata': '/metadata',
};

async function child(dataDir: string): Promise<void> {
  const mb = (n: number) => Math.round(n / 1e6);
  const rssBeforeMb = mb(process.memoryUsage().rss);
  const { startDemoEhr } = await import('../src/ehr/demo/server.ts');
  const started = performance.now();
  const ehr = await startDemoEhr({ dataDir, log: { info() {}, error() {} } });
  const startMs = Math.round(performance.now() - started);
  const searches: Record<string, number> = {};
  for (const [name, query] of Object.entries(SEARCHES)) {
    await fetch(`${ehr.baseUrl}${query}`).then((r) => r.json()); // warm
    const t = performance.now();
    for (let i = 0; i < 5; i++) await fetch(`${ehr.baseUrl}${query}`).then((r) => r.json());
    searches[name] = Math.round((performance.now() - t) / 5);
  }
  const run: Run = {
    startMs,
    rssBeforeMb,
    rssAfterMb: mb(process.memoryUsage().rss),
    heapAfterMb: mb(process.memoryUsage().heapUsed),
    searches,
  };
  await ehr.close();
  console.log(JSON.stringify(run));
}

function measure(dataDir: string): Run {
  const out = execFileSync(process.execPath, [import.meta.filename, 'child', dataDir], {
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').at(-1) as string) as Run;
}

function main(): void {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-demo-ehr-'));
  try {
    const first = measure(dataDir);
    const saved = fs.statSync(path.join(dataDir, 'demo-ehr', 'resources.ndjson')).size;
    const again = [measure(dataDir), measure(dataDir), measure(dataDir)];
    const median = (xs: number[]) =>
      [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
    const lines = [
      '## Demo EHR start and searches (`bench/demo-ehr.ts`)',
      '',
      `Command: \`node bench/demo-ehr.ts\` — ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores, Node ${process.version}.`,
      'Each start in a fresh process (FHIR definitions indexed each time); 10 Synthea patients, 9 clinicians, 60 days of slots.',
      '',
      '| start | ms | RSS added (MB) | heap after (MB) |',
      '| --- | ---: | ---: | ---: |',
      `| first, from the fixtures | ${first.startMs} | ${first.rssAfterMb - first.rssBeforeMb} | ${first.heapAfterMb} |`,
      ...again.map(
        (r, i) =>
          `| again ${i + 1}, from the saved state | ${r.startMs} | ${r.rssAfterMb - r.rssBeforeMb} | ${r.heapAfterMb} |`,
      ),
      '',
      `Saved state: ${(saved / 1e6).toFixed(1)} MB (DATA_DIR/demo-ehr/resources.ndjson).`,
      '',
      '| search over HTTP (median of the restarts, mean of 5) | ms |',
      '| --- | ---: |',
      ...Object.keys(SEARCHES).map(
        (name) => `| ${name} | ${median(again.map((r) => r.searches[name] ?? 0))} |`,
      ),
      '',
    ];
    console.log(lines.join('\n'));
    writeSection(lines);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Replaces this benchmark's section of bench/RESULTS.md, or appends it. */
function writeSection(lines: string[]): void {
  const file = path.join(import.meta.dirname, 'RESULTS.md');
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmark results\n';
  const heading = lines[0] as string;
  const start = text.indexOf(heading);
  if (start < 0) {
    fs.writeFileSync(file, `${text.trimEnd()}\n\n${lines.join('\n')}`);
    return;
  }
  const next = text.indexOf('\n## ', start + heading.length);
  const rest = next < 0 ? '' : text.slice(next + 1);
  fs.writeFileSync(file, `${text.slice(0, start)}${lines.join('\n')}${rest ? `\n${rest}` : ''}`);
}

if (process.argv[2] === 'child') await child(process.argv[3] as string);
else main();
