import { describe, expect, it } from 'vitest';
import { certificate, manifestWith, thing } from './manifest.fixture.js';
import { planIdentities } from './plan-identities.js';

describe('planIdentities', () => {
  it('uses the client ID as the device ID and tags parent groups too', () => {
    const cert = certificate('c1', { subjectCommonName: 'dev-1', things: ['thing-1'] });
    const plan = planIdentities(
      manifestWith({
        things: [thing('thing-1', { clientId: 'dev-1', certificateIds: ['c1'], groups: ['site-berlin'] })],
        certificates: [cert],
        thingGroups: [
          { kind: 'static', groupName: 'site-berlin', groupArn: 'g1', parentGroupName: 'all-sites', description: null, attributes: {}, members: ['thing-1'] },
          { kind: 'static', groupName: 'all-sites', groupArn: 'g2', parentGroupName: null, description: null, attributes: {}, members: [] },
        ],
      }),
    );
    expect(plan.notMigrated).toEqual([]);
    expect(plan.identities).toHaveLength(1);
    expect(plan.identities[0]).toMatchObject({
      deviceId: 'dev-1',
      thingName: 'thing-1',
      authentication: { type: 'selfSigned', primaryThumbprint: cert.thumbprints.sha256 },
      flags: [],
      twin: { tags: { groups: { 'all-sites': true, 'site-berlin': true } } },
    });
  });

  it('leaves out, with the reason, client IDs Azure rejects or several things share', () => {
    const plan = planIdentities(
      manifestWith({
        things: [
          thing('a', { clientId: 'has space' }),
          thing('b', { clientId: 'x'.repeat(129) }),
          thing('c', { clientId: 'twin' }),
          thing('d', { clientId: 'twin' }),
          thing('e', { clientId: "ok:-.+%_#*?!(),=@;$'" }),
        ],
      }),
    );
    expect(plan.identities.map((identity) => identity.deviceId)).toEqual(["ok:-.+%_#*?!(),=@;$'"]);
    expect(plan.notMigrated.map((entry) => [entry.subject, entry.reason])).toEqual([
      ['a', 'device-id-rejected'],
      ['b', 'device-id-rejected'],
      ['c', 'device-id-duplicate'],
      ['d', 'device-id-duplicate'],
      ['e', 'no-active-certificate'],
    ]);
    expect(plan.notMigrated[0]!.message).toContain('" "');
    expect(plan.notMigrated[1]!.message).toContain('129 characters');
    expect(plan.notMigrated[2]!.message).toContain('things c, d all connect as client ID "twin"');
  });

  it('creates an identity with SAS for a thing without an ACTIVE certificate, and keeps it out of the rollout', () => {
    const plan = planIdentities(manifestWith({ things: [thing('lonely')] }));
    expect(plan.identities[0]).toMatchObject({ deviceId: 'lonely', authentication: { type: 'sas' }, certificates: [], flags: ['no-active-certificate'] });
    expect(plan.notMigrated[0]).toMatchObject({ subject: 'lonely', reason: 'no-active-certificate', message: expect.stringContaining('0600') });
  });

  it('sorts identities by device ID, whatever the thing order', () => {
    const plan = planIdentities(manifestWith({ things: [thing('b', { clientId: 'z' }), thing('a', { clientId: 'y' })] }));
    expect(plan.identities.map((identity) => identity.deviceId)).toEqual(['y', 'z']);
  });
});
