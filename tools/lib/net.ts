import { createServer } from 'node:net';

/** A TCP port that was free a moment ago (the OS picks it); good enough for local tools. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether something already listens on 127.0.0.1:port. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** GET that answers 2xx within `timeoutMs`, used to detect a running system. */
export async function answers(url: string, timeoutMs = 1500): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return response.ok;
  } catch {
    return false;
  }
}

/** JSON request with a bounded wait; throws with method, URL and HTTP status (never the body we sent). */
export async function requestJson<T = unknown>(
  method: 'GET' | 'PUT' | 'POST' | 'DELETE',
  url: string,
  options: { body?: unknown; token?: string; timeoutMs?: number } = {},
): Promise<{ status: number; body: T | undefined }> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(url, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
  });
  const text = await response.text();
  return { status: response.status, body: parseOrUndefined<T>(text) };
}

function parseOrUndefined<T>(text: string): T | undefined {
  try {
    return text ? (JSON.parse(text) as T) : undefined;
  } catch {
    return undefined; // e.g. an HTML error page: the status code says enough
  }
}
