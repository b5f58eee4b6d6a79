import { ts } from 'ts-morph';
import type { RewriteConstruct } from '../../report/rewrite-report.js';
import { siteStatementOf } from '../../edits/statement-edits.js';
import type { AnalysedFile, FileEdits } from '../transform.js';
import { readFileText, type X509Material } from './azure-code.js';

/**
 * What one AWS connection setting becomes. The four connection transforms (v1, v2
 * MQTT 3, v2 MQTT 5, mqtt.js) name their settings differently; each maps its names to
 * these roles and this module decides, in one place, what the Azure client gets and
 * what the report says.
 */
export type SettingRole =
  | 'device-id'
  | 'host'
  | 'cert'
  | 'key'
  | 'cert-path'
  | 'key-path'
  | 'passphrase'
  | 'ca'
  | 'port'
  | 'keep-alive'
  | 'clean-session'
  | 'reconnect-timing'
  | 'offline-queue'
  | 'resubscribe'
  | 'protocol-version'
  | 'reject-unauthorized'
  | 'alpn'
  | 'will'
  | 'custom-auth'
  | 'websockets'
  | 'http-proxy'
  | 'hardware-key'
  | 'aws-only'
  | 'session-expiry'
  | 'unknown';

interface Outcome {
  action: 'rewritten' | 'todo';
  construct: RewriteConstruct;
  note: string;
}

const DIGICERT_NOTE =
  "The AWS root CA is no longer passed: IoT Hub's server certificate chains to DigiCert Global Root G2, which Node.js trusts by default. For a hub behind a private CA or a local IoT Hub emulator, set NODE_EXTRA_CA_CERTS or pass `ca` to client.setOptions().";

/** The Azure side of a setting, given its source text (`options.port`, `30`). */
function outcomeOf(role: SettingRole, name: string, value: string): Outcome | undefined {
  const rewritten = (note: string): Outcome => ({ action: 'rewritten', construct: 'connection-option', note });
  const todo = (note: string, construct: RewriteConstruct = 'connection-option'): Outcome => ({ action: 'todo', construct, note });
  switch (role) {
    case 'host':
      return value.includes('amazonaws.com')
        ? todo(
            `The AWS IoT endpoint is written into the code (${value}): replace it with the IoT Hub host name (<hub>.azure-devices.net), best read from the IOTHUB_HOSTNAME environment variable.`,
            'endpoint-config',
          )
        : undefined;
    case 'device-id':
    case 'cert':
    case 'key':
    case 'cert-path':
    case 'key-path':
    case 'passphrase':
      return undefined;
    case 'ca':
      return rewritten(DIGICERT_NOTE);
    case 'port':
      return value === '443'
        ? todo(
            'Port 443 was used (ALPN) to get past firewalls that block 8883. IoT Hub serves MQTT on 443 only over WebSockets: if 8883 is blocked where this device runs, use MqttWs from azure-iot-device-mqtt instead of Mqtt.',
            'websockets',
          )
        : rewritten(
            `The port (${value}) is no longer used: IoT Hub takes MQTT on 8883. A local IoT Hub emulator on another port is reached by giving the host name as host:port.`,
          );
    case 'keep-alive':
      return rewritten(
        `Keep-alive ${value} s is not carried over: the Azure SDK pings every 180 s. To keep ${value} s, call client.setOptions({ keepalive: ${value} }) before open().`,
      );
    case 'clean-session':
      return rewritten(
        "IoT Hub keeps the device's MQTT session (the Azure SDK connects with clean session off): cloud-to-device messages queued while the device was offline arrive when it reconnects.",
      );
    case 'reconnect-timing':
      return rewritten(
        `${name} is not carried over: the Azure SDK reconnects and retries operations with exponential back-off and jitter; client.setRetryPolicy() changes that.`,
      );
    case 'offline-queue':
      return rewritten(
        `${name} is not carried over: the Azure SDK does not queue sends while offline; sendEvent() waits for the connection and retries under the retry policy.`,
      );
    case 'resubscribe':
      return rewritten(`${name}: the Azure SDK enables cloud-to-device messages, methods and twin updates again by itself after a reconnect.`);
    case 'protocol-version':
      return rewritten(`${name} ${value}: the Azure SDK speaks MQTT 3.1.1 to IoT Hub.`);
    case 'reject-unauthorized':
      return rewritten(`${name} cannot be set on the Azure SDK; trust a private CA with NODE_EXTRA_CA_CERTS instead.`);
    case 'alpn':
      return todo(
        'ALPN (x-amzn-mqtt-ca) let MQTT through port 443. IoT Hub serves MQTT on 443 only over WebSockets: if 8883 is blocked, use MqttWs from azure-iot-device-mqtt instead of Mqtt.',
        'websockets',
      );
    case 'will':
      return todo(
        "Last will: the Azure device SDK sends none. IoT Hub reports disconnections itself: route the DeviceDisconnected events (Event Grid) or read the registry's connectionState where the cloud watched the will topic.",
      );
    case 'custom-auth':
      return todo(
        `${name} belongs to an AWS custom authorizer. IoT Hub authenticates devices with X.509 (this device's certificate, registered by thumbprint or CA) or with SAS tokens (Client.fromConnectionString('HostName=…;DeviceId=…;SharedAccessKey=…', Mqtt)); choose one and drop the authorizer token.`,
        'custom-auth',
      );
    case 'websockets':
      return todo(
        `${name}: MQTT over WebSockets signed with AWS SigV4 credentials has no IoT Hub counterpart. Authenticate with X.509 (the device's certificate) or a SAS key, and use MqttWs from azure-iot-device-mqtt where only port 443 is open.`,
        'websockets',
      );
    case 'http-proxy':
      return todo(
        `${name}: the Azure SDK reaches IoT Hub through an HTTP proxy only over WebSockets: use MqttWs and client.setOptions({ mqtt: { webSocketAgent } }) with a proxy agent.`,
      );
    case 'hardware-key':
      return todo(
        `${name}: the Azure SDK takes the certificate and key as PEM (cert, key, passphrase). Export them from the token or store, or move to DPS with TPM attestation (azure-iot-security-tpm).`,
      );
    case 'aws-only':
      return rewritten(`${name} is an AWS SDK setting with no Azure counterpart; dropped.`);
    case 'session-expiry':
      return rewritten(`${name} is not carried over: IoT Hub keeps a device's session and queued cloud-to-device messages until they expire on the hub.`);
    case 'unknown':
      return todo(`Connection setting ${name} (${value}) has no mapping to the Azure client: check whether the device needs an equivalent.`);
  }
}

