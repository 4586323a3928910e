/** What a stored vector must be (finite, unit length, the right count), and normalising a model's vectors for storing. */
import { expect, test } from 'vitest';
import { isUnitRow, unitVector, vectorsProblem } from '../../src/index-store/vectors.js';

const rows = (...vs: number[][]): Float32Array => Float32Array.from(vs.flat());

test('finite unit rows pass; NaN, Infinity, zeros and wrong lengths do not', () => {
  const ok = rows([1, 0], [0.6, 0.8]);
  expect(vectorsProblem(ok, 2, 2)).toBeNull();
  expect(isUnitRow(rows([Number.NaN, 0]), 2, 0)).toBe(false);
  expect(isUnitRow(rows([Number.POSITIVE_INFINITY, 0]), 2, 0)).toBe(false);
  expect(isUnitRow(rows([0, 0]), 2, 0)).toBe(false);
  expect(isUnitRow(rows([2, 0]), 2, 0)).toBe(false);
  expect(isUnitRow(ok, 2, 2)).toBe(false); // past the end
  expect(vectorsProblem(rows([1, 0], [0, Number.NaN]), 2, 2)).toBe('vector 1 is not finite and of unit length');
  expect(vectorsProblem(ok, 2, 3)).toBe('holds 4 numbers, expected 3 vectors of 2');
});

test('a model vector is normalised for storing, or refused when it cannot be', () => {
  expect(Array.from(unitVector([3, 4], 2) ?? [])).toEqual([0.6000000238418579, 0.800000011920929]);
  expect(unitVector([0, 0], 2)).toBeNull();
  expect(unitVector([1, Number.NaN], 2)).toBeNull();
  expect(unitVector([1, 0, 0], 2)).toBeNull();
});
