import { describe, expect, it } from 'vitest';
import { unknownVariables } from './vocabulary';

describe('unknownVariables', () => {
  it('names each brace pair that is not a variable, once, in the order written', () => {
    expect(unknownVariables('{number}: go to {room}, then {bed} and {room} again')).toEqual(['room', 'bed']);
  });

  it('finds nothing in a text that uses only variables, or none', () => {
    expect(unknownVariables('{number}: please go to {counter} ({department}, {clinic}) {statusUrl} {minutes}')).toEqual([]);
    expect(unknownVariables('Please come to the desk.')).toEqual([]);
  });

  it('is case-sensitive and counts an empty pair as unknown, as the server does', () => {
    expect(unknownVariables('{Number} {}')).toEqual(['Number', '']);
  });
});
