/**
 * A small, strict evaluator for the subset of CloudWatch metric math that Bulkhead's alarms use,
 * on one period's scalars: numbers, metric ids, `+ - * /`, unary `-`, comparisons
 * `< <= > >= == !=`, `AND`/`&&`, `OR`/`||`, parentheses, and `IF(c, a, b)`, `FILL(x, v)`,
 * `MAX([a, b, …])`, `CEIL(x)`. Tests use it to check that the drill's JS mirror of an alarm computes
 * what the synthesized expression computes (test/drill/alarm-fidelity.test.ts).
 *
 * Semantics, from the CloudWatch User Guide ("Using metric math"):
 * - comparisons and logical operators on scalars return 1 (true) or 0 (false);
 * - `IF`'s condition is false when 0 and true for any other value;
 * - `FILL(x, v)` gives `v` where `x` has no datapoint;
 * - a division by zero drops the datapoint (here: the result is absent);
 * - `MAX` of an array gives one series (per datapoint); `MAX(x)` of a single series is a scalar over
 *   the whole window, which one period cannot express, so it is refused.
 *
 * Strict by design: anything it does not model throws {@link MetricMathError} instead of guessing,
 * so a new function or construct in lib/failover.ts fails the fidelity test loudly. That includes
 * a function or operator outside the subset, an absent datapoint reaching anything but `FILL` (the
 * docs' rules for partially missing series are not modelled), `AND`/`OR` on values other than 0/1,
 * `AND` and `OR` mixed without parentheses and chained comparisons (`a < b < c`): the docs give no
 * precedence between them.
 */

/** The expression uses something this evaluator does not model, or is malformed. */
export class MetricMathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetricMathError';
  }
}

type Comparison = '<' | '<=' | '>' | '>=' | '==' | '!=';
type Arithmetic = '+' | '-' | '*' | '/';
type Logical = 'AND' | 'OR';

/** A parsed metric-math expression. */
export type MetricMathNode =
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'id'; readonly name: string }
  | { readonly kind: 'negate'; readonly arg: MetricMathNode }
  | {
      readonly kind: 'binary';
      readonly op: Comparison | Arithmetic | Logical;
      readonly left: MetricMathNode;
      readonly right: MetricMathNode;
    }
  | {
      readonly kind: 'call';
      readonly fn: 'IF' | 'FILL' | 'MAX' | 'CEIL';
      readonly args: readonly MetricMathNode[];
    };

/** A parsed expression with the metric ids it reads. */
export interface MetricMathExpression {
  readonly source: string;
  readonly root: MetricMathNode;
  /** Every metric id the expression names. */
  readonly ids: ReadonlySet<string>;
  /** Every numeric literal in the expression (thresholds, factors), for picking edge values. */
  readonly literals: readonly number[];
}

interface Token {
  readonly type: 'number' | 'id' | 'word' | 'op';
  readonly text: string;
  readonly at: number;
}

const TOKEN =
  /(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([a-z][A-Za-z0-9_]*)|([A-Z][A-Z0-9_]*)|(<=|>=|==|!=|&&|\|\||[-+*/<>()[\],])/y;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  for (;;) {
    while (at < source.length && /\s/.test(source[at])) at++;
    if (at === source.length) return tokens;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(source);
    if (!m)
      throw new MetricMathError(
        `unsupported character ${JSON.stringify(source[at])} at ${at} of ${JSON.stringify(source)}`,
      );
    if (m[1] !== undefined) tokens.push({ type: 'number', text: m[1], at });
    else if (m[2] !== undefined) tokens.push({ type: 'id', text: m[2], at });
    else if (m[3] !== undefined) tokens.push({ type: 'word', text: m[3], at });
    else if (m[4] === '&&' || m[4] === '||')
      tokens.push({ type: 'word', text: m[4] === '&&' ? 'AND' : 'OR', at });
    else tokens.push({ type: 'op', text: m[4], at });
    at = TOKEN.lastIndex;
  }
}

const COMPARISONS: readonly string[] = ['<', '<=', '>', '>=', '==', '!='];
const FUNCTIONS: readonly string[] = ['IF', 'FILL', 'MAX', 'CEIL'];

class Parser {
  private i = 0;
  readonly ids = new Set<string>();
  readonly literals: number[] = [];

  constructor(
    private readonly source: string,
    private readonly tokens: readonly Token[],
  ) {}

