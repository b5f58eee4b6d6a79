import { ts } from 'ts-morph';
import type { AwsValueIndex } from '../analysis/aws-value-index.js';
import type { AwsValueKind } from '../analysis/aws-value-kinds.js';
import type { SdkEntityResolver, SdkImport } from '../analysis/sdk-entities.js';
import type { FreeNames } from '../edits/free-names.js';
import type { ImportPlanner, ModuleLoading } from '../edits/import-planner.js';
import type { SourceStyle } from '../edits/source-style.js';
import {
  commentOutStatement,
  deleteStatement,
  indentationAt,
  indentLines,
  insertLinesAfter,
  insertLinesBefore,
  siteStatementOf,
} from '../edits/statement-edits.js';
import type { TextEdit } from '../edits/text-edits.js';
import { renderTodoComment } from '../edits/todo-comment.js';
import type { FindingAction, RewriteConstruct } from '../report/rewrite-report.js';
import { classifyTopic } from './support/topics.js';

/**
 * One codemod: a construct family and how it maps to the Azure IoT device SDK. The
 * engine runs the list in order over every file; choosing transforms is filtering it.
 *
 * A transform describes its changes as edits against the file's original text, which
 * the checker analysed once for the whole repo, and never writes: the engine composes
 * the edits of all transforms, applies them in one pass and decides per file whether
 * it was rewritten.
 */
export interface Transform {
  /** Kebab-case, stable: it names the fixture folder and appears in the report. */
  id: string;
  title: string;
  /** A cheap test on the file before run(). */
  appliesTo(file: AnalysedFile): boolean;
  run(file: AnalysedFile): TransformResult | undefined;
}

export interface TransformResult {
  edits: TextEdit[];
  findings: PendingFinding[];
}

/** A finding before the file is rewritten: anchored to an offset of the original text. */
export interface PendingFinding {
  key: number;
  construct: RewriteConstruct;
  action: FindingAction;
  note: string;
  anchor: number;
  transform: string;
}

/** A call `receiver.method(...)` whose receiver is an AWS value. */
export interface AwsMemberCall {
  call: ts.CallExpression;
  receiver: ts.Expression;
  receiverKind: AwsValueKind;
  method: string;
}

export interface AnalysedFileParts {
  path: string;
  sourceFile: ts.SourceFile;
  language: 'ts' | 'js';
  loading: ModuleLoading;
  style: SourceStyle;
  index: AwsValueIndex;
  entities: SdkEntityResolver;
  imports: ImportPlanner;
  names: FreeNames;
}

/**
 * A source file as the transforms see it: its syntax tree, the repo-wide answers about
 * AWS values, and the ranges earlier transforms have already taken.
 */
export class AnalysedFile {
  readonly path: string;
  readonly sourceFile: ts.SourceFile;
  readonly language: 'ts' | 'js';
  readonly loading: ModuleLoading;
  readonly style: SourceStyle;
  readonly index: AwsValueIndex;
  readonly entities: SdkEntityResolver;
  readonly imports: ImportPlanner;
  readonly names: FreeNames;
  private readonly claimed: Array<{ start: number; end: number; neutralised: boolean }> = [];
  private cachedMemberCalls: AwsMemberCall[] | undefined;
  private findingKeys = 0;

  constructor(parts: AnalysedFileParts) {
    this.path = parts.path;
    this.sourceFile = parts.sourceFile;
    this.language = parts.language;
    this.loading = parts.loading;
    this.style = parts.style;
    this.index = parts.index;
    this.entities = parts.entities;
    this.imports = parts.imports;
    this.names = parts.names;
  }

  get text(): string {
    return this.sourceFile.text;
  }

  get sdkImports(): readonly SdkImport[] {
    return this.entities.importsOf(this.sourceFile);
  }

  kindOf(expression: ts.Expression): AwsValueKind | undefined {
    return this.index.kindOf(expression);
  }

