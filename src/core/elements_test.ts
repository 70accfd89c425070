import { describe, expect, it } from 'vitest';
import { atomicNumber, elementFromLabel, elementSymbol, MAX_ATOMIC_NUMBER } from './elements.js';
import { InputError } from './errors.js';

describe('elements', () => {
  it('maps symbols to atomic numbers and back', () => {
    expect(atomicNumber('H')).toBe(1);
    expect(atomicNumber('C')).toBe(6);
    expect(atomicNumber('Si')).toBe(14);
    expect(atomicNumber('Fe')).toBe(26);
    expect(atomicNumber('Cd')).toBe(48);
    expect(atomicNumber('au')).toBe(79);
    expect(atomicNumber('U')).toBe(92);
    expect(MAX_ATOMIC_NUMBER).toBe(118);
    for (let z = 1; z <= MAX_ATOMIC_NUMBER; z++) expect(atomicNumber(elementSymbol(z))).toBe(z);
  });

  it('strips CIF site suffixes and charges', () => {
    expect(elementFromLabel('Fe1')).toBe('Fe');
    expect(elementFromLabel('O2-')).toBe('O');
    expect(elementFromLabel('SE1')).toBe('Se');
    expect(elementFromLabel('Co3+')).toBe('Co');
  });

  it('rejects unknown symbols and atomic numbers', () => {
    expect(() => atomicNumber('Xx')).toThrow(InputError);
    expect(() => atomicNumber('Xx')).toThrow(/unknown element symbol "Xx"/);
    expect(() => elementSymbol(0)).toThrow(RangeError);
    expect(() => elementSymbol(119)).toThrow(/\[1, 118\]/);
    expect(() => elementFromLabel('123')).toThrow(InputError);
  });
});
