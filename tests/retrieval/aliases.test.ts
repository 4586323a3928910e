import { describe, expect, it } from 'vitest';
import { expandWithAliases, mineAliases } from '../../src/retrieval/aliases.js';

describe('mineAliases', () => {
  it('finds "X, also called Y" and "X, additionally known as Y", both ways', () => {
    const aliases = mineAliases(['Anheihe, also called Heihe, is a city.', 'Peking, formerly known as Beijing? No: Beijing, also known as Peking, is a capital.']);
    expect([...(aliases.get('anheihe') ?? [])]).toEqual(['heihe']);
    expect([...(aliases.get('heihe') ?? [])]).toEqual(['anheihe']);
    expect(aliases.get('beijing')?.has('peking')).toBe(true);
  });

  it('ignores lower-case words and texts without appositives', () => {
    const aliases = mineAliases(['the river, also called the boundary, flows.', 'Heihe is a city on the Amur River.']);
    expect(aliases.size).toBe(0);
  });
});

describe('expandWithAliases', () => {
  it('appends the other names of names in the query', () => {
    const aliases = mineAliases(['Anheihe, also called Heihe, is a city.']);
    expect(expandWithAliases('How many people live in Heihe?', aliases)).toBe('How many people live in Heihe? anheihe');
    expect(expandWithAliases('What is the climate?', aliases)).toBe('What is the climate?');
  });
});
