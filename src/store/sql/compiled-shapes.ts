import type { Compilable, CompiledQuery, QueryResult } from "kysely";
import { BelayError } from "../../errors.js";

/** Stands in for the i-th value while a shape is compiled. */
class Slot {
  constructor(readonly index: number) {}
}

interface Shape {
  compiled: CompiledQuery;
  /** For each bound parameter of the compiled SQL, which value fills it. */
  order: number[];
}

/**
 * Queries whose SQL depends only on a shape (which columns a write sets), compiled once per shape
 * and then run with new values. Kysely spends 30-60 µs building and compiling a query, more than
 * SQLite takes to run a small write, and a call makes the same few writes over and over.
 *
 * `build` gets one placeholder per value and must use each as a plain value; every parameter of
 * the compiled SQL must be one of them (a literal belongs in `sql`), which is checked when the
 * shape is compiled, so no value of the first call can be baked into the cached SQL.
 */
export class CompiledShapes<Row> {
  private readonly shapes = new Map<string, Shape>();

  constructor(
    private readonly db: { executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>> },
    private readonly capacity = 64,
  ) {}

  run(
    shape: string,
    values: readonly unknown[],
    build: (slots: never[]) => Compilable<Row>,
  ): Promise<QueryResult<Row>> {
    const { compiled, order } = this.shapes.get(shape) ?? this.compile(shape, values.length, build);
    const parameters = new Array<unknown>(order.length);
    for (let i = 0; i < order.length; i++) parameters[i] = values[order[i] as number];
    return this.db.executeQuery<Row>({ ...compiled, parameters } as CompiledQuery<Row>);
  }

  /**
   * A write that sets `columns`, leaving out those that are undefined: its shape is `kind` and the
   * columns present. `build` gets `columns` with a slot in place of each value, and a slot for
   * each of `others` (the keys a WHERE compares, say).
   */
  write<Columns extends object>(
    kind: string,
    columns: Columns,
    others: readonly unknown[],
    build: (columns: Columns, others: never[]) => Compilable<Row>,
  ): Promise<QueryResult<Row>> {
    const names: string[] = [];
    const values: unknown[] = [];
    for (const [name, value] of Object.entries(columns)) {
      if (value === undefined) continue;
      names.push(name);
      values.push(value);
    }
    values.push(...others);
    return this.run(`${kind} ${names.join()}`, values, (slots) => {
      const slotted: Record<string, never> = {};
      for (let i = 0; i < names.length; i++) slotted[names[i] as string] = slots[i] as never;
      return build(slotted as Columns, slots.slice(names.length));
    });
  }

  private compile(shape: string, count: number, build: (slots: never[]) => Compilable<Row>): Shape {
    const slots = Array.from({ length: count }, (_, i) => new Slot(i));
    const compiled = build(slots as never[]).compile();
    const order = compiled.parameters.map((parameter) => {
      if (parameter instanceof Slot) return parameter.index;
      throw new BelayError(
        "STORE_QUERY_SHAPE",
        `a compiled shape binds a value that is not a slot: ${shape}`,
        {
          shape,
        },
      );
    });
    // Shapes are Belay's own column sets, so few; the bound only guards against a caller's mistake.
    if (this.shapes.size >= this.capacity) this.shapes.clear();
    const entry = { compiled, order };
    this.shapes.set(shape, entry);
    return entry;
  }
}
