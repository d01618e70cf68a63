/**
 * @module The syntax tree of a template: what `parseTemplate` produces and the renderer walks.
 * Node shapes follow Jinja2's `nodes` module; every node keeps its span in the source so
 * errors can quote the failing expression.
 */

import type { Span } from './python-values.js';

export type { Span };

export interface Keyword {
  readonly name: string;
  readonly value: Expr;
}

/** Arguments of a call, filter or test. */
export interface CallArgs {
  readonly args: readonly Expr[];
  readonly kwargs: readonly Keyword[];
  /** `*expr` */
  readonly dynArgs?: Expr;
  /** `**expr` */
  readonly dynKwargs?: Expr;
}

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in';
export type ArithOp = '+' | '-' | '*' | '/' | '//' | '%' | '**';

export type Expr =
  | { readonly kind: 'const'; readonly value: unknown; readonly span: Span }
  | { readonly kind: 'name'; readonly name: string; readonly span: Span }
  | { readonly kind: 'getattr'; readonly obj: Expr; readonly attr: string; readonly span: Span }
  | { readonly kind: 'getitem'; readonly obj: Expr; readonly index: Expr; readonly span: Span }
  | {
      readonly kind: 'slice';
      readonly start?: Expr;
      readonly stop?: Expr;
      readonly step?: Expr;
      readonly span: Span;
    }
  | { readonly kind: 'list'; readonly items: readonly Expr[]; readonly span: Span }
  | { readonly kind: 'tuple'; readonly items: readonly Expr[]; readonly span: Span }
  | { readonly kind: 'dict'; readonly entries: readonly (readonly [Expr, Expr])[]; readonly span: Span }
  | { readonly kind: 'binop'; readonly op: ArithOp; readonly left: Expr; readonly right: Expr; readonly span: Span }
  | { readonly kind: 'concat'; readonly items: readonly Expr[]; readonly span: Span }
  | { readonly kind: 'neg' | 'pos' | 'not'; readonly operand: Expr; readonly span: Span }
  | { readonly kind: 'and' | 'or'; readonly left: Expr; readonly right: Expr; readonly span: Span }
  | {
      readonly kind: 'compare';
      readonly first: Expr;
      readonly ops: readonly { readonly op: CompareOp; readonly expr: Expr }[];
      readonly span: Span;
    }
  | { readonly kind: 'cond'; readonly test: Expr; readonly then: Expr; readonly else?: Expr; readonly span: Span }
  | ({ readonly kind: 'filter'; readonly node: Expr; readonly name: string; readonly span: Span } & CallArgs)
  | ({ readonly kind: 'test'; readonly node: Expr; readonly name: string; readonly span: Span } & CallArgs)
  | ({ readonly kind: 'call'; readonly fn: Expr; readonly span: Span } & CallArgs);

/** An assignment target: a name or a (nested) tuple of names. */
export type Target =
  | { readonly kind: 'name'; readonly name: string; readonly span: Span }
  | { readonly kind: 'tuple'; readonly items: readonly Target[]; readonly span: Span };

export type Stmt =
  | { readonly kind: 'data'; readonly text: string }
  | { readonly kind: 'output'; readonly expr: Expr }
  | {
      readonly kind: 'if';
      readonly branches: readonly { readonly test: Expr; readonly body: readonly Stmt[] }[];
      readonly else: readonly Stmt[];
    }
  | {
      readonly kind: 'for';
      readonly target: Target;
      readonly iter: Expr;
      readonly filter?: Expr;
      readonly body: readonly Stmt[];
      readonly else: readonly Stmt[];
      readonly span: Span;
    }
  | { readonly kind: 'set'; readonly target: Target; readonly value: Expr; readonly span: Span }
  | {
      readonly kind: 'setblock';
      readonly target: Target;
      readonly filters: readonly Extract<Expr, { kind: 'filter' }>[];
      readonly body: readonly Stmt[];
      readonly span: Span;
    };

export interface TemplateAst {
  /** The source after Jinja's newline normalisation; spans index into it. */
  readonly source: string;
  readonly body: readonly Stmt[];
}
