import { describe, expect, it } from 'vitest';
import { errorText } from './error-text.js';

describe('errorText', () => {
  it('says what went wrong whatever was thrown', () => {
    expect(errorText(new Error('refused'))).toBe('refused');
    expect(errorText(Object.assign(new Error(''), { error_name: 'AWS_IO_SOCKET_TIMEOUT' }))).toBe('AWS_IO_SOCKET_TIMEOUT');
    expect(errorText({ error_name: 'AWS_ERROR_MQTT_UNEXPECTED_HANGUP' })).toBe('AWS_ERROR_MQTT_UNEXPECTED_HANGUP');
    expect(errorText(undefined)).toBe('undefined');
  });
});
