/**
 * A ```js name``` cell read from its text, without running anything: acorn parses the body as an
 * async function body (top-level `await` and `return` allowed), which gives
 *   - syntax errors with their file line and column (shown under the cell before any worker starts);
 *   - `refs`: the `$name` identifiers the code reads — params, or other code cells' results — so
 *     the reactive graph knows what the cell depends on (shadowed `$x` declared in the cell excluded);
 *   - `compiled`: the body the worker compiles; when the last statement is an expression its value
 *     is the cell's result (`return (expr);` is spliced in on the same line, so lines never move).
 */
import { parse, type Node } from 'acorn';
import type { CodeCell, Fence, ParseError } from '../format';

/** A code cell's name: an identifier (its result is `$name` elsewhere). */
export const CODE_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DOLLAR_RE = /^\$[A-Za-z_][A-Za-z0-9_]*$/;
/** Cells larger than this are not parsed (the limit on what one cell may hold). */
export const MAX_CODE_CHARS = 200_000;

export interface CodeAnalysis {
  refs: string[];
  compiled: string | null;
  /** a syntax error: 1-based line within the body, 0-based column */
  syntax: { line: number; column: number; message: string } | null;
}

type AnyNode = Node & Record<string, unknown>;

function isNode(v: unknown): v is AnyNode {
  return v !== null && typeof v === 'object' && typeof (v as { type?: unknown }).type === 'string';
}

/** Names a pattern declares (`const {$a, b: [$c]} = …`). */
function declared(p: unknown, out: Set<string>): void {
  if (!isNode(p)) return;
  if (p.type === 'Identifier') out.add(p.name as string);
  else if (p.type === 'ObjectPattern') for (const q of p.properties as AnyNode[]) declared(q.type === 'RestElement' ? q.argument : q.value, out);
  else if (p.type === 'ArrayPattern') for (const q of p.elements as unknown[]) declared(q, out);
  else if (p.type === 'RestElement') declared(p.argument, out);
  else if (p.type === 'AssignmentPattern') declared(p.left, out);
}

/** Identifier nodes that are names of something else (property keys, labels), not reads. */
function skipKeys(n: AnyNode): Set<unknown> {
  const s = new Set<unknown>();
  if ((n.type === 'MemberExpression' && !n.computed) || n.type === 'MetaProperty') s.add(n.property);
  if ((n.type === 'Property' || n.type === 'MethodDefinition' || n.type === 'PropertyDefinition') && !n.computed && !(n as { shorthand?: boolean }).shorthand) s.add(n.key);
  if (n.type === 'LabeledStatement' || n.type === 'BreakStatement' || n.type === 'ContinueStatement') s.add(n.label);
  return s;
}

export function analyzeCode(body: string): CodeAnalysis {
  if (body.length > MAX_CODE_CHARS) {
    return { refs: [], compiled: null, syntax: { line: 1, column: 0, message: `The cell is too long to run (${body.length} characters; the limit is ${MAX_CODE_CHARS}).` } };
  }
  let ast: AnyNode;
  try {
    ast = parse(body, {
      ecmaVersion: 'latest',
      sourceType: 'script',
      allowReturnOutsideFunction: true,
      allowAwaitOutsideFunction: true,
      locations: true,
    }) as unknown as AnyNode;
  } catch (e) {
    const err = e as SyntaxError & { loc?: { line: number; column: number } };
    const message = String(err.message).replace(/\s*\(\d+:\d+\)$/, '');
    return { refs: [], compiled: null, syntax: { line: err.loc?.line ?? 1, column: err.loc?.column ?? 0, message } };
  }
  const reads: string[] = [];
  const decl = new Set<string>();
  const stack: Array<{ n: unknown; skip: Set<unknown> }> = [{ n: ast, skip: new Set() }];
  while (stack.length) {
    const { n, skip } = stack.pop()!;
    if (Array.isArray(n)) {
      for (let i = n.length - 1; i >= 0; i--) stack.push({ n: n[i], skip });
      continue;
    }
    if (!isNode(n)) continue;
    if (n.type === 'Identifier') {
      const name = n.name as string;
      if (!skip.has(n) && DOLLAR_RE.test(name) && !reads.includes(name)) reads.push(name);
      continue;
    }
    if (n.type === 'VariableDeclarator') declared(n.id, decl);
    if (n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression' || n.type === 'ArrowFunctionExpression') {
      declared(n.id, decl);
      for (const p of n.params as unknown[]) declared(p, decl);
    }
    if (n.type === 'ClassDeclaration') declared(n.id, decl);
    if (n.type === 'CatchClause') declared(n.param, decl);
    const keys = skipKeys(n);
    const children = Object.entries(n).filter(([k]) => k !== 'loc' && k !== 'type');
    for (let i = children.length - 1; i >= 0; i--) {
      const v = children[i][1];
      if (v !== null && typeof v === 'object') stack.push({ n: v, skip: keys });
    }
  }
  const refs = reads.filter((r) => !decl.has(r)).map((r) => r.slice(1));
  return { refs, compiled: withReturn(body, ast), syntax: null };
}

/** `…; expr` → `…; return (expr);` (the last statement only; same lines and columns before it). */
function withReturn(body: string, ast: AnyNode): string {
  const stmts = ast.body as AnyNode[];
  const last = stmts[stmts.length - 1];
  if (!last || last.type !== 'ExpressionStatement' || (last as { directive?: string }).directive !== undefined) return body;
  const expr = last.expression as AnyNode;
  return `${body.slice(0, last.start)}return (${body.slice(expr.start, expr.end)});${body.slice(last.end)}`;
}

/** The CodeCell for a ```js name``` fence (called by the format parser). */
export function buildCodeCell(fence: Fence, body: string, raw: string, line: number): CodeCell {
  const words = fence.info.split(/\s+/);
  const errors: ParseError[] = [];
  if (fence.close === null) {
    errors.push({
      line,
      severity: 'error',
      message: `The \`js\` cell opened on line ${line} is never closed: add a line with ${fence.char.repeat(fence.size)} after its code. Until then everything below it is read as code.`,
    });
  }
  let name = words[1] ?? '';
  if (name && !CODE_NAME_RE.test(name)) {
    errors.push({ line, severity: 'error', message: `\`${name}\` is not a valid cell name (use letters, digits and _, not starting with a digit); the result cannot be referenced.` });
    name = '';
  }
  if (words.length > 2) errors.push({ line, severity: 'warning', message: `Extra words after the cell name are ignored: ${words.slice(2).join(' ')}` });
  const a = analyzeCode(body);
  if (a.syntax) errors.push({ line: line + a.syntax.line, severity: 'error', message: `Syntax error: ${a.syntax.message} (column ${a.syntax.column + 1}).` });
  return { type: 'code', id: '', line, raw, errors, name, fence, body, refs: a.refs, compiled: fence.close === null ? null : a.compiled };
}
