import type { Registry } from 'azure-iothub';
import type { ApplyStage } from '../apply/apply-stage.js';
import { UsageError } from '../errors.js';
import { rolloutOverridesProblem, type RolloutOverrides } from '../ota/rollout-settings.js';

/** apply's flags for the rollout stage, as commander hands them over (strings). */
export interface RolloutFlags {
  maxPerMinute?: string;
  abortFailurePercent?: string;
  notifyWebhook?: string;
  pollInterval?: string;
  retryCoolDown?: string;
}

/** The flags checked and turned into the run's overrides of plan.json's rollout. */
export function rolloutOverridesOf(flags: RolloutFlags): { overrides: RolloutOverrides; notifyWebhook: string | undefined } {
  const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
  const overrides: RolloutOverrides = {
    ...(flags.maxPerMinute !== undefined ? { maximumPerMinute: number(flags.maxPerMinute) } : {}),
    ...(flags.abortFailurePercent !== undefined ? { abortThresholdPercent: number(flags.abortFailurePercent) } : {}),
    ...(flags.retryCoolDown !== undefined ? { coolDownSeconds: number(flags.retryCoolDown) } : {}),
    ...(flags.pollInterval !== undefined ? { pollIntervalSeconds: number(flags.pollInterval) } : {}),
  };
  const problem = rolloutOverridesProblem(overrides);
  if (problem) throw new UsageError(problem);
  if (flags.notifyWebhook !== undefined && !/^https?:\/\/[^\s]+$/.test(flags.notifyWebhook)) {
    throw new UsageError(`--notify-webhook must be an http(s) URL, got "${flags.notifyWebhook}"`);
  }
  return { overrides, notifyWebhook: flags.notifyWebhook };
}

/**
 * The rollout stage with its real dependencies: the AWS IoT client from the standard
 * environment (AWS_REGION, credentials chain, AWS_ENDPOINT_URL_IOT), the hub's registry,
 * and the job document built from the bundle the bundle and upload stages recorded.
 * The SDKs load only when the stage runs. `close` ends the AWS client's sockets.
 */
export async function createRolloutStage(options: {
  hostName: string;
  registry: Registry;
  flags: ReturnType<typeof rolloutOverridesOf>;
}): Promise<{ stage: ApplyStage; close(): void }> {
  const [{ rolloutStage }, { hubDevicesOver }] = await Promise.all([import('../ota/rollout-stage.js'), import('../ota/rollout-hub-devices.js')]);
  const closers: Array<() => void> = [];
  const stage = rolloutStage({
    overrides: options.flags.overrides,
    notifyWebhook: options.flags.notifyWebhook,
    async cutover({ plan, store }) {
      const [{ cutoverJobDocumentForRun, plannedFirmware }, { renderCutoverJobDocument }] = await Promise.all([
        import('../apply/firmware-bundle-record.js'),
        import('../ota/cutover-job-document-for-plan.js'),
      ]);
      // Throws, naming the stage to run, when the bundle is not packed and uploaded for this plan.
      const document = cutoverJobDocumentForRun({ plan, store }, options.hostName, []);
      return {
        firmwareVersion: document.firmware.version,
        documentFor: (deviceIds) => renderCutoverJobDocument(cutoverJobDocumentForRun({ plan, store }, options.hostName, deviceIds)),
        presignRoleArn: plannedFirmware(plan.plan)?.presignRoleArn,
      };
    },
    async jobsFor({ signal, onThrottled }) {
      const [{ createAwsClients }, { rolloutJobsOver }] = await Promise.all([import('../detect/create-aws-clients.js'), import('../ota/rollout-aws-jobs.js')]);
      const aws = await createAwsClients({ maxSockets: 16 });
      closers.push(() => aws.destroy());
      return rolloutJobsOver(aws.iot, { signal, onThrottled, endpoint: aws.controlEndpointShown });
    },
    hubFor: ({ signal, onThrottled }) => hubDevicesOver(options.registry, { signal, onThrottled, hostName: options.hostName }),
  });
  return { stage, close: () => closers.forEach((close) => close()) };
}
