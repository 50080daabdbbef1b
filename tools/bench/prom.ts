/**
 * The few Prometheus series the bench reads from each app's /metrics (prom-client's default process
 * metrics): CPU the process reports about itself, and its resident memory.
 */
export interface SelfReport {
  cpuUserSeconds: number;
  cpuSystemSeconds: number;
  residentBytes?: number;
}

/** The value of the first sample of `name` (any labels) in a text exposition, if present. */
export function sampleValue(text: string, name: string): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue; // a longer name with this prefix
    const value = Number(
      rest
        .replace(/^\{[^}]*\}/, '')
        .trim()
        .split(/\s+/)[0],
    );
    if (Number.isFinite(value)) return value;
  }
  return undefined;
}

export function parseSelfReport(text: string): SelfReport | undefined {
  const user = sampleValue(text, 'process_cpu_user_seconds_total');
  const system = sampleValue(text, 'process_cpu_system_seconds_total');
  if (user === undefined || system === undefined) return undefined;
  const resident = sampleValue(text, 'process_resident_memory_bytes');
  return {
    cpuUserSeconds: user,
    cpuSystemSeconds: system,
    ...(resident === undefined ? {} : { residentBytes: resident }),
  };
}

export async function scrapeSelfReport(
  metricsUrl: string,
  timeoutMs = 3000,
): Promise<SelfReport | undefined> {
  try {
    const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return undefined;
    return parseSelfReport(await response.text());
  } catch {
    return undefined;
  }
}
