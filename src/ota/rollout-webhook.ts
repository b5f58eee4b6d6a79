/**
 * The quarantine notice for `--notify-webhook`: one JSON POST per quarantined device, so
 * a team's chat or ticketing picks it up. Best effort by design: a webhook that is down
 * must not hold the migration, so a failure is returned as a message for a warning.
 */
export interface QuarantineNotice {
  type: 'device-quarantined';
  deviceId: string;
  thingName: string;
  reason: string;
  wave: number | null;
  attempts: number;
  at: string;
}

const TIMEOUT_MS = 10_000;

export async function postQuarantineNotice(url: string, notice: QuarantineNotice, signal: AbortSignal): Promise<string | undefined> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(notice),
      signal: AbortSignal.any([signal, AbortSignal.timeout(TIMEOUT_MS)]),
    });
    // The body is not needed; reading it frees the connection.
    await response.arrayBuffer();
    return response.ok ? undefined : `HTTP ${response.status}`;
  } catch (error) {
    signal.throwIfAborted();
    return (error as Error).message;
  }
}
