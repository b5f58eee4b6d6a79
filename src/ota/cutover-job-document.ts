import { z } from 'zod';

/**
 * The AWS IoT job document of a cutover wave: the contract between `iotmigrate apply`,
 * which writes it into each wave's job, and the update agent on every device (the
 * simulated fleet in sim-devices/ reads it with this very schema). One document serves
 * a whole wave, so it holds nothing per device except the rare device ID that differs
 * from the thing name; AWS caps a job document at 32 KB.
 */
export const CUTOVER_OPERATION = 'iotmigrate-cutover';

export const CutoverJobDocumentSchema = z.object({
  operation: z.literal(CUTOVER_OPERATION),
  schemaVersion: z.literal(1),
  firmware: z.object({
    /** The version the new firmware reports (twin `properties.reported.firmwareVersion`). */
    version: z.string().min(1),
    /**
     * HTTPS URL of the bundle (tar.gz of plan/firmware/). In the job as created it is
     * `${aws:iot:s3-presigned-url:https://s3.<region>.amazonaws.com/<bucket>/<key>}`;
     * AWS IoT hands each device a presigned URL in its place.
     */
    url: z.string().min(1),
    /** Lower-case hex SHA-256 of the bundle bytes. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    size: z.number().int().positive(),
    /** Base64 ed25519 signature of the bundle bytes. */
    signature: z.string().min(1),
    /** Which code-signing key signed it: lower-case hex SHA-256 of the public key's SPKI DER. */
    signingKeyId: z.string().regex(/^[0-9a-f]{64}$/),
    /** The module inside the bundle that exports `start(options)`, e.g. `src/main.ts`. */
    entryPoint: z.string().min(1),
  }),
  azure: z.object({
    /** The IoT Hub host name the new firmware connects to (MQTT on 8883). */
    hostName: z.string().min(1),
    /** Thing name → Azure device ID, only where they differ; any other device keeps its AWS client ID. */
    deviceIds: z.record(z.string(), z.string()).default({}),
  }),
  /**
   * How long the agent waits for the new firmware to connect to IoT Hub and report its
   * version before it boots the old slot again and reports FAILED.
   */
  connectTimeoutSeconds: z.number().int().positive(),
});
export type CutoverJobDocument = z.infer<typeof CutoverJobDocumentSchema>;

/**
 * The steps the agent reports in the job execution's statusDetails (`step`, with
 * `reason` on a failure or rejection), so apply and an operator watching the AWS
 * console both see where each device is.
 */
export const CUTOVER_STEPS = ['downloading', 'verifying', 'installing', 'connecting-azure', 'switched', 'rolled-back', 'rejected'] as const;
export type CutoverStep = (typeof CUTOVER_STEPS)[number];

export interface CutoverStatusDetails {
  step: CutoverStep;
  reason?: string;
  /** The firmware version now running (on `switched` the new one, on `rolled-back` the old one). */
  firmwareVersion?: string;
}
