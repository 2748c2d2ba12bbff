// A guard for the recursive walks that turn JavaScript values into MAT
// variables (writeMat's toNode, saveSimpleNN's toMat): a value that contains
// itself, or nesting deeper than any real file needs, would otherwise end in
// a stack overflow (a RangeError naming nothing) instead of an Error that
// says where.

/** Deeper than any MAT file MATLAB writes, shallow enough that the walk stays far from the stack limit. */
export const MAX_DEPTH = 500;

/**
 * Runs `walk` with `v` counted as open in `open` (the containers the walk is
 * inside, outermost first); `fail` gets the message when `v` is already open
 * (a cycle) or MAX_DEPTH containers are. Values that cannot contain others
 * (primitives, typed arrays) are walked without counting.
 */
export function nested<T>(open: Set<object>, v: unknown, fail: (msg: string) => never, walk: () => T): T {
  if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v)) return walk();
  if (open.has(v)) fail('is one of its own containers (a cycle), which a MAT file cannot hold');
  if (open.size >= MAX_DEPTH) fail(`is nested more than ${MAX_DEPTH} deep`);
  open.add(v);
  try {
    return walk();
  } finally {
    open.delete(v);
  }
}
