// Reads from the matcher this page is served by.

const TIMEOUT_MS = 5000;

export async function getJSON(path, params = {}) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined) url.searchParams.set(key, String(value));
  }
  const response = await fetch(url, {
    cache: "no-store",
    headers: { accept: "application/json" },
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (!response.ok) {
    let detail = "";
    try {
      const body = await response.json();
      detail = body?.error?.message ?? body?.detail ?? "";
    } catch {
      // not JSON: the status says enough
    }
    throw new Error(`${url.pathname}: HTTP ${response.status} ${detail}`.trim());
  }
  return response.json();
}
