/**
 * Checks that every public export of `src/` has a JSDoc comment, and that every exported value
 * (function, constant, class) shows an `@example`. Part of `npm run lint`.
 */
import * as path from "node:path"
import ts from "typescript"

const root = path.resolve(import.meta.dirname, "..")
const config = ts.getParsedCommandLineOfConfigFile(
  path.join(root, "tsconfig.build.json"),
  {},
  { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} }
)
if (config === undefined) throw new Error("cannot read tsconfig.build.json")
const program = ts.createProgram(config.fileNames, config.options)
const problems: Array<string> = []

const isExported = (node: ts.Statement): boolean =>
  ts.canHaveModifiers(node) &&
  (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)

const nameOf = (node: ts.Statement, file: ts.SourceFile): string => {
  if (ts.isVariableStatement(node))
    return node.declarationList.declarations.map((d) => d.name.getText(file)).join(", ")
  if (
    (ts.isFunctionDeclaration(node) ||
      ts.isClassDeclaration(node) ||
      ts.isInterfaceDeclaration(node) ||
      ts.isTypeAliasDeclaration(node)) &&
    node.name !== undefined
  ) {
    return node.name.text
  }
  return ts.SyntaxKind[node.kind]
}

for (const file of program.getSourceFiles()) {
  const generated = file.fileName.startsWith(path.join(root, "src", "models"))
  if (!file.fileName.startsWith(path.join(root, "src")) || file.fileName.includes("/internal/") || generated)
    continue
  const seen = new Set<string>()
  for (const statement of file.statements) {
    if (!isExported(statement)) continue
    // Overloads share the JSDoc of their first signature.
    const overloadName = ts.isFunctionDeclaration(statement) ? statement.name?.text : undefined
    if (overloadName !== undefined && seen.has(overloadName)) continue
    if (overloadName !== undefined) seen.add(overloadName)
    const comments = (ts.getLeadingCommentRanges(file.text, statement.pos) ?? [])
      .map((r) => file.text.slice(r.pos, r.end))
      .filter((c) => c.startsWith("/**"))
    const line = file.getLineAndCharacterOfPosition(statement.getStart(file)).line + 1
    const where = `${path.relative(root, file.fileName)}:${line} ${nameOf(statement, file)}`
    if (comments.length === 0) {
      problems.push(`${where}: no JSDoc`)
      continue
    }
    const isValue =
      ts.isVariableStatement(statement) ||
      ts.isFunctionDeclaration(statement) ||
      ts.isClassDeclaration(statement)
    if (isValue && !comments.some((c) => c.includes("@example"))) problems.push(`${where}: no @example`)
  }
}

if (problems.length > 0) {
  console.error(`JSDoc missing on ${problems.length} public export(s):\n${problems.join("\n")}`)
  process.exit(1)
}
console.log("jsdoc: every public export is documented")
