import { describe, expect, it } from 'vitest';
import { isOperator } from './cognito';

function token(claims: Record<string, unknown>): string {
  const part = btoa(JSON.stringify(claims)).replace(/\+/g, '-').replace(/\//g, '_');
  return `e30.${part.replace(/=+$/, '')}.sig`;
}

describe('isOperator', () => {
  it('is true only when cognito:groups names the operators group', () => {
    expect(isOperator(token({ 'cognito:groups': ['operators'] }))).toBe(true);
    expect(isOperator(token({ 'cognito:groups': ['staff', 'operators'] }))).toBe(true);
    expect(isOperator(token({ 'cognito:groups': ['staff'] }))).toBe(false);
    expect(isOperator(token({ 'cognito:groups': 'operators' }))).toBe(false);
    expect(isOperator(token({ sub: 'x' }))).toBe(false);
  });

  it('is false without a token or with a broken one', () => {
    expect(isOperator(null)).toBe(false);
    expect(isOperator('not-a-jwt')).toBe(false);
  });
});
