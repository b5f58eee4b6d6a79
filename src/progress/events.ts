import { z } from 'zod';

/**
 * The progress event stream. detect, plan, apply and the sandbox emit these; the
 * reporters (NDJSON, text, and the TUI later) only ever read them, so anything a
 * reporter shows must be derivable from this union.
 */
export const StageSchema = z.enum(['sandbox', 'seed', 'detect', 'scan', 'plan', 'rewrite', 'apply', 'identities', 'bundle', 'upload', 'rollout']);
export type Stage = z.infer<typeof StageSchema>;

export const ProgressEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('stage'),
    stage: StageSchema,
    status: z.enum(['started', 'finished']),
    /** A short human title, e.g. "Reading AWS IoT estate". */
    title: z.string().optional(),
  }),
  z.object({
    type: z.literal('progress'),
    stage: StageSchema,
    /** What is counted: "things", "certificates", "principals", ... */
    resource: z.string(),
    done: z.number().int().nonnegative(),
    total: z.number().int().nonnegative().optional(),
    /** Items per second over the last window. */
    ratePerSecond: z.number().nonnegative().optional(),
  }),
  z.object({
    type: z.literal('throttled'),
    stage: StageSchema,
    operation: z.string(),
    retryInMs: z.number().nonnegative(),
  }),
  z.object({
    type: z.literal('warning'),
    code: z.string(),
    message: z.string(),
    subject: z.string().optional(),
  }),
  z.object({
    type: z.literal('log'),
    level: z.enum(['info', 'debug']),
    message: z.string(),
  }),
  z.object({
    type: z.literal('result'),
    command: z.string(),
    /** The file or directory the command produced, when it produced one. */
    path: z.string().optional(),
    lines: z.array(z.string()),
  }),
  z.object({
    /**
     * One rollout wave of apply (canary, the growing waves, then retry waves for
     * stragglers): emitted when it starts, as its devices move, and when it ends.
     */
    type: z.literal('wave'),
    wave: z.number().int().positive(),
    /** "canary", "wave-2", ..., "retry-1". */
    name: z.string(),
    status: z.enum(['running', 'paused', 'finished', 'stopped']),
    /** The AWS IoT job carrying this wave, once created. */
    jobId: z.string().optional(),
    devices: z.number().int().nonnegative(),
    /** Devices of this wave per state (the state machine's names: job-queued, downloading, ..., verified, rolled-back, quarantined). */
    counts: z.record(z.string(), z.number().int().nonnegative()),
    /** Verified among the wave's devices that finished, in percent; null before any finished. */
    successPercent: z.number().min(0).max(100).nullable(),
    /** A wave whose failure rate exceeds this stops the rollout. */
    abortThresholdPercent: z.number().min(0).max(100),
    /** The AWS IoT Jobs rollout cap the wave runs under (executions started per minute). */
    maximumPerMinute: z.number().int().positive(),
    /** Why the wave (and the rollout) stopped, for status "stopped". */
    reason: z.string().optional(),
  }),
  z.object({
    /** A device that left the happy path: rolled back to AWS, or quarantined there. */
    type: z.literal('device'),
    deviceId: z.string(),
    state: z.enum(['rolled-back', 'quarantined']),
    reason: z.string(),
  }),
  z.object({
    type: z.literal('error'),
    message: z.string(),
    hint: z.string().optional(),
    exitCode: z.number().int(),
  }),
  z.object({
    /** The last line of every run, also a failed one. */
    type: z.literal('summary'),
    command: z.string(),
    durationMs: z.number().nonnegative(),
    exitCode: z.number().int(),
    /** The devices the run concerned: detect's things, plan's planned identities, apply's devices in the state store. */
    devices: z.number().int().nonnegative(),
    /** On IoT Hub with the new firmware, confirmed on both clouds. */
    verified: z.number().int().nonnegative(),
    /** Back on AWS on their old firmware, with a reason; a later run or retry wave takes them again. */
    rolledBack: z.number().int().nonnegative(),
    /** Out of retries: left on AWS in the quarantine thing group, with a reason. */
    quarantined: z.number().int().nonnegative(),
    /** Devices this run could not take further (plan: things it cannot migrate; apply: devices a stage failed). */
    failed: z.number().int().nonnegative(),
    /** Everything else the command counted, named by the command ("things", "identities.created", "devices.verified", ...). */
    counts: z.record(z.string(), z.number()),
  }),
]);
export type ProgressEvent = z.infer<typeof ProgressEventSchema>;

export type EmitProgress = (event: ProgressEvent) => void;

export function eventsJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ProgressEventSchema, { target: 'draft-2020-12' }) as Record<string, unknown>;
}