/** Roles that stop the connection being built with X.509 when there is no certificate. */
const AUTH_ROLES: ReadonlySet<SettingRole> = new Set(['custom-auth', 'websockets', 'hardware-key']);

/**
 * Gathers one AWS connection's settings, then writes the X.509 client material and the
 * findings. Settings given twice (a builder called twice) keep the last value, as the
 * SDKs do.
 */
export class ConnectionSettings {
  private readonly values = new Map<SettingRole, { node: ts.Node; text: string }>();
  /** Settings with something to report, by role: several names of one role share one finding. */
  private readonly reported = new Map<SettingRole, { node: ts.Node; names: string[]; text: string }>();

  constructor(private readonly file: AnalysedFile) {}

  set(role: SettingRole, name: string, node: ts.Node, value: ts.Node | string): void {
    const text = typeof value === 'string' ? value : value.getText(this.file.sourceFile);
    this.values.set(role, { node, text });
    if (outcomeOf(role, name, text) === undefined) return;
    const existing = this.reported.get(role);
    // `unknown` settings are unrelated to each other: each gets its own finding.
    if (existing === undefined || role === 'unknown') this.reported.set(role === 'unknown' ? (`unknown:${name}` as SettingRole) : role, { node, names: [name], text });
    else if (!existing.names.includes(name)) existing.names.push(name);
  }

  private outcomesOf(auth: boolean): Array<{ node: ts.Node; outcome: Outcome }> {
    const found: Array<{ node: ts.Node; outcome: Outcome }> = [];
    for (const [key, { node, names, text }] of this.reported) {
      const role = (key.startsWith('unknown:') ? 'unknown' : key) as SettingRole;
      if (AUTH_ROLES.has(role) !== auth) continue;
      const outcome = outcomeOf(role, names.join(', '), text);
      if (outcome !== undefined) found.push({ node, outcome });
    }
    return found;
  }

  has(role: SettingRole): boolean {
    return this.values.has(role);
  }

  /**
   * The X.509 material for the Azure client, or why there is none. Without a client
   * certificate the device authenticated in a way IoT Hub does not offer, and the
   * connection cannot be rewritten without a decision.
   */
  material(): { material: X509Material } | { blockers: Array<{ node: ts.Node; outcome: Outcome }> } {
    const cert = this.values.get('cert')?.text ?? this.pathRead('cert-path');
    const key = this.values.get('key')?.text ?? this.pathRead('key-path');
    if (cert === undefined || key === undefined) {
      const blockers = this.outcomesOf(true);
      if (blockers.length > 0) return { blockers };
      return { blockers: [] };
    }
    const passphrase = this.values.get('passphrase')?.text;
    return {
      material: {
        deviceId: this.values.get('device-id')?.text ?? "''",
        host: this.values.get('host')?.text ?? "''",
        cert,
        key,
        ...(passphrase === undefined ? {} : { passphrase }),
      },
    };
  }

  /** Writes the findings of every setting, plus TODOs for a missing device ID or host. */
  report(edits: FileEdits, connectionNode: ts.Node): void {
    // TODOs go above the statement that now makes the Azure client, where the developer looks.
    const site = siteStatementOf(connectionNode);
    for (const { node, outcome } of [...this.outcomesOf(false), ...this.outcomesOf(true)]) {
      if (outcome.action === 'todo') edits.todo(node, outcome.construct, outcome.note, { site });
      else edits.rewritten(node, outcome.construct, outcome.note);
    }
    if (!this.values.has('device-id')) {
      edits.todo(
        connectionNode,
        'connection',
        "No client ID was set, so AWS made one up per connection. IoT Hub needs the device's registered ID: replace '' with it (the thing name the device is registered under).",
        { site },
      );
    }
    if (!this.values.has('host')) {
      edits.todo(connectionNode, 'connection', "No AWS endpoint was set here: replace '' with the IoT Hub host name (<hub>.azure-devices.net), e.g. from IOTHUB_HOSTNAME.", {
        site,
      });
    }
  }

  describe(): string {
    const deviceId = this.values.get('device-id')?.text ?? "''";
    const host = this.values.get('host')?.text ?? "''";
    const certSource = this.values.has('cert-path') ? "the device's own certificate and key files" : "the device's own certificate and key";
    return `device ID ${deviceId} (the client ID it used on AWS), IoT Hub host name ${host} (where the AWS endpoint came from), X.509 authentication with ${certSource}`;
  }

  private pathRead(role: 'cert-path' | 'key-path'): string | undefined {
    const path = this.values.get(role);
    return path === undefined ? undefined : readFileText(this.file, path.text);
  }
}
