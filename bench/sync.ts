// EHR pull sync throughput: every Synthea patient in ../shared/data/synthea,
// synced through the real gateway over HTTP from a FHIR server this project
// did not write (@medplum's in-memory repository, in a worker thread so it
// does not share the portal's event loop, as a real EHR would not). Prints
// resources per second and writes a section to bench/RESULTS.md.
//
//   npm run bench:sync                      (embedded PGlite)
//   DATABASE_URL=postgres://… npm run bench:sync
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { Bundle } from '@medplum/fhirtypes';
import { createGateway } from '../src/ehr/gateway/fhir-client.ts';
import { type SyncSummary, syncAll } from '../src/ehr/sync/batch.ts';
import { testDatabase } from '../test/support/database.ts';
import { startFhirServer } from '../test/support/fhir-server.ts';

const SYNTHEA_DIR =
  process.env.SYNTHEA_DIR ?? path.resolve(import.meta.dirname, '../../shared/data/synthea');
const RESULTS = path.join(import.meta.dirname, 'RESULTS.md');

/** The EHR side: loads the bundles, answers over HTTP, reports its request count on demand. */
async function serveFhir({ files }: { files: string[] }) {
  const server = await startFhirServer();
  const patients: string[] = [];
  for (const file of files) {
    const bundle = JSON.parse(fs.readFileSync(file, 'utf8')) as Bundle;
    const loaded = await server.load(bundle);
    patients.push(
      loaded.entry?.find((e) => e.resource?.resourceType === 'Patient')?.resource?.id as string,
    );
  }
  parentPort?.postMessage({ baseUrl: server.baseUrl, patients });
  parentPort?.on('message', async (msg: string) => {
    if (msg === 'requests') parentPort?.postMessage({ requests: server.requests.length });
    if (msg === 'close') {
      await server.close();
      parentPort?.close();
    }
  });
}

async function main() {
  const files = fs
    .readdirSync(SYNTHEA_DIR)
    .filter((f) => /_[0-9a-f-]{36}\.json$/.test(f))
    .map((f) => path.join(SYNTHEA_DIR, f));
  console.log(`Loading ${files.length} Synthea patients into a FHIR server…`);
  const worker = new Worker(new URL(import.meta.url), { workerData: { files } });
  const ask = <T>(msg?: string) =>
    new Promise<T>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      if (msg) worker.postMessage(msg);
    });
  const ehr = await ask<{ baseUrl: string; patients: string[] }>();

  const database = await testDatabase();
  try {
    const { id: clinicId } = await database.db
      .insertInto('clinics')
      .values({
        slug: 'bench-sync',
        name: 'Bench clinic',
        time_zone: 'America/Chicago',
        phone: '+1-555-0100',
        address_line1: '1 Main Street',
        city: 'Springfield',
        state: 'IL',
        postal_code: '62701',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const [i, ehrPatientId] of ehr.patients.entries()) {
      const { id } = await database.db
        .insertInto('patients')
        .values({
          given_name: 'Bench',
          family_name: `Patient ${i}`,
          birth_date: '1980-01-01',
          email: null,
          ehr_patient_id: ehrPatientId,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await database.db
        .insertInto('patient_clinics')
        .values({ patient_id: id, clinic_id: clinicId, mrn: `BENCH-${i}` })
        .execute();
    }
    const gateway = createGateway({
      baseUrl: ehr.baseUrl,
      auth: { kind: 'none' },
      timeoutMs: 30_000,
    });

    const runs: { name: string; summary: SyncSummary; requests: number }[] = [];
    for (const [name, full] of [
      ['first sync (everything)', true],
      ['incremental, nothing changed', false],
      ['full re-sync, nothing changed', true],
    ] as const) {
      const before = (await ask<{ requests: number }>('requests')).requests;
      const summary = await syncAll(database.db, gateway, { clinicId, full, concurrency: 4 });
      const requests = (await ask<{ requests: number }>('requests')).requests - before;
      if (summary.failed > 0) throw new Error(`${summary.failed} patient(s) failed to sync`);
      runs.push({ name, summary, requests });
      console.log(
        `${name}: ${summary.synced} patients, ${summary.resources} resources in ${summary.seconds.toFixed(2)} s = ${rate(summary)} resources/s (${requests} HTTP requests)`,
      );
    }
    writeResults(runs, database.kind);
  } finally {
    await database.close();
    worker.postMessage('close');
  }
}

const rate = (s: SyncSummary) => Math.round(s.resources / Math.max(s.seconds, 0.001));

function writeResults(
  runs: { name: string; summary: SyncSummary; requests: number }[],
  databaseKind: string,
) {
  const database = databaseKind === 'embedded' ? 'embedded PGlite' : 'PostgreSQL';
  // One section per database, so both figures stay side by side.
  const heading = `## EHR pull sync, ${database}`;
  const [first] = runs;
  const quarantined = Object.entries(first?.summary.quarantined ?? {});
  const section = [
    `${heading} (\`bench/sync.ts\`)`,
    '',
    `Command: \`${databaseKind === 'embedded' ? '' : 'DATABASE_URL=postgres://… '}npm run bench:sync\` — ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores (load average ${os.loadavg()[0]?.toFixed(1)}: other work shares them), Node ${process.version}, database ${database}.`,
    `Every Synthea patient in ../shared/data/synthea (${first?.summary.patients} patients) through the gateway over HTTP from @medplum/fhir-router's in-memory repository (a worker thread), 4 patients at a time, 100 resources per page.`,
    '',
    '| run | resources | seconds | resources/s | HTTP requests |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...runs.map(
      (r) =>
        `| ${r.name} | ${r.summary.resources} | ${r.summary.seconds.toFixed(2)} | ${rate(r.summary)} | ${r.requests} |`,
    ),
    '',
    "Most of the time is the FHIR server's: the in-memory repository scans every resource of a type for each search (an empty Observation search over the 40 patients takes ~65 ms), which is why an incremental pass that finds nothing still takes seconds.",
    `Quarantined in the first sync: ${quarantined.length ? quarantined.map(([k, n]) => `${n} ${k}`).join('; ') : 'none'}.`,
    '',
  ].join('\n');
  const old = fs.existsSync(RESULTS) ? fs.readFileSync(RESULTS, 'utf8') : '# Benchmark results\n';
  const start = old.indexOf(heading);
  let text: string;
  if (start === -1) text = `${old.trimEnd()}\n\n${section}`;
  else {
    const next = old.indexOf('\n## ', start + heading.length);
    text = `${old.slice(0, start)}${section}${next === -1 ? '' : `\n${old.slice(next + 1)}`}`;
  }
  fs.writeFileSync(RESULTS, text);
  console.log(`Written to ${path.relative(process.cwd(), RESULTS)}`);
}

if (isMainThread) await main();
else await serveFhir(workerData as { files: string[] });