  /**
   * Every `x.method(...)` in the file whose receiver is an AWS value, in source order.
   * A publish or subscribe on an AWS reserved topic (`$aws/things/…/jobs/…`) counts even
   * when the receiver could not be traced: those topics exist only on AWS IoT Core.
   */
  memberCalls(): readonly AwsMemberCall[] {
    if (this.cachedMemberCalls === undefined) {
      const calls: AwsMemberCall[] = [];
      const visit = (node: ts.Node): void => {
        if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
          const method = node.expression.name.text;
          const receiverKind = this.index.kindOf(node.expression.expression) ?? (usesReservedTopic(node, method) ? this.untracedClientKind() : undefined);
          if (receiverKind !== undefined) calls.push({ call: node, receiver: node.expression.expression, receiverKind, method });
        }
        ts.forEachChild(node, visit);
      };
      visit(this.sourceFile);
      this.cachedMemberCalls = calls;
    }
    return this.cachedMemberCalls;
  }

  /** The SDK a client passed in from somewhere untraceable most likely came from, by the file's imports. */
  private untracedClientKind(): AwsValueKind {
    const sdks = new Set(this.sdkImports.map((sdkImport) => sdkImport.sdk));
    if (sdks.has('aws-iot-device-sdk-v2')) return 'v2-mqtt3-connection';
    if (sdks.has('mqtt')) return 'mqttjs-client';
    return 'v1-device';
  }

  /** True when an earlier transform replaced or commented out (part of) this node. */
  isClaimed(node: ts.Node): boolean {
    const start = node.getStart(this.sourceFile);
    return this.claimed.some((range) => start < range.end && node.end > range.start);
  }

  /** True when an earlier transform replaced or commented out all of this node. */
  isWithinClaimed(node: ts.Node): boolean {
    const start = node.getStart(this.sourceFile);
    return this.claimed.some((range) => start >= range.start && node.end <= range.end);
  }

  claim(edits: readonly TextEdit[]): void {
    for (const edit of edits) {
      if (edit.kind === 'replace' || edit.kind === 'neutralise') this.claimed.push({ start: edit.start, end: edit.end, neutralised: edit.kind === 'neutralise' });
    }
  }

  claimedRanges(): ReadonlyArray<{ start: number; end: number; neutralised: boolean }> {
    return this.claimed;
  }

  nextFindingKey(): number {
    this.findingKeys += 1;
    return this.findingKeys;
  }
}

/** What a transform builds up for one file and hands back from run(). */
export class FileEdits {
  private readonly edits: TextEdit[] = [];
  private readonly findings: PendingFinding[] = [];

  constructor(
    private readonly file: AnalysedFile,
    private readonly transform: string,
  ) {}

  replace(node: ts.Node, text: string): this {
    return this.replaceRange(node.getStart(this.file.sourceFile), node.end, text);
  }

  /** Replaces a node with generated code written from column 0, indented to sit where the node's line is. */
  replaceWithCode(node: ts.Node, code: string): this {
    const indent = indentationAt(this.file.text, node.getStart(this.file.sourceFile));
    return this.replace(node, indentLines(code, indent));
  }

  replaceRange(start: number, end: number, text: string): this {
    this.edits.push({ start, end, text, kind: 'replace' });
    return this;
  }

  insert(at: number, text: string): this {
    this.edits.push({ start: at, end: at, text, kind: 'insert' });
    return this;
  }

  /** Inserts whole lines (relative indentation inside) before a statement, at its indentation. */
  insertLinesBefore(statement: ts.Node, lines: readonly string[]): this {
    this.edits.push(insertLinesBefore(this.file.sourceFile, statement, lines));
    return this;
  }

  /** Inserts whole lines after the line a statement ends on, at its indentation. */
  insertLinesAfter(statement: ts.Node, lines: readonly string[]): this {
    this.edits.push(insertLinesAfter(this.file.sourceFile, statement, lines));
    return this;
  }

  /** Pushes the lines of a node one indentation level right (after all edits are applied). */
  indent(node: ts.Node): this {
    const keep: Array<{ start: number; end: number }> = [];
    const visit = (child: ts.Node): void => {
      if ((ts.isTemplateExpression(child) || ts.isNoSubstitutionTemplateLiteral(child)) && child.getText(this.file.sourceFile).includes('\n')) {
        keep.push({ start: child.getStart(this.file.sourceFile), end: child.end });
        return;
      }
      ts.forEachChild(child, visit);
    };
    visit(node);
    this.edits.push({ start: node.getStart(this.file.sourceFile), end: node.end, text: this.file.style.indentUnit, kind: 'indent', keep });
    return this;
  }

  deleteStatement(statement: ts.Node): this {
    this.edits.push(deleteStatement(this.file.sourceFile, statement));
    return this;
  }