  parse(): MetricMathNode {
    if (this.tokens.length === 0) throw new MetricMathError('empty expression');
    const node = this.logical();
    const next = this.peek();
    if (next) throw this.error(next, `unexpected ${JSON.stringify(next.text)}`);
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private error(t: Token | undefined, message: string): MetricMathError {
    const where = t ? `at ${t.at}` : 'at the end';
    return new MetricMathError(`${message} ${where} of ${JSON.stringify(this.source)}`);
  }

  private expect(text: string): void {
    const t = this.peek();
    if (t?.text !== text) throw this.error(t, `expected ${JSON.stringify(text)}`);
    this.i++;
  }

  /** `a AND b AND c` or `a OR b OR c`; mixing the two needs parentheses. */
  private logical(): MetricMathNode {
    let left = this.comparison();
    let chain: Logical | undefined;
    for (let t = this.peek(); t?.type === 'word' && (t.text === 'AND' || t.text === 'OR'); t = this.peek()) {
      const op = t.text as Logical;
      if (chain && chain !== op)
        throw this.error(t, `${chain} and ${op} mixed without parentheses (precedence not documented)`);
      chain = op;
      this.i++;
      left = { kind: 'binary', op, left, right: this.comparison() };
    }
    return left;
  }

  /** At most one comparison: `a < b < c` is refused. */
  private comparison(): MetricMathNode {
    const left = this.additive();
    const t = this.peek();
    if (t?.type !== 'op' || !COMPARISONS.includes(t.text)) return left;
    this.i++;
    const node: MetricMathNode = { kind: 'binary', op: t.text as Comparison, left, right: this.additive() };
    const next = this.peek();
    if (next?.type === 'op' && COMPARISONS.includes(next.text))
      throw this.error(next, 'chained comparison (precedence not documented)');
    return node;
  }

  private additive(): MetricMathNode {
    return this.leftAssociative(['+', '-'], () => this.multiplicative());
  }

  private multiplicative(): MetricMathNode {
    return this.leftAssociative(['*', '/'], () => this.unary());
  }

  /** `a op b op c` as `(a op b) op c`, for one precedence level of arithmetic. */
  private leftAssociative(ops: readonly Arithmetic[], operand: () => MetricMathNode): MetricMathNode {
    let left = operand();
    for (let t = this.peek(); t?.type === 'op' && ops.includes(t.text as Arithmetic); t = this.peek()) {
      this.i++;
      left = { kind: 'binary', op: t.text as Arithmetic, left, right: operand() };
    }
    return left;
  }

  private unary(): MetricMathNode {
    const t = this.peek();
    if (t?.type === 'op' && t.text === '-') {
      this.i++;
      return { kind: 'negate', arg: this.unary() };
    }
    return this.primary();
  }

  private primary(): MetricMathNode {
    const t = this.peek();
    if (!t) throw this.error(t, 'expected a value');
    this.i++;
    if (t.type === 'number') {
      const value = Number(t.text);
      this.literals.push(value);
      return { kind: 'number', value };
    }
    if (t.type === 'id') {
      this.ids.add(t.text);
      return { kind: 'id', name: t.text };
    }
    if (t.type === 'op' && t.text === '(') {
      const inner = this.logical();
      this.expect(')');
      return inner;
    }
    if (t.type === 'word' && FUNCTIONS.includes(t.text)) return this.call(t);
    if (t.type === 'word') throw this.error(t, `unsupported function or keyword ${t.text}`);
    throw this.error(t, `unexpected ${JSON.stringify(t.text)}`);
  }

  private call(fn: Token): MetricMathNode {
    this.expect('(');
    const name = fn.text as 'IF' | 'FILL' | 'MAX' | 'CEIL';
    let args: MetricMathNode[];
    if (name === 'MAX') {
      // MAX of an array is per datapoint; MAX(x) of one series is a scalar over the whole window.
      if (this.peek()?.text !== '[')
        throw this.error(
          this.peek(),
          'MAX of a single series (a window aggregate) is not modelled; use MAX([…])',
        );
      this.i++;
      args = this.list(']');
      if (args.length === 0) throw this.error(fn, 'MAX([]) of an empty array');
    } else {
      args = this.list(')', true);
    }
    if (name === 'MAX') this.expect(')');
    const arity = { IF: 3, FILL: 2, CEIL: 1, MAX: args.length }[name];
    if (args.length !== arity) throw this.error(fn, `${name} takes ${arity} arguments, got ${args.length}`);
    if (name === 'FILL' && args[1].kind === 'id')
      throw this.error(fn, 'FILL with a series as its filler is not modelled');
    return { kind: 'call', fn: name, args };
  }

  /** Comma-separated expressions up to `close`, which it consumes. */
  private list(close: string, allowEmpty = false): MetricMathNode[] {
    const items: MetricMathNode[] = [];
    if (this.peek()?.text === close) {
      if (!allowEmpty) throw this.error(this.peek(), 'empty list');
      this.i++;
      return items;
    }
    for (;;) {
      items.push(this.logical());
      const t = this.peek();
      if (t?.text === ',') {
        this.i++;
        continue;
      }
      this.expect(close);
      return items;
    }
  }
}

/** Parses an expression; throws {@link MetricMathError} for anything outside the modelled subset. */
export function parseMetricMath(source: string): MetricMathExpression {
  const parser = new Parser(source, tokenize(source));
  const root = parser.parse();
  return { source, root, ids: parser.ids, literals: parser.literals };
}

/** One period's value of each metric id; `undefined`: the metric has no datapoint in the period. */
export type MetricMathInputs = ReadonlyMap<string, number | undefined>;

function present(v: number | undefined, where: string): number {
  if (v === undefined)
    throw new MetricMathError(
      `an absent datapoint reaches ${where}: wrap the metric in FILL (partially missing series are not modelled)`,
    );
  return v;
}

function truth(v: number, op: string): boolean {
  if (v !== 0 && v !== 1) throw new MetricMathError(`${op} on ${v}: only 0/1 operands are modelled`);
  return v === 1;
}

function evaluate(node: MetricMathNode, inputs: MetricMathInputs): number | undefined {
  switch (node.kind) {
    case 'number':
      return node.value;
    case 'id':
      if (!inputs.has(node.name)) throw new MetricMathError(`unknown metric id ${node.name}`);
      return inputs.get(node.name);
    case 'negate':
      return -present(evaluate(node.arg, inputs), 'unary -');
    case 'call': {
      const arg = (i: number) => evaluate(node.args[i], inputs);
      switch (node.fn) {
        case 'FILL':
          return arg(0) ?? present(arg(1), 'the filler of FILL');
        case 'CEIL':
          return Math.ceil(present(arg(0), 'CEIL'));
        case 'MAX':
          return Math.max(...node.args.map((_, i) => present(arg(i), 'MAX')));
        case 'IF': {
          // Only the chosen branch is evaluated: the other one may be dropped for this datapoint.
          const chosen = present(arg(0), "IF's condition") !== 0 ? 1 : 2;
          return present(arg(chosen), `IF's ${chosen === 1 ? 'true' : 'false'} branch`);
        }
      }
      throw new MetricMathError(`unsupported function ${node.fn}`);
    }
    case 'binary': {
      const l = present(evaluate(node.left, inputs), node.op);
      const r = present(evaluate(node.right, inputs), node.op);
      switch (node.op) {
        case '+':
          return l + r;
        case '-':
          return l - r;
        case '*':
          return l * r;
        case '/':
          // CloudWatch drops a datapoint whose computation divides by zero.
          return r === 0 ? undefined : l / r;
        case '<':
          return l < r ? 1 : 0;
        case '<=':
          return l <= r ? 1 : 0;
        case '>':
          return l > r ? 1 : 0;
        case '>=':
          return l >= r ? 1 : 0;
        case '==':
          return l === r ? 1 : 0;
        case '!=':
          return l !== r ? 1 : 0;
        case 'AND':
        case 'OR': {
          const [a, b] = [truth(l, node.op), truth(r, node.op)];
          return (node.op === 'AND' ? a && b : a || b) ? 1 : 0;
        }
      }
    }
  }
  throw new MetricMathError(`unsupported node ${JSON.stringify(node)}`);
}

/**
 * The expression's value for one period. Every id must be a key of `inputs` (its value `undefined`
 * when the metric has no datapoint); the result is `undefined` when the datapoint is dropped.
 */
export function evaluateMetricMath(
  expression: MetricMathExpression,
  inputs: MetricMathInputs,
): number | undefined {
  for (const id of expression.ids)
    if (!inputs.has(id)) throw new MetricMathError(`no input for metric id ${id} of ${expression.source}`);
  return evaluate(expression.root, inputs);
}
