import { IsInt, IsString, getMetadataStorage, validateSync } from 'class-validator';
import { memoiseValidationLookups } from './validation-cache';

type Constructor = abstract new (...args: never[]) => unknown;
import './parse';

describe('memoised class-validator rule lookups', () => {
  it('is installed on the storage every validation uses', () => {
    expect((getMetadataStorage() as unknown as { esozMemoised?: boolean }).esozMemoised).toBe(true);
  });

  it('answers the same rules as the original lookup, and sees rules added later', () => {
    class Base {
      @IsString() name!: string;
    }
    class Child extends Base {
      @IsInt() n!: number;
    }
    const invalid = Object.assign(new Child(), { name: 5, n: 'x' });
    expect(
      validateSync(invalid)
        .map((error) => error.property)
        .sort(),
    ).toEqual(['n', 'name']);
    // A class defined after the first validation (the memo must not hide its rules).
    class Later {
      @IsInt() late!: number;
    }
    expect(validateSync(Object.assign(new Later(), { late: 'no' })).map((e) => e.property)).toEqual(['late']);
  });

  it('calls the original lookup once per class and options', () => {
    const calls: string[] = [];
    const storage = {
      getTargetValidationMetadatas: (target: Constructor, ..._options: unknown[]) => {
        calls.push(target.name);
        return [];
      },
      addValidationMetadata: (_metadata: unknown) => undefined,
    };
    memoiseValidationLookups(storage);
    class A {}
    storage.getTargetValidationMetadatas(A, '', false, false);
    storage.getTargetValidationMetadatas(A, '', false, false);
    storage.getTargetValidationMetadatas(A, '', true, false);
    expect(calls).toEqual(['A', 'A']);
    storage.addValidationMetadata({} as never);
    storage.getTargetValidationMetadatas(A, '', false, false);
    expect(calls).toHaveLength(3);
  });
});
