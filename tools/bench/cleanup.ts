import type { Kafka } from 'kafkajs';
import { deleteGroupsQuietly } from '../lib/kafka';

/**
 * Everything a bench run must undo, in reverse order of creation; safe to run twice (normal end and the
 * overall timeout may race), and each step is bounded so a hung close cannot keep the process alive.
 */
export class Cleanup {
  private readonly steps: { what: string; run: () => Promise<unknown> }[] = [];
  private readonly groups: string[] = [];
  private readonly topics: string[] = [];
  private running?: Promise<void>;

  constructor(private readonly kafka: Kafka) {}

  add(what: string, run: () => Promise<unknown>): void {
    this.steps.push({ what, run });
  }

  addGroups(groupIds: string[]): void {
    this.groups.push(...groupIds);
  }

  addTopics(topics: string[]): void {
    this.topics.push(...topics);
  }

  run(): Promise<void> {
    return (this.running ??= this.runOnce());
  }

  private async runOnce(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) await bounded(step.what, step.run());
    if (this.groups.length === 0 && this.topics.length === 0) return;
    const admin = this.kafka.admin();
    await bounded('admin connect', admin.connect());
    if (this.topics.length > 0)
      await bounded('delete bench topics', admin.deleteTopics({ topics: this.topics, timeout: 10_000 }));
    await bounded('delete consumer groups', deleteGroupsQuietly(admin, this.groups));
    await bounded('admin disconnect', admin.disconnect());
  }
}

async function bounded(what: string, work: Promise<unknown>, timeoutMs = 20_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([work, timeout]);
  } catch (error) {
    console.warn(`clean-up: ${what} failed: ${(error as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}
