import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

/**
 * class-validator looks a class's rules up anew for every object it validates, walking the rules of every
 * class the process knows (config, DTOs, contracts) to find inherited ones: a third of the cost of
 * validating a delivery command. The rules only change while classes are being defined, so the lookup is
 * memoised per class and options, and the memo is dropped whenever a rule is added. Applied on import.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Constructor = abstract new (...args: any[]) => unknown;

type Lookup = (
  target: Constructor,
  schema: string,
  always: boolean,
  strictGroups: boolean,
  groups?: string[],
) => ValidationMetadata[];

interface Storage {
  getTargetValidationMetadatas: Lookup;
  addValidationMetadata(metadata: ValidationMetadata): void;
  esozMemoised?: boolean;
}

export function memoiseValidationLookups(storage: Storage): void {
  if (storage.esozMemoised) return;
  storage.esozMemoised = true;
  const lookup = storage.getTargetValidationMetadatas.bind(storage);
  const add = storage.addValidationMetadata.bind(storage);
  let memo = new Map<Constructor, Map<string, ValidationMetadata[]>>();
  storage.addValidationMetadata = (metadata) => {
    memo = new Map();
    add(metadata);
  };
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    const key = `${schema}\u0000${always}\u0000${strictGroups}\u0000${(groups ?? []).join('\u0001')}`;
    let forTarget = memo.get(target);
    if (!forTarget) memo.set(target, (forTarget = new Map()));
    let found = forTarget.get(key);
    if (!found) forTarget.set(key, (found = lookup(target, schema, always, strictGroups, groups)));
    return found;
  };
}

memoiseValidationLookups(getMetadataStorage() as unknown as Storage);
