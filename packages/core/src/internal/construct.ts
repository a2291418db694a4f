/**
 * An instance of a `Schema.Class` from fields our code has already checked, without the class constructor.
 * `new X(fields, true)` skips validation but still copies the fields and walks the schema's fields for
 * defaults (~4 µs an instance, paid per order update, fill and quote); an instance of such a class is its
 * prototype (the structural `Data.Class` one: equality, hashing) plus the fields as own properties, which is
 * what this builds (~0.3 µs). Only for classes whose constructor defaults the caller has already applied.
 */
// biome-ignore lint/suspicious/noExplicitAny: any constructor of a schema class
export const construct = <C extends abstract new (...args: any) => any>(
  cls: C,
  fields: ConstructorParameters<C>[0]
): InstanceType<C> => Object.assign(Object.create(cls.prototype), fields)
