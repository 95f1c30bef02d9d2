import { evaluateMetricMath, MetricMathError, parseMetricMath } from './metric-math';

/** Evaluates `source` with the given ids (undefined: no datapoint). */
const ev = (source: string, inputs: Record<string, number | undefined> = {}) =>
  evaluateMetricMath(parseMetricMath(source), new Map(Object.entries(inputs)));

describe('metric-math evaluator (one period of CloudWatch metric math)', () => {
  test.each([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['12 / 3 / 2', 2],
    ['2 * 9 / 4', 4.5],
    ['-2 * 3 + 10', 4],
    ['1 + 2 >= 3', 1],
    ['1 + 2 > 3', 0],
    ['2 * 5 == 10', 1],
    ['2 * 5 != 10', 0],
    ['3 < 2 + 2', 1],
    ['4 <= 2 * 2', 1],
    ['0.05 * 1000 >= 50', 1],
    ['1e3 == 1000', 1],
  ])(
    'GIVEN %s WHEN evaluated THEN arithmetic binds tighter than comparison, left to right: %d',
    (source, want) => {
      expect(ev(source)).toBe(want);
    },
  );

  test.each([
    ['1 > 0 AND 2 > 1', 1],
    ['1 > 0 AND 2 < 1', 0],
    ['1 > 0 && 2 > 1', 1],
    ['1 < 0 OR 2 < 1', 0],
    ['1 < 0 OR 2 > 1', 1],
    ['1 < 0 || 2 > 1', 1],
    ['1 > 0 AND 1 > 0 AND 1 < 0', 0],
    ['(1 < 0 AND 1 > 0) OR 1 > 0', 1],
    ['1 < 0 AND (1 > 0 OR 1 > 0)', 0],
  ])('GIVEN %s WHEN evaluated THEN comparisons and AND/OR yield 1/0: %d', (source, want) => {
    expect(ev(source)).toBe(want);
  });

  test.each([
    ['IF(1 > 0, 7, 9)', 7],
    ['IF(1 < 0, 7, 9)', 9],
    ['IF(-3, 7, 9)', 7],
    ['IF(0, 7, 9)', 9],
    ['IF(x > 1, x, 1)', 1],
    ['IF(IF(1 > 0, 0, 1), 7, 9)', 9],
  ])(
    'GIVEN %s WHEN evaluated THEN IF picks by condition (0 false, anything else true): %d',
    (source, want) => {
      expect(ev(source, { x: 0.5 })).toBe(want);
    },
  );

  test('GIVEN an absent datapoint WHEN filled THEN it reads as the filler, a present one as itself', () => {
    expect(ev('FILL(a, 0)', { a: undefined })).toBe(0);
    expect(ev('FILL(a, 1) == 0', { a: undefined })).toBe(0);
    expect(ev('FILL(a, 1) == 0', { a: 0 })).toBe(1);
    expect(ev('FILL(a, -1)', { a: 4 })).toBe(4);
    expect(ev('FILL(a, 2 * 3)', { a: undefined })).toBe(6);
  });

  test('GIVEN MAX of an array and CEIL WHEN evaluated THEN per datapoint', () => {
    expect(ev('MAX([a, b, 2])', { a: 1, b: 5 })).toBe(5);
    expect(ev('CEIL(MAX([a, b]) / 2)', { a: 3, b: 1 })).toBe(2);
    expect(ev('CEIL(4 / 2)')).toBe(2);
  });

  test('GIVEN a division WHEN the divisor is 0 THEN the datapoint is dropped (absent), else the quotient', () => {
    expect(ev('a / b', { a: 1, b: 4 })).toBe(0.25);
    expect(ev('a / b', { a: 1, b: 0 })).toBeUndefined();
    expect(ev('a / IF(b > 1, b, 1)', { a: 3, b: 0 })).toBe(3);
    // A dropped datapoint reaching a comparison is not modelled: it throws.
    expect(() => ev('a / b >= 1', { a: 1, b: 0 })).toThrow(MetricMathError);
  });

  test('GIVEN an IF WHEN its branches differ THEN only the chosen one is evaluated', () => {
    expect(ev('IF(1 > 0, 2, a / 0 + 1)', { a: 1 })).toBe(2);
    expect(() => ev('IF(1 < 0, 2, a / 0 + 1)', { a: 1 })).toThrow(/absent datapoint reaches \+/);
  });

  test.each([
    ['SUM([a, b])', /unsupported function or keyword SUM/],
    ['METRICS()', /unsupported function or keyword METRICS/],
    ['a ^ 2', /unsupported character "\^"/],
    ['MAX(a)', /MAX of a single series/],
    ['FILL(a, REPEAT)', /unsupported function or keyword REPEAT/],
    ['FILL(a, b)', /FILL with a series/],
    ['IF(a > 1, a)', /IF takes 3 arguments, got 2/],
    ['CEIL(a, 2)', /CEIL takes 1 arguments, got 2/],
    ['1 > 0 AND 1 > 0 OR 1 > 0', /AND and OR mixed without parentheses/],
    ['1 < 2 < 3', /chained comparison/],
    ['(1 + 2', /expected "\)"/],
    ['1 2', /unexpected "2"/],
    ['', /empty expression/],
    ['[a, b]', /unexpected "\["/],
  ])('GIVEN %s WHEN parsed THEN it is refused loudly', (source, message) => {
    expect(() => ev(source, { a: 1, b: 2 })).toThrow(message);
  });

  test.each([
    ['a + 1', /absent datapoint reaches \+/],
    ['a > 1', /absent datapoint reaches >/],
    ['MAX([a, 1])', /absent datapoint reaches MAX/],
    ['CEIL(a)', /absent datapoint reaches CEIL/],
    ['IF(a, 1, 0)', /absent datapoint reaches IF's condition/],
    ['IF(1 > 0, a, 0)', /absent datapoint reaches IF's true branch/],
  ])(
    'GIVEN an unfilled absent metric in %s WHEN evaluated THEN it throws (partially missing series are not modelled)',
    (source, message) => {
      expect(() => ev(source, { a: undefined })).toThrow(message);
    },
  );

  test('GIVEN AND/OR WHEN an operand is not 0/1 THEN it throws; GIVEN an id without an input THEN it throws', () => {
    expect(() => ev('2 AND 1 > 0')).toThrow(/AND on 2/);
    expect(() => ev('(1 > 0) OR 5')).toThrow(/OR on 5/);
    expect(() => ev('a + 1')).toThrow(/no input for metric id a/);
  });

  test('GIVEN an expression WHEN parsed THEN it lists its ids and numeric literals', () => {
    const parsed = parseMetricMath('IF(FILL(req, 0) >= 50 AND FILL(f, 0) / 2 >= 0.05, 1, 0)');
    expect([...parsed.ids].sort()).toEqual(['f', 'req']);
    expect(parsed.literals).toEqual([0, 50, 0, 2, 0.05, 1, 0]);
  });
});
