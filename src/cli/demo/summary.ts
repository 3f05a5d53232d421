import type { Output } from '../io.js';
import { printTable } from '../output.js';
import { formatBytes } from '../progress.js';

export interface DemoSummary {
  passed: boolean;
  seconds: number;
  server: string;
  job: string;
  jobStatus: string;
  firmware: { url: string; size: number; sha256: string };
  /** Why the watch stopped early, if it did. */
  stopped?: string | undefined;
  devices: Array<{ thingName: string; status: string; details: Record<string, string>; file?: string | undefined; verified: boolean; logFile: string }>;
  /** The temporary folder of kits, downloads and logs (removed at the end unless --keep). */
  workDir: string;
  keptIn?: string | undefined;
}

export function printSummary(out: Output, s: DemoSummary): void {
  const succeeded = s.devices.filter((d) => d.status === 'SUCCEEDED').length;
  const verified = s.devices.filter((d) => d.verified).length;
  out.write('\nSummary\n');
  out.write(`  server    ${s.server}\n`);
  out.write(`  firmware  ${s.firmware.url}  ${formatBytes(s.firmware.size)}  sha256 ${s.firmware.sha256}\n`);
  out.write(`  job       ${s.job}  ${s.jobStatus}  ${succeeded}/${s.devices.length} succeeded  ${verified}/${s.devices.length} verified\n`);
  if (s.stopped) out.write(`  stopped   ${s.stopped}\n`);
  printTable(
    out,
    ['  DEVICE', 'STATUS', 'SAME BYTES', 'FILE'],
    s.devices.map((d) => [`  ${d.thingName}`, d.status, d.verified ? 'yes' : 'NO', d.file ?? '(none)']),
  );
  if (s.keptIn) out.write(`  kits, downloads and logs kept in ${s.keptIn}\n`);
  out.write(
    s.passed
      ? `\nPASS: ${s.devices.length} device(s) downloaded the exact bytes through a presigned link in ${s.seconds.toFixed(1)} s.\n`
      : `\nFAIL: not every device succeeded with the exact bytes (${s.seconds.toFixed(1)} s).\n`,
  );
}