  /** Deletes statements, each run of adjacent ones as one, so no stray blank lines are left between them. */
  deleteStatements(statements: readonly ts.Node[]): this {
    const ordered = [...new Set(statements)].sort((a, b) => a.pos - b.pos);
    let runStart: ts.Node | undefined;
    let runEnd: ts.Node | undefined;
    const flush = (): void => {
      if (runStart !== undefined && runEnd !== undefined) this.edits.push(deleteStatement(this.file.sourceFile, runStart, runEnd));
    };
    for (const statement of ordered) {
      if (runEnd !== undefined && isNextSibling(runEnd, statement)) {
        runEnd = statement;
        continue;
      }
      flush();
      runStart = statement;
      runEnd = statement;
    }
    flush();
    return this;
  }

  rewritten(node: ts.Node, construct: RewriteConstruct, note: string): this {
    this.findings.push({
      key: this.file.nextFindingKey(),
      construct,
      action: 'rewritten',
      note,
      anchor: node.getStart(this.file.sourceFile),
      transform: this.transform,
    });
    return this;
  }

  /**
   * A TODO finding with its comment above the statement holding `node`. With
   * `neutralise`, that statement is also commented out: code that calls what IoT Hub
   * does not have must not run, and must stay visible to the developer.
   */
  todo(node: ts.Node, construct: RewriteConstruct, note: string, options: { neutralise?: boolean; site?: ts.Node; through?: ts.Node } = {}): this {
    const site = options.site ?? siteStatementOf(node);
    const key = this.file.nextFindingKey();
    const indent = indentationAt(this.file.text, site.getStart(this.file.sourceFile));
    const comment = renderTodoComment(note, indent.replaceAll('\t', '    ').length);
    this.edits.push(insertLinesBefore(this.file.sourceFile, site, comment, key));
    if (options.neutralise) this.edits.push(commentOutStatement(this.file.sourceFile, site, options.through));
    this.findings.push({ key, construct, action: 'todo', note, anchor: site.getStart(this.file.sourceFile), transform: this.transform });
    return this;
  }

  /** Ranges this transform has commented out so far. */
  neutralisedRanges(): Array<{ start: number; end: number }> {
    return this.edits.filter((edit) => edit.kind === 'neutralise').map(({ start, end }) => ({ start, end }));
  }

  get isEmpty(): boolean {
    return this.edits.length === 0 && this.findings.length === 0;
  }

  /**
   * The edits and findings, without those inside code this same transform commented
   * out: a construct inside a commented-out statement is no longer code, and its
   * finding would point at a comment that is not there.
   */
  result(): TransformResult | undefined {
    if (this.isEmpty) return undefined;
    const neutralised = this.edits.filter((edit) => edit.kind === 'neutralise');
    const isInside = (start: number, end: number, self?: TextEdit): boolean =>
      neutralised.some((range) => range !== self && start > range.start && end <= range.end);
    const edits = this.edits.filter((edit) => !isInside(edit.start, edit.end, edit)).map((edit) => ({ ...edit, origin: this.transform }));
    const findings = this.findings.filter((finding) => !isInside(finding.anchor, finding.anchor));
    return { edits, findings };
  }
}

export function isNextSibling(previous: ts.Node, next: ts.Node): boolean {
  const parent = previous.parent;
  if (parent !== next.parent || !('statements' in parent)) return false;
  const statements = (parent as ts.Block).statements;
  return statements.indexOf(previous as ts.Statement) + 1 === statements.indexOf(next as ts.Statement);
}

const TOPIC_METHODS = new Set(['publish', 'publishAsync', 'subscribe', 'subscribeAsync']);

/** `x.publish('$aws/…')`, or `x.on('message', (topic) => { if (topic !== '$aws/…') return; … })`. */
function usesReservedTopic(call: ts.CallExpression, method: string): boolean {
  const [first, second] = call.arguments;
  if (first === undefined) return false;
  if (TOPIC_METHODS.has(method)) return isReserved(ts.isArrayLiteralExpression(first) ? first.elements[0] : first);
  if (method !== 'on' || !ts.isStringLiteralLike(first) || first.text !== 'message' || second === undefined) return false;
  if (!ts.isArrowFunction(second) && !ts.isFunctionExpression(second)) return false;
  const guard = ts.isBlock(second.body) ? second.body.statements[0] : undefined;
  if (guard === undefined || !ts.isIfStatement(guard) || !ts.isBinaryExpression(guard.expression)) return false;
  return isReserved(guard.expression.right) || isReserved(guard.expression.left);
}

function isReserved(expression: ts.Expression | undefined): boolean {
  if (expression === undefined || ts.isSpreadElement(expression)) return false;
  const kind = classifyTopic(expression).kind;
  return kind === 'shadow' || kind === 'jobs' || kind === 'provisioning' || kind === 'other-reserved';
}
