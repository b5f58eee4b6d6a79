import type { RolloutRun } from './rollout-wave-run.js';
import { postQuarantineNotice } from './rollout-webhook.js';

/** The static thing group on AWS that holds the devices the migration gave up on, for the fleet team to look at. */
export const QUARANTINE_GROUP = 'iotmigrate-quarantine';

/**
 * The end of the straggler flow (AWS IoT Jobs' retry-then-quarantine pattern): every
 * device of the plan still rolled back after the retry waves goes into the quarantine
 * thing group on AWS, is marked quarantined with its last reason, and, with
 * `--notify-webhook`, is announced with a JSON POST. The group and the notice come
 * before the record, so a kill in between repeats them (adding to a group twice is a
 * no-op; a notice may be sent twice) rather than losing them. Nothing is deleted on AWS:
 * the device keeps running its old firmware there. Returns how many were quarantined.
 */
export async function quarantineStragglers(run: RolloutRun, options: { notifyWebhook: string | undefined }): Promise<number> {
  const { plan, store, emit, signal } = run.context;
  const inPlan = new Set(plan.identities.map((identity) => identity.deviceId));
  const stragglers = [...store.list({ states: ['rolled-back'] })].filter((record) => inPlan.has(record.deviceId));
  if (stragglers.length === 0) return 0;
  await run.jobs.ensureThingGroup(QUARANTINE_GROUP, 'Devices iotmigrate could not move to Azure IoT Hub: still on AWS on their old firmware; see iotmigrate report');
  for (const record of stragglers) {
    signal.throwIfAborted();
    const thingName = run.thingNames.get(record.deviceId) ?? record.deviceId;
    const reason = record.reason ?? 'rolled back';
    await run.jobs.addThingToGroup(QUARANTINE_GROUP, thingName);
    if (options.notifyWebhook) {
      const failure = await postQuarantineNotice(
        options.notifyWebhook,
        {
          type: 'device-quarantined',
          deviceId: record.deviceId,
          thingName,
          reason,
          wave: record.wave,
          attempts: record.rolloutAttempts,
          at: new Date(run.now()).toISOString(),
        },
        signal,
      );
      if (failure) {
        emit({ type: 'warning', code: 'webhook-failed', subject: record.deviceId, message: `the quarantine notice for ${record.deviceId} did not reach --notify-webhook: ${failure}` });
      }
    }
    store.record([{ deviceId: record.deviceId, event: { type: 'quarantined', reason } }]);
    emit({ type: 'device', deviceId: record.deviceId, state: 'quarantined', reason });
  }
  return stragglers.length;
}
