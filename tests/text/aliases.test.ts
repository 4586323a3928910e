import { describe, expect, it } from 'vitest';
import { aliasesFromGroups, mineAliases } from '../../src/text/aliases.js';

const names = (groups: ReadonlyArray<ReadonlyArray<readonly string[]>>): string[][] => groups.map((g) => g.map((n) => n.join(' ')).sort()).sort();

describe('mineAliases', () => {
  it('finds "X, also called Y" and "X, additionally known as Y", both ways', () => {
    const aliases = mineAliases(['Anheihe, also called Heihe, is a city.', 'Beijing, also known as Peking, is a capital.']);
    expect(names(aliases.groups)).toEqual([['anheihe', 'heihe'], ['beijing', 'peking']]);
    expect(aliases.byLemma.get('heihe')).toEqual([['anheihe']]);
    expect(aliases.byLemma.get('anheihe')).toEqual([['heihe']]);
  });

  it('finds acronyms defined in parentheses, either way round', () => {
    const aliases = mineAliases(['The European Union (EU) trades. Smart city tech such as IoT (Internet of Things) is used. NASA (National Aeronautics and Space Administration) flew.']);
    expect(names(aliases.groups)).toEqual([
      ['eu', 'european union'],
      ['internet of thing', 'iot'],
      ['nasa', 'national aeronautics and space administration'],
    ]);
    expect(aliases.byLemma.get('eu')).toEqual([['european', 'union']]);
    expect(aliases.phrases.find((p) => p.lemmas.join(' ') === 'european union')?.others).toEqual([['eu']]);
  });

  it('ignores parentheses that define nothing and lower-case appositives', () => {
    const aliases = mineAliases(['He said (OK) it was fine (see below).', 'the river, also called the boundary, flows.', 'Heihe is a city on the Amur River.']);
    expect(aliases.groups).toEqual([]);
  });

  it('rebuilds the same lookups from stored groups', () => {
    const mined = mineAliases(['The European Union (EU) trades. Anheihe, also called Heihe, is a city.']);
    const rebuilt = aliasesFromGroups(mined.groups.map((g) => g.map((n) => [...n])));
    expect([...rebuilt.byLemma]).toEqual([...mined.byLemma]);
    expect(rebuilt.phrases).toEqual(mined.phrases);
  });
});
