/**
 * True when `value` nests objects or arrays deeper than `maxDepth`. Iterative, so a hostile document of any
 * depth is measured without recursion; check before anything recursive (class-transformer, validation) sees it.
 */
export function exceedsDepth(value: unknown, maxDepth: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= maxDepth) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}
