import { describe, expect, test } from 'vitest';
import { publicMessage } from '../../src/server/errors-http.js';

describe('publicMessage', () => {
  test('file-system paths and stack frames never reach a client', () => {
    expect(publicMessage("ENOENT: no such file or directory, open '/srv/heihe/index/g-1/chunks.json'")).toBe("ENOENT: no such file or directory, open '<path>'");
    expect(publicMessage('EACCES C:\\Users\\me\\index\\CURRENT')).toBe('EACCES <path>');
    expect(publicMessage('boom\n    at Object.<anonymous> (/app/dist/src/x.js:1:2)')).toBe('boom');
  });

  test('a route named after its HTTP method stays readable', () => {
    expect(publicMessage('Unknown model "gpt-4": use "heihe-assistant" (GET /v1/models).')).toBe('Unknown model "gpt-4": use "heihe-assistant" (GET /v1/models).');
    expect(publicMessage('No route for POST /documents/a/b.')).toBe('No route for POST /documents/a/b.');
  });

  test('long messages are cut', () => {
    expect(publicMessage('x'.repeat(900))).toHaveLength(500);
  });
});
