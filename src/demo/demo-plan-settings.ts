import { fileURLToPath } from 'node:url';
import { DEFAULT_SIZING_ASSUMPTIONS, type PlanOptions } from '../plan/build-plan.js';
import { DEFAULT_ROLLOUT_LIMITS } from '../plan/rollout-limits.js';

/**
 * The firmware the demo's fleet runs, rewritten by plan: the package ships `fixtures/`
 * (package.json "files"), and this path is the same from src/ (tests) and dist/.
 */
export const DEMO_FIRMWARE_REPO = fileURLToPath(new URL('../../fixtures/firmware-repos/thermostat-v2', import.meta.url));

/**
 * The fleet runs 1.0.x and 1.1.0 on AWS (the sandbox seeds a mix, as a real fleet has);
 * the firmware for IoT Hub is released as 2.0.0, as a vendor would number it, so the
 * report reads as an upgrade (the plan's default, `<package.json version>-azure`, would
 * be 1.0.0-azure here, older-looking than a device's 1.1.0).
 */
export const DEMO_FIRMWARE_RELEASE = { version: '2.0.0' } as const;

/**
 * Plan settings for a demo that finishes while someone watches: a small canary then
 * waves four times bigger (three waves for 100 devices), AWS's fastest rollout rate,
 * and retries after a few seconds rather than the production default of five minutes.
 * The update agent's IoT Hub timeout stays generous enough for a busy 2-core machine.
 */
export const DEMO_PLAN_SETTINGS: PlanOptions = {
  ...DEFAULT_SIZING_ASSUMPTIONS,
  caVerified: false,
  waves: { canaryPercent: 5, canaryMinimum: 5, growthFactor: 4, maximumWaveSize: 10_000 },
  rollout: {
    ...DEFAULT_ROLLOUT_LIMITS,
    maximumPerMinute: 1_000,
    inProgressTimeoutMinutes: 5,
    numberOfRetries: 1,
    retryWaves: 1,
    retryCoolDownSeconds: 3,
    azureConnectTimeoutSeconds: 60,
  },
};

/** The rollout's watch loop checks both clouds every second: demo waves last seconds, not hours. */
export const DEMO_POLL_INTERVAL_SECONDS = 1;
