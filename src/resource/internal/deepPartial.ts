/**
 * A Schema's AST with every property optional, at every depth (through structs, arrays, unions,
 * records and recursive references): what server-side apply's partial objects are checked by —
 * a field given must be of its type, any field may be left out, except the keys of a list-map
 * list's items (`Primitives.ListMapKeys`) that the item requires.
 *
 * @internal
 */
import { SchemaAST as AST } from "effect"
import { ListMapKeys } from "../Primitives.js"

/** The deep-partial form of an AST (recursive references made lazily, each node once). */
export const deepPartial = (ast: AST.AST): AST.AST => partial(ast, new Map())

const partial = (ast: AST.AST, seen: Map<AST.AST, AST.AST>): AST.AST => {
  const done = seen.get(ast)
  if (done !== undefined) return done
  switch (ast._tag) {
    case "TypeLiteral": {
      const made = new AST.TypeLiteral(
        ast.propertySignatures.map(
          (p) => new AST.PropertySignature(p.name, partial(p.type, seen), true, p.isReadonly, p.annotations)
        ),
        ast.indexSignatures.map(
          (i) => new AST.IndexSignature(i.parameter, partial(i.type, seen), i.isReadonly)
        ),
        ast.annotations
      )
      seen.set(ast, made)
      return made
    }
    case "TupleType": {
      const keys = listMapKeys(ast)
      const made = new AST.TupleType(
        ast.elements.map((e) => new AST.OptionalType(partial(e.type, seen), e.isOptional, e.annotations)),
        ast.rest.map(
          (r) =>
            new AST.Type(
              keys === undefined ? partial(r.type, seen) : keyed(r.type, keys, seen),
              r.annotations
            )
        ),
        ast.isReadonly,
        ast.annotations
      )
      seen.set(ast, made)
      return made
    }
    case "Union": {
      const made = AST.Union.make(
        ast.types.map((t) => partial(t, seen)),
        ast.annotations
      )
      seen.set(ast, made)
      return made
    }
    case "Suspend": {
      // Resolved when first used: a recursive definition (JSONSchemaProps) refers to itself.
      let resolved: AST.AST | undefined
      const made = new AST.Suspend(() => {
        if (resolved === undefined) resolved = partial(ast.f(), seen)
        return resolved
      }, ast.annotations)
      seen.set(ast, made)
      return made
    }
    case "Refinement":
      // A refinement of a struct (all its fields) cannot hold for a part of it: the struct's own
      // fields are still checked; a refinement of a value keeps its meaning.
      return ast.from._tag === "TypeLiteral" ? partial(ast.from, seen) : ast
    default:
      return ast
  }
}

const listMapKeys = (ast: AST.TupleType): ReadonlyArray<string> | undefined => {
  const keys = ast.annotations[ListMapKeys]
  return Array.isArray(keys) && keys.every((k) => typeof k === "string") ? keys : undefined
}

/** The items of a list-map list: deep-partial, but the keys the item requires stay required. */
const keyed = (item: AST.AST, keys: ReadonlyArray<string>, seen: Map<AST.AST, AST.AST>): AST.AST => {
  let resolved: AST.AST | undefined
  return new AST.Suspend(() => {
    if (resolved !== undefined) return resolved
    const whole = structOf(item)
    const part = structOf(partial(item, seen))
    resolved =
      whole === undefined || part === undefined
        ? partial(item, seen)
        : new AST.TypeLiteral(
            part.propertySignatures.map((p) => {
              const required = whole.propertySignatures.some(
                (w) => w.name === p.name && !w.isOptional && keys.includes(String(p.name))
              )
              return required
                ? new AST.PropertySignature(p.name, p.type, false, p.isReadonly, p.annotations)
                : p
            }),
            part.indexSignatures,
            part.annotations
          )
    return resolved
  })
}

/** The struct under references (a model's item is a suspended struct). */
const structOf = (ast: AST.AST): AST.TypeLiteral | undefined => {
  let at = ast
  while (at._tag === "Suspend") at = at.f()
  return at._tag === "TypeLiteral" ? at : undefined
}
